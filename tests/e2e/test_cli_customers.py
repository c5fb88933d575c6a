"""Customer entry, the check, notes, hand-over, history, transfer-in and schedules through the real CLI."""

from __future__ import annotations

from tests.e2e.conftest import Stack

HIDDEN = "another rep's warehouse (outside your scope)"


def test_customer_commands(stack: Stack):
    add = ["customer", "add", "--address", "北京市朝阳区建国路88号", "--region", "北京"]
    first = stack.json(*add, "--name", "美来尔工程技术有限公司", "--phone", "010-62345678", "--fax", "010-62345679",
                       user="alice")
    # Case 1 of the deck: the same company under its bracketed-region name, entered by another rep. bob may not
    # see alice's warehouse, so he learns that someone holds it, not who.
    collided = stack.run(*add, "--name", "美来尔工程技术(北京)有限公司", "--phone", "010-62340000", "--fax",
                         "010-62340001", user="bob", expect=3)
    assert f"held in {HIDDEN}: pass the lead to its holder (转交)" in collided.stderr and "alice" not in collided.stderr
    similar = stack.run(*add, "--name", "美来尔工程技木有限公司", "--phone", "010-62340002", "--fax", "010-62340003",
                        user="bob", expect=3)
    assert "--confirm-distinct" in similar.stderr
    confirmed = stack.json(*add, "--name", "美来尔工程技木有限公司", "--phone", "010-62340002", "--fax",
                           "010-62340003", "--confirm-distinct", user="bob")
    assert confirmed["risk_flags"] == [f"confirmed_distinct_from:{first['id']}"]
    same = stack.json(*add, "--name", "小小商店有限公司", "--phone", "010-62340004", "--fax", "(010)62340004",
                      "--same-phone-fax", user="bob")
    assert same["risk_flags"] == ["same_phone_fax"]

    # The check needs a signed-in user; the holder shows only within the caller's scope.
    check = ["customer", "check", "--name", "北京美来尔工程技术有限公司", "--phone", "(010)62345678"]
    assert [(h["customer"], h["match"], h["holder"]) for h in stack.json(*check, user="sam")] == [
        (first["id"], "name", "alice (Alice Wang, partner BJ)"),
        (confirmed["id"], "similar name", "bob (Bob Li, partner BJ)")]
    assert [(h["customer"], h["name"], h["match"], h["holder"]) for h in stack.json(*check, user="carol")] == [
        (None, None, "name", HIDDEN), (None, None, "similar name", HIDDEN)]
    assert HIDDEN in stack.run(*check, user="carol").stdout
    stack.run(*check, expect=4)
    stack.run(*check, user="olga", expect=4)

    stack.run("customer", "note", str(first["id"]), "--text", "visited; likes the renewal offer", user="alice")
    # Another rep's customer answers as a missing one.
    assert f"there is no customer {first['id']}" in stack.run(
        "customer", "note", str(first["id"]), "--text", "x", user="bob", expect=5).stderr
    stack.run("customer", "hand-over", str(first["id"]), "--to", "bob", user="bjpartner")
    refused = stack.run("customer", "hand-over", str(first["id"]), "--to", "alice", user="sam", expect=4)
    assert "lacks the 'hand_over' permission" in refused.stderr
    history = stack.json("customer", "history", str(first["id"]), user="sam")
    assert [(h["from"], h["to"], h["reason"]) for h in history] == [
        (None, "alice", "entered"), ("alice", "bob", "handed over from alice")]
    assert "handed over from alice" in stack.run("customer", "history", str(first["id"]), user="sam").stdout
    assert [c["id"] for c in stack.json("customer", "list", user="alice")] == []
    confirmed_facts = ["--region", "上海", "--name", "美来尔工程技术有限公司", "--phone", "010-62340000", "--fax",
                       "010-62340001", "--address", "北京"]
    for command in (["transfer-in", str(first["id"]), "--reason", "mine", *confirmed_facts],
                    ["claim", str(first["id"])],
                    ["history", str(first["id"])]):
        assert f"there is no customer {first['id']}" in stack.run("customer", *command, user="carol",
                                                                  expect=5).stderr
    # 公海: nothing of alice's regions is in the pool; the pool is for those who may claim.
    assert stack.json("customer", "pool", "--search", "美来尔", user="alice") == []
    assert "no customer in the public pool of your regions" in stack.run("customer", "pool", user="alice").stdout
    assert "lacks the 'claim' permission" in stack.run("customer", "pool", user="sam", expect=4).stderr
    assert stack.json("customer", "applications", user="gao") == []
    stack.run("customer", "applications", expect=4)
    stack.run("customer", "applications", user="fay", expect=4)
    assert set(stack.json("schedules", "ensure")["schedules"]) == {
        "recycle-customers", "daily-digest", "delivery-sweep", "certification-sweep"}
    assert stack.json("temporal", "init")["namespace_status"] == "exists"
