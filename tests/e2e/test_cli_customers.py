"""Customer entry, notes, hand-over, history, transfer-in and schedules through the real CLI."""

from __future__ import annotations

from tests.e2e.conftest import Stack


def test_customer_commands(stack: Stack):
    add = ["customer", "add", "--address", "北京市朝阳区建国路88号", "--region", "北京"]
    first = stack.json(*add, "--name", "美来尔工程技术有限公司", "--phone", "010-62345678", "--fax", "010-62345679",
                       user="alice")
    # Case 1 of the deck: the same company under its bracketed-region name, entered by another rep.
    collided = stack.run(*add, "--name", "美来尔工程技术(北京)有限公司", "--phone", "010-62340000", "--fax",
                         "010-62340001", user="bob", expect=3)
    assert "held by alice (Alice Wang, partner BJ): ask the holder for a hand-over" in collided.stderr
    similar = stack.run(*add, "--name", "美来尔工程技木有限公司", "--phone", "010-62340002", "--fax", "010-62340003",
                        user="bob", expect=3)
    assert "--confirm-distinct" in similar.stderr
    confirmed = stack.json(*add, "--name", "美来尔工程技木有限公司", "--phone", "010-62340002", "--fax",
                           "010-62340003", "--confirm-distinct", user="bob")
    assert confirmed["risk_flags"] == [f"confirmed_distinct_from:{first['id']}"]
    same = stack.json(*add, "--name", "小小商店有限公司", "--phone", "010-62340004", "--fax", "(010)62340004",
                      "--same-phone-fax", user="bob")
    assert same["risk_flags"] == ["same_phone_fax"]

    stack.run("customer", "note", str(first["id"]), "--text", "visited; likes the renewal offer", user="alice")
    assert "held by alice" in stack.run("customer", "note", str(first["id"]), "--text", "x", user="bob",
                                        expect=4).stderr
    stack.run("customer", "hand-over", str(first["id"]), "--to", "bob", user="bjpartner")
    refused = stack.run("customer", "hand-over", str(first["id"]), "--to", "alice", user="sam", expect=4)
    assert "lacks the 'hand_over' permission" in refused.stderr
    history = stack.json("customer", "history", str(first["id"]), user="sam")
    assert [(h["from"], h["to"], h["reason"]) for h in history] == [
        (None, "alice", "entered"), ("alice", "bob", "handed over from alice")]
    assert [c["id"] for c in stack.json("customer", "list", user="alice")] == []
    held = stack.run("customer", "transfer-in", str(first["id"]), "--reason", "mine", user="carol", expect=3)
    assert "held by bob (Bob Li, partner BJ), not in the pool; ask the holder for a hand-over" in held.stderr
    assert "claim it" not in stack.run("customer", "claim", str(first["id"]), user="carol", expect=3).stderr
    assert stack.json("schedules", "ensure")["schedule"] == "recycle-customers"
    assert stack.json("temporal", "init")["namespace_status"] == "exists"
