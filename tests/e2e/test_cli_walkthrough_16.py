"""Issue #16's walkthrough through the real CLI, API server, worker, dev server and moto's S3: money that
arrives before approval, an expired order revived by a late payment, a late original after LOST, a corrected
phone number colliding, and a departing rep's customers and orders handed over."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from db.engine import make_engine, session_factory, unit_of_work
from db.models import Notification
from domain.fields import business_date
from tests.apiserver import CLI, ApiServer
from tests.e2e.conftest import Stack, assert_read_model_matches_workflow
from tests.e2e.test_cli_payments import _customer, _statement
from tests.e2e.test_cli_walkthrough import _via
from tests.helpers import pdf_bytes


def _today() -> str:
    return business_date(datetime.now(UTC)).isoformat()


def _signed(stack: Stack, number: str, customer: int, amount: str, rep: str = "alice") -> None:
    stack.json("order", "issue", number, "--to", rep, user="amy")
    stack.json("order", "sign", number, "--customer", str(customer), "--product", "Yellow pages", "--kind", "new",
               "--amount", amount, user=rep)


def _scanned(stack: Stack, number: str) -> dict[str, Any]:
    scan = stack.tmp / f"{number}.pdf"
    scan.write_bytes(pdf_bytes(3000))
    return stack.json("order", "scan", number, "--file", str(scan), user="amy")  # type: ignore[no-any-return]


def _until(stack: Stack, number: str, status: str, timeout: float = 50.0) -> dict[str, Any]:
    """Poll the read model (a timer or the workflow's own retry moves the order, not a command)."""
    deadline = time.monotonic() + timeout
    while True:
        shown: dict[str, Any] = stack.json("order", "show", number, user="olga")
        if shown["status"] == status:
            return shown
        assert time.monotonic() < deadline, f"{number} is still {shown['status']}, not {status}"
        time.sleep(0.5)


async def test_money_before_approval_counts_at_the_second_review(stack: Stack) -> None:
    today = _today()
    yesterday = (date.fromisoformat(today) - timedelta(days=1)).isoformat()
    meilaier = _customer(stack, "美来尔工程技术有限公司", "010-62345678")
    huaxin = _customer(stack, "华信科技有限公司", "010-64000001")

    # Finance types in the whole amount while the order waits for its first review: kept, not refused.
    _signed(stack, "BJ100001", meilaier, "12000.00")
    stack.json("order", "receive", "BJ100001", user="amy")
    kept = stack.json("order", "pay", "BJ100001", "--amount", "12000", "--date", today, user="fay")
    assert (kept["status"], kept["fields"]["paid_total"]) == ("FIRST_REVIEW", "12000.00")
    assert kept["fields"].get("effective_on") is None
    stack.json("order", "review", "BJ100001", "--approve", user="amy")
    assert _scanned(stack, "BJ100001")["status"] == "SECOND_REVIEW"
    # The money covers it, so the second review's approval makes it effective at once, dated by the money.
    done = stack.json("order", "review", "BJ100001", "--approve", "--location", "Cabinet 1", user="olga")
    assert (done["status"], done["fields"]["effective_on"]) == ("EFFECTIVE", today)
    assert [c["order"] for c in stack.json("credits", user="alice")] == ["BJ100001"]

    # A bank line that arrives before its order is signed fits no order and waits in the queue; the order picks
    # it up by itself when the second review approves it: no new import. (Once the order is signed, an import
    # matches such a line at once and keeps it on the order.) The line is a deposit paid the day before signing,
    # so the order takes effect on the signing date (it cannot take effect before it exists).
    statement = _statement(stack, "early.csv", [f"{yesterday},5000.00,北京华信科技有限公司,1,EARLY01,订金"], "utf-8")
    report = stack.json("payments", "import", statement, user="fay")
    assert [(o["bank_ref"], o["status"]) for o in report["outcomes"]] == [("EARLY01", "unmatched")]
    _signed(stack, "BJ100002", huaxin, "5000.00")
    stack.json("order", "receive", "BJ100002", user="amy")
    stack.json("order", "review", "BJ100002", "--approve", user="amy")
    _scanned(stack, "BJ100002")
    assert stack.json("order", "show", "BJ100002", user="fay")["status"] == "SECOND_REVIEW"
    stack.json("order", "review", "BJ100002", "--approve", "--location", "Cabinet 1", user="olga")
    effective = _until(stack, "BJ100002", "EFFECTIVE")
    assert effective["fields"]["effective_on"] == today
    assert [p["ref"] for p in effective["fields"]["payments"]] == ["EARLY01"]
    history = stack.json("payments", "show", "EARLY01", user="fay")["history"]
    assert (history[-1]["action"], history[-1]["actor"]) == ("matched", "system")
    assert [line["bank_ref"] for line in stack.json("payments", "unmatched", user="fay")["lines"]] == []
    assert sorted(c["order"] for c in stack.json("credits", user="alice")) == ["BJ100001", "BJ100002"]
    await assert_read_model_matches_workflow(stack, "BJ100001", "BJ100002")


async def test_an_expired_order_is_revived_by_its_late_payment(stack: Stack) -> None:
    """Expiry in seconds: the policy is fixed when the order is issued, so only this order is issued through an
    API server whose payment window is short; every later step goes through the stack's own server."""
    today = _today()
    customer = _customer(stack, "东方红机械有限公司", "010-65000001")
    short = ApiServer({**stack.env, "ORDERFLOW_POLICY__PAYMENT_REMINDER": "PT5S",
                       "ORDERFLOW_POLICY__PAYMENT_EXPIRY": "PT30S"}, stack.tmp)
    try:
        stack.run("order", "issue", "BJ100010", "--to", "alice", user="amy")  # a normal order beside it
        issued = subprocess.run([CLI, "--json", "order", "issue", "BJ100011", "--to", "alice"],
                                env=_via(stack, short, "amy"), capture_output=True, text=True, timeout=60)
        assert issued.returncode == 0, issued.stderr
    finally:
        short.stop()
    stack.json("order", "sign", "BJ100011", "--customer", str(customer), "--product", "Yellow pages", "--kind",
               "new", "--amount", "10000", user="alice")
    stack.json("order", "receive", "BJ100011", user="amy")
    stack.json("order", "review", "BJ100011", "--approve", user="amy")
    _scanned(stack, "BJ100011")
    stack.json("order", "review", "BJ100011", "--approve", "--location", "Cabinet 2", user="olga")
    part = stack.json("order", "pay", "BJ100011", "--amount", "4000", "--date", today, user="fay")
    assert (part["status"], part["fields"]["paid_total"]) == ("AWAITING_PAYMENT", "4000.00")

    expired = _until(stack, "BJ100011", "EXPIRED")
    assert expired["fields"]["paid_total"] == "4000.00"
    # The rest of the money arrives late: kept on the expired order, which stays EXPIRED until someone revives it.
    late = stack.json("order", "pay", "BJ100011", "--amount", "6000", "--date", today, user="fay")
    assert (late["status"], late["fields"]["paid_total"]) == ("EXPIRED", "10000.00")
    told = [n for n in stack.json("inbox", user="olga")["notifications"] if n["kind"] == "expired-paid"]
    assert [n["order"] for n in told] == ["BJ100011"] and "order revive BJ100011" in told[0]["text"]
    assert stack.json("credits", user="alice") == []
    refused = stack.run("order", "revive", "BJ100011", "--reason", "paid", user="alice", expect=4)
    assert "permission" in refused.stderr or "role" in refused.stderr
    stack.run("order", "revive", "BJ100011", "--reason", "   ", user="olga", expect=2)
    revived = stack.json("order", "revive", "BJ100011", "--reason", "customer paid late", user="olga")
    assert (revived["status"], revived["fields"]["effective_on"]) == ("EFFECTIVE", today)
    step = revived["timeline"][-1]
    assert step["action"] == "revive" and step["actor"] == "olga"
    assert [c["order"] for c in stack.json("credits", user="alice")] == ["BJ100011"]
    # The normal order beside it keeps the default policy: 30 days to sign.
    assert stack.json("order", "show", "BJ100010", user="olga")["status"] == "ISSUED"
    await assert_read_model_matches_workflow(stack, "BJ100010", "BJ100011")


async def test_a_late_original_after_lost_voids_the_unsigned_reissue(stack: Stack) -> None:
    customer = _customer(stack, "长城建材有限公司", "010-66000001")
    _signed(stack, "BJ100020", customer, "8800")
    lost = stack.json("order", "lost", "BJ100020", "--note", "lost by the courier", user="alice")
    assert lost["status"] == "LOST"
    stack.json("order", "reissue", "BJ100020", "--number", "BJ100021", user="amy")
    assert stack.json("order", "show", "BJ100021", user="olga")["status"] == "ISSUED"
    stack.run("order", "found", "BJ100020", "--reason", "courier found it", user="alice", expect=4)
    found = stack.json("order", "found", "BJ100020", "--reason", "courier found it", user="amy")
    assert found["status"] == "FIRST_REVIEW"
    reissue = stack.json("order", "show", "BJ100021", user="olga")
    assert reissue["status"] == "VOID"
    # The original goes on as if it had just arrived, and its reissue's number is never issued again.
    assert stack.json("order", "review", "BJ100020", "--approve", user="amy")["status"] == "AWAITING_SCAN"
    assert "can never be issued again" in stack.run("order", "issue", "BJ100021", "--to", "alice", user="amy",
                                                    expect=3).stderr

    # Once the customer signed the reissue, the sale goes on as the reissue and the late original is refused.
    _signed(stack, "BJ100022", customer, "8800")
    stack.json("order", "lost", "BJ100022", "--note", "lost in the post", user="alice")
    stack.json("order", "reissue", "BJ100022", "--number", "BJ100023", user="amy")
    stack.json("order", "sign", "BJ100023", "--customer", str(customer), "--product", "Yellow pages", "--kind",
               "new", "--amount", "8800", user="alice")
    stack.run("order", "found", "BJ100022", "--reason", "turned up", user="amy", expect=3)
    assert stack.json("order", "show", "BJ100022", user="olga")["status"] == "REISSUED"
    assert stack.json("order", "show", "BJ100023", user="olga")["status"] == "AWAITING_ORIGINAL"
    await assert_read_model_matches_workflow(stack, "BJ100020", "BJ100021", "BJ100022", "BJ100023")


async def test_a_lost_original_gives_its_money_back_before_its_reissue_and_a_refund_closes_the_line(
        stack: Stack) -> None:
    today = _today()
    customer = _customer(stack, "金桥印务有限公司", "010-66000031")
    _signed(stack, "BJ100030", customer, "3000")
    # The customer's bank line is kept on the signed order; finance also types in 500.00 paid in cash.
    statement = _statement(stack, "jq.csv", [f"{today},3000.00,北京金桥印务有限公司,1,JQ01,"], "utf-8")
    report = stack.json("payments", "import", statement, user="fay")
    assert [(o["bank_ref"], o["order"]) for o in report["outcomes"]] == [("JQ01", "BJ100030")]
    stack.json("order", "pay", "BJ100030", "--amount", "500", "--date", today, user="fay")
    assert stack.json("order", "lost", "BJ100030", "--note", "lost by the courier", user="alice")["status"] == "LOST"

    refused = stack.run("order", "reissue", "BJ100030", "--number", "BJ100031", user="amy", expect=3).stderr
    assert "holds money; before it can be reissued, finance must unmatch bank line(s) JQ01" in refused
    assert "reverse payment(s) 2 recorded by hand" in refused
    shown = stack.run("order", "show", "BJ100030", user="fay").stdout
    assert "payment 1: 3000.00 on" in shown and "bank line JQ01" in shown
    assert "payment 2: 500.00 on" in shown and "recorded by hand" in shown
    stack.run("payments", "reverse", "BJ100030", "2", "--amount", "400", "--paid-on", today, "--reason", "cash",
              user="fay", expect=3)
    reversed_ = stack.json("payments", "reverse", "BJ100030", "2", "--amount", "500.00", "--paid-on", today,
                           "--reason", "the cash was for another order", user="fay")
    assert (reversed_["status"], reversed_["fields"]["paid_total"]) == ("LOST", "3000.00")
    stack.json("payments", "unmatch", "JQ01", "--reason", "the customer cancels; the money goes back", user="fay")

    # The line waits in the queue (a LOST order takes no money) until finance refunds it, on its own list.
    stack.json("payments", "refund", "JQ01", "--reason", "the customer cancelled the order", user="fay")
    queue = stack.run("payments", "unmatched", user="fay").stdout
    assert "1 bank line(s) to be refunded" in queue and "the customer cancelled the order" in queue
    stack.run("payments", "match", "JQ01", "--order", "BJ100030", user="fay", expect=3)
    done = stack.json("payments", "refunded", "JQ01", "--reference", "transfer back TB-9", user="fay")
    assert done["line"]["status"] == "refunded"
    assert [h["action"] for h in done["history"]][-3:] == ["unmatch", "refund_due", "refunded"]
    assert stack.json("payments", "unmatched", user="fay")["lines"] == []

    assert stack.json("order", "reissue", "BJ100030", "--number", "BJ100031", user="amy")["status"] == "REISSUED"
    await assert_read_model_matches_workflow(stack, "BJ100030")


async def test_an_overpayment_is_settled_by_finance_once_with_a_reason(stack: Stack) -> None:
    customer = _customer(stack, "宏图文具有限公司", "010-66000041")
    _signed(stack, "BJ100040", customer, "3000")
    stack.json("order", "receive", "BJ100040", user="amy")
    stack.json("order", "review", "BJ100040", "--approve", user="amy")
    _scanned(stack, "BJ100040")
    stack.json("order", "review", "BJ100040", "--approve", "--location", "Cabinet 1", user="olga")
    paid = stack.json("order", "pay", "BJ100040", "--amount", "3500", "--date", _today(), user="fay")
    assert (paid["status"], paid["fields"]["credit_balance"]) == ("EFFECTIVE", "500.00")
    assert "overpaid orders: settle each" in stack.run("payments", "unmatched", user="fay").stdout
    stack.run("payments", "settle", "BJ100040", "--as", "kept", "--reason", "x", user="fay", expect=2)
    settled = stack.json("payments", "settle", "BJ100040", "--as", "carried", "--reason",
                         "toward the 2027 renewal", user="fay")
    assert (settled["settled_as"], settled["settled_by"]) == ("carried", "fay")
    assert stack.json("payments", "unmatched", user="fay")["credit_balances"] == []
    assert "credit balance 500.00 settled, carried by fay on" in stack.run("order", "show", "BJ100040",
                                                                          user="fay").stdout
    stack.run("payments", "settle", "BJ100040", "--as", "refunded", "--reason", "again", user="fay", expect=3)


async def test_a_corrected_phone_collides_and_a_leavers_customers_and_orders_are_handed_over(stack: Stack) -> None:
    # The deck's case 2: bob took a caller's number as the company's; the real one is alice's customer's.
    alices = _customer(stack, "美来尔工程技术有限公司", "010-62345678")
    bobs = stack.json("customer", "add", "--name", "小李贸易有限公司", "--phone", "010-65550001", "--fax",
                      "010-65550001", "--same-phone-fax", "--address", "北京市朝阳区", "--region", "北京",
                      user="bob")["id"]
    for _ in range(2):  # refused twice, told once
        refused = stack.run("customer", "correct", str(bobs), "--phone", "(010)62345678", "--reason",
                            "the real number, from the licence", user="bob", expect=3)
        assert f"customer {bobs} was not corrected: a customer with the same phone" in refused.stderr
        assert "pass the lead to its holder (转交)" in refused.stderr and "alice" not in refused.stderr
    for user, about in (("alice", f"customer:{alices}"), ("bob", f"customer:{bobs}")):
        notes = [n for n in stack.json("inbox", user=user)["notifications"] if n["kind"] == "number-collision"]
        assert [n["order"] for n in notes] == [about] and "Number collision (撞单)" in notes[0]["text"], notes
    assert _collisions(stack) == [("alice", f"customer:{alices}"), ("bob", f"customer:{bobs}")]
    fixed = stack.json("customer", "correct", str(bobs), "--phone", "010-65550003", "--fax", "010-65550004",
                       "--reason", "the real numbers, from the licence", user="bob")
    assert (fixed["phone"], fixed["fax"]) == ("+861065550003", "+861065550004")

    # bob leaves while one of his customers has an order in flight: both customers go to the partner's own
    # warehouse, each with an ownership record, and the partner hands one on to alice.
    other = _customer(stack, "长城电子有限公司", "010-66000001", user="bob")
    _signed(stack, "BJ100030", other, "3000", rep="bob")
    stack.json("order", "issue", "BJ100031", "--to", "bob", user="amy")  # a blank form bob still holds
    stack.run("user", "close", "bob", "--reason", "left", user="alice", expect=4)
    closed = stack.json("user", "close", "bob", "--reason", "left", user="mike")
    assert (closed["customers_to_partner"], closed["customers_to_pool"]) == (2, 0)
    assert "already closed" in stack.run("user", "close", "bob", "--reason", "left", user="mike",
                                         expect=3).stderr
    assert _held(stack, "bjpartner") == sorted([bobs, other])  # the partner account sees its whole partner
    history = stack.json("customer", "history", str(other), user="sam")
    assert (history[-1]["from"], history[-1]["to"]) == ("bob", "bjpartner"), history
    assert "account closed: left" in history[-1]["reason"]
    # The leaver's open task (the form he was to sign) waits in the inbox of the person he reported to.
    assert "BJ100031" in [r["number"] for r in stack.json("inbox", user="sam")["orders"]]
    stack.json("customer", "hand-over", str(bobs), "--to", "alice", user="bjpartner")
    assert [c["id"] for c in stack.json("customer", "list", user="alice")] == sorted([alices, bobs])
    assert _held(stack, "bjpartner") == [other]

    # The leaver's orders go to a rep who can act: the partner takes the blank form, the manager the signed
    # order, whose customer goes with it; every rep step is then alice's.
    outside = stack.run("order", "reassign", "BJ100031", "--to", "carol", "--reason", "bob left", user="bjpartner",
                        expect=3)
    assert "carol" in outside.stderr
    stack.run("order", "reassign", "BJ100031", "--to", "alice", "--reason", "bob left", user="alice", expect=4)
    form = stack.json("order", "reassign", "BJ100031", "--to", "alice", "--reason", "bob left", user="bjpartner")
    assert (form["status"], form["pending_user"]) == ("ISSUED", "alice")
    assert "BJ100031" in [r["number"] for r in stack.json("inbox", user="alice")["orders"]]
    signed = stack.json("order", "sign", "BJ100031", "--customer", str(bobs), "--product", "Yellow pages",
                        "--kind", "new", "--amount", "2000", user="alice")
    assert signed["status"] == "AWAITING_ORIGINAL"
    moved = stack.json("order", "reassign", "BJ100030", "--to", "alice", "--reason", "bob left", user="mike")
    assert moved["status"] == "AWAITING_ORIGINAL"
    assert _held(stack, "alice") == sorted([alices, bobs, other]) and _held(stack, "bjpartner") == []
    assert stack.json("customer", "history", str(other), user="sam")[-1]["to"] == "alice"
    stack.json("order", "receive", "BJ100030", user="amy")
    stack.json("order", "review", "BJ100030", "--reject", "--reason", "amount_mismatch", "--note", "3,200 in words",
               user="amy")
    assert "BJ100030" in [r["number"] for r in stack.json("inbox", user="alice")["orders"]]
    fixed_order = stack.json("order", "correct", "BJ100030", "--amount", "3200", "--note", "confirmed", user="alice")
    assert (fixed_order["status"], fixed_order["fields"]["amount"]) == ("FIRST_REVIEW", "3200.00")
    stack.run("customer", "note", str(other), "--text", "called after bob left", user="alice")
    await assert_read_model_matches_workflow(stack, "BJ100030", "BJ100031")

def _held(stack: Stack, owner: str) -> list[int]:
    return sorted(c["id"] for c in stack.json("customer", "list", user="bjpartner") if c["owner"] == owner)


def _collisions(stack: Stack) -> list[tuple[str, str]]:
    sessions = session_factory(make_engine(stack.settings().db_url))
    with unit_of_work(sessions) as session:
        return [(n.recipient, n.order_number) for n in session.scalars(
            select(Notification).where(Notification.kind == "number-collision").order_by(Notification.recipient))]
