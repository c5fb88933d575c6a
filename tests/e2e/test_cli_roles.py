"""Roles and scopes through the real CLI: two partners, the hierarchy, accounts and deactivation."""

from __future__ import annotations

from tests.e2e.conftest import ROOT, Stack


def test_scopes_across_two_partners(stack: Stack):
    stack.run("customer", "add", "--name", "美来尔工程技术有限公司", "--phone", "010-62345678", "--fax",
              "010-62345679", "--address", "a", "--region", "北京", user="alice")
    stack.run("customer", "add", "--name", "东方明珠贸易有限公司", "--phone", "021-62345678", "--fax",
              "021-62345679", "--address", "a", "--region", "上海", user="carol")
    issued = stack.json("order", "issue", "--next", "--to", "alice", user="amy")
    assert issued["number"] == "BJ100000"
    assert stack.json("order", "issue", "--next", "--to", "alice", user="amy")["number"] == "BJ100001"
    sh = stack.json("order", "issue", "--next", "--to", "carol", user="sue")["number"]
    assert sh == "SH200000"
    # A rep of SH neither sees nor acts on BJ's orders and customers: to them the order does not exist.
    assert "there is no order BJ100000" in stack.run("order", "show", "BJ100000", user="sue", expect=5).stderr
    assert "there is no order BJ100000" in stack.run("order", "show", "BJ100000", user="carol", expect=5).stderr
    assert [r["number"] for r in stack.json("order", "list", user="carol")] == ["SH200000"]
    assert [r["number"] for r in stack.json("order", "list", user="sue")] == ["SH200000"]
    assert {r["number"] for r in stack.json("order", "list", user="hank")} == {"BJ100000", "BJ100001"}
    assert {r["number"] for r in stack.json("order", "list", user="olga")} == {"BJ100000", "BJ100001", "SH200000"}
    assert {r["number"] for r in stack.json("order", "list", user="dora")} == {"BJ100000", "BJ100001", "SH200000"}
    assert [c["name"] for c in stack.json("customer", "list", user="carol")] == ["东方明珠贸易有限公司"]
    assert [c["name"] for c in stack.json("customer", "list", user="mary")] == ["东方明珠贸易有限公司"]
    assert "there is no order BJ100000" in stack.run("order", "sign", "BJ100000", "--customer", "2", "--product",
                                                     "p", "--kind", "new", "--amount", "1", user="carol",
                                                     expect=5).stderr
    before = stack.json("order", "show", "BJ100000", user="olga")
    # Another partner's range reads like no range at all.
    foreign = stack.run("order", "issue", "SH200500", "--to", "carol", user="amy", expect=3).stderr
    assert "SH200500 is not in a number range of your partners (BJ)" in foreign
    assert stack.json("order", "show", "BJ100000", user="olga") == before
    # A partner outside the scope answers like a partner that does not exist.
    assert "there is no partner SH" in stack.run("ops", "report", "--partner", "SH", user="hank", expect=5).stderr
    assert stack.json("ops", "report", user="sid")["counts"]  # finance with the extra ops_report grant
    assert "lacks the 'ops_report' permission" in stack.run("ops", "report", user="fay", expect=4).stderr


def test_accounts_teams_and_deactivation(stack: Stack):
    stack.run("customer", "add", "--name", "美来尔工程技术有限公司", "--phone", "010-62345678", "--fax",
              "010-62345679", "--address", "a", "--region", "北京", user="bob")
    stack.run("customer", "note", "1", "--text", "called; renewal in March", user="bob")
    team = stack.json("team", user="sam")
    assert {r["rep"]: r["contacts"] for r in team["reps"]} == {"alice": 0, "bob": 1}
    assert team["notes"][0]["text"] == "called; renewal in March"
    assert "lacks the 'see_team' permission" in stack.run("team", user="alice", expect=4).stderr

    opened = stack.json("user", "open", "dan", "--name", "Dan Deng", "--partner", "BJ", "--region", "天津",
                        "--reports-to", "sam", user="mike")
    code = opened.pop("setup_code")
    assert opened == {"username": "dan", "partner": "BJ", "regions": ["天津"], "setup_code_days": 7}
    assert len(code) >= 8
    assert "outside the user's scope" in stack.run("user", "open", "eve", "--name", "Eve", "--partner", "BJ",
                                                   "--region", "北京", user="mary", expect=4).stderr
    assert "lacks the 'open_account' permission" in stack.run("user", "open", "eve", "--name", "Eve", "--partner",
                                                              "BJ", "--region", "北京", user="sam", expect=4).stderr

    stack.run("order", "issue", "BJ100005", "--to", "bob", user="amy")
    closed = stack.json("user", "close", "bob", "--reason", "left the company", user="mike")
    assert closed == {"username": "bob", "customers_to_partner": 1, "customers_to_pool": 0,
                      "open_orders": ["BJ100005"]}  # for the partner or the manager to reassign
    history = stack.json("customer", "history", "1", user="sam")
    assert (history[-1]["from"], history[-1]["to"], history[-1]["by"]) == ("bob", "bjpartner", "mike")
    # bob can do nothing now (his token died with the account), and his open task waits in his manager's inbox.
    assert "revoked" in stack.run("customer", "add", "--name", "新公司有限公司", "--phone", "010-64000005",
                                  "--fax", "010-64000006", "--address", "a", "--region", "北京", user="bob",
                                  expect=4).stderr
    assert "revoked" in stack.run("order", "sign", "BJ100005", "--customer", "1", "--product", "p", "--kind",
                                  "new", "--amount", "1", user="bob", expect=4).stderr
    inbox = stack.json("inbox", user="sam")
    assert [(r["number"], r["pending"]) for r in inbox["orders"]] == [("BJ100005", "bob (deactivated)")]
    # Reloading the org file keeps the history and reactivates only who it lists.
    assert "lacks the 'reload_org' permission" in stack.run("org", "load", str(ROOT / "examples" / "org.yaml"),
                                                           user="mike", expect=4).stderr
    reloaded = stack.json("org", "load", str(ROOT / "examples" / "org.yaml"), user="dora")
    assert "dan" in reloaded["deactivated"]
