"""Rejections, corrections, modification, re-upload, loss and reissue through the real CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.fields import business_date
from tests.e2e.conftest import Stack, assert_read_model_matches_workflow
from tests.helpers import pdf_bytes


def _to_first_review(stack: Stack, number: str, customer: str) -> None:
    stack.run("order", "issue", number, "--to", "alice", user="amy")
    stack.run("order", "sign", number, "--customer", customer, "--product", "Yellow pages", "--kind", "renewal",
              "--amount", "8800", user="alice")
    stack.run("order", "receive", number, user="amy")


async def test_rejection_loops_and_a_reissue(stack: Stack):
    customer = str(stack.json("customer", "add", "--name", "长城建材有限公司", "--phone", "010-65000001",
                              "--fax", "010-65000002", "--address", "a", "--region", "北京", user="alice")["id"])
    _to_first_review(stack, "BJ100010", customer)
    bad = stack.run("order", "review", "BJ100010", "--reject", "--reason", "smudge", "--note", "x", user="amy",
                    expect=2)
    assert "rejection reason 'smudge' is not one of" in bad.stderr
    returned = stack.json("order", "review", "BJ100010", "--reject", "--reason", "amount_mismatch",
                          "--note", "amount in words says 8,000", user="amy")
    assert returned["status"] == "RETURNED" and returned["fields"]["rounds"] == 1
    inbox = stack.json("inbox", user="alice")
    assert [n["kind"] for n in inbox["notifications"]] == ["returned"]
    assert "amount mismatch" in inbox["notifications"][0]["text"]
    corrected = stack.json("--request-id", "fix-1", "order", "correct", "BJ100010", "--amount", "8000", "--note",
                           "customer confirmed 8,000", user="alice")
    # The same request again (a retry after a lost reply) is applied once and answers the same.
    again = stack.json("--request-id", "fix-1", "order", "correct", "BJ100010", "--amount", "8000", "--note",
                       "customer confirmed 8,000", user="alice")
    assert again["timeline"] == corrected["timeline"]
    assert corrected["status"] == "FIRST_REVIEW" and corrected["fields"]["amount"] == "8000.00"
    stack.run("order", "review", "BJ100010", "--approve", user="amy")
    scan = stack.tmp / "s.pdf"
    scan.write_bytes(pdf_bytes(3000))
    stack.run("order", "scan", "BJ100010", "--file", str(scan), user="amy")
    stack.run("order", "modify", "BJ100010", "--product", "Yellow pages, renewal", "--reason", "typo", user="olga")
    again = stack.json("order", "scan", "BJ100010", "--file", str(scan), user="olga")  # 重传: a new version
    assert [s["version"] for s in again["scans"]] == [1, 2]
    assert again["status"] == "SECOND_REVIEW" and again["fields"]["product"] == "Yellow pages, renewal"
    shown = stack.run("order", "show", "BJ100010", user="olga").stdout
    assert "rejected 1 time(s)" in shown and "modify" in shown
    # Money before the approval is kept on the order (#16), and only an expired order can be revived.
    today = business_date(datetime.now(UTC)).isoformat()
    kept = stack.json("order", "pay", "BJ100010", "--amount", "1000", "--date", today, user="fay")
    assert kept["status"] == "SECOND_REVIEW" and Decimal(kept["fields"]["paid_total"]) == 1000
    early = stack.run("order", "revive", "BJ100010", "--reason", "paid late", user="olga", expect=3)
    assert "'revive' needs it to be EXPIRED" in early.stderr

    # A signed original lost in the post, then reissued under a new number.
    _to_first_review(stack, "BJ100011", customer)
    stack.run("order", "review", "BJ100011", "--reject", "--reason", "missing_stamp", "--note", "no seal",
              user="amy")
    stack.run("order", "resend", "BJ100011", "--note", "customer re-stamps", user="alice")
    lost = stack.json("order", "lost", "BJ100011", "--note", "lost by the courier", user="alice")
    assert lost["status"] == "LOST"
    old = stack.run("order", "reissue", "BJ100011", "--number", "BJ100010", user="amy", expect=3)
    assert "BJ100010 has already been issued" in old.stderr
    reissued = stack.json("order", "reissue", "BJ100011", "--number", "BJ100012", user="amy")
    assert reissued["status"] == "REISSUED" and reissued["fields"]["successor"] == "BJ100012"
    successor = stack.json("order", "show", "BJ100012", user="olga")
    assert successor["status"] == "ISSUED" and successor["fields"]["predecessor"] == "BJ100011"
    # A blank form reported lost is voided, and its number can never be issued again.
    stack.run("order", "issue", "BJ100013", "--to", "bob", user="amy")
    assert stack.json("order", "lost", "BJ100013", "--note", "lost", user="bob")["status"] == "VOID"
    voided = stack.run("order", "issue", "BJ100013", "--to", "bob", user="amy", expect=3)
    assert "was voided and can never be issued again" in voided.stderr
    await assert_read_model_matches_workflow(stack, "BJ100010", "BJ100011", "BJ100012", "BJ100013")
