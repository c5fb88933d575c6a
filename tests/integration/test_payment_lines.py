"""Bank lines in the database, on SQLite and PostgreSQL: stored once, claimed once under a race, released."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import unit_of_work
from db.models import LineEvent, Payment, StatementLine
from db.payment_repo import claim_line, get_line, leave_open, release_line, store_lines
from domain.errors import DomainError, Refused
from domain.payments import Decision, LineStatus
from domain.statements import parse_statement

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
CSV = ("value date,amount,payer name,payer account,bank reference,memo\n"
       "2026-11-20,100.00,Acme Ltd,1,R1,\n2026-11-21,200.00,Acme Ltd,1,R2,\n")


def _store(sessions: sessionmaker[Session], text: str) -> tuple[int, int, list[str]]:
    lines = parse_statement(text.encode(), date(2026, 11, 26)).lines
    with unit_of_work(sessions) as session:
        stored = store_lines(session, lines, "fay", "s.csv", NOW)
    return len(stored.new), stored.already, [c.reason for c in stored.conflicts]


def test_lines_are_stored_once_by_bank_reference(sessions: sessionmaker[Session]):
    assert _store(sessions, CSV) == (2, 0, [])
    assert _store(sessions, CSV) == (0, 2, [])
    changed = CSV.replace("200.00", "250.00") + "2026-11-22,300.00,Acme Ltd,1,R3,\n"
    new, already, conflicts = _store(sessions, changed)
    assert (new, already) == (1, 1) and "R2 was imported before from s.csv as 200.00" in conflicts[0]
    with unit_of_work(sessions) as session:
        assert session.scalars(select(StatementLine.amount).order_by(StatementLine.id)).all() == [
            Decimal("100.00"), Decimal("200.00"), Decimal("300.00")]


def test_two_orders_racing_for_one_line_cannot_both_take_it(sessions: sessionmaker[Session]):
    _store(sessions, CSV)
    barrier, results = threading.Barrier(2), {}

    def take(order: str) -> None:
        barrier.wait()
        try:
            with unit_of_work(sessions) as session:
                claim_line(session, "R1", order, "fay", "manual", NOW)
            results[order] = "won"
        except DomainError as err:
            results[order] = err.message

    threads = [threading.Thread(target=take, args=(o,)) for o in ("BJ100001", "BJ100002")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.values())[-1] == "won" and list(results.values()).count("won") == 1, results
    loser = next(v for v in results.values() if v != "won")
    assert "already matched to order" in loser or "changed while it was being matched" in loser
    with unit_of_work(sessions) as session:
        row = session.scalars(select(StatementLine).where(StatementLine.bank_ref == "R1")).one()
        assert row.status == "matched" and results[row.order_number or ""] == "won"
        assert [e.action for e in session.scalars(select(LineEvent).where(LineEvent.line_id == row.id))] == [
            "imported", "matched"]


def test_an_import_that_saw_a_line_open_does_not_reopen_it_once_an_order_took_it(sessions: sessionmaker[Session]):
    """The import reads the open lines, then decides each: if an order's queue retry or finance matched one in
    between, the import's "no order fits" must not put it back in the queue (its money would count twice)."""
    _store(sessions, CSV)
    with unit_of_work(sessions) as reading:
        stale = get_line(reading, "R1")  # the import's view: open
        with unit_of_work(sessions) as other:
            claim_line(other, "R1", "BJ100001", "system", "queue retry", NOW)
        leave_open(reading, stale, Decision(LineStatus.UNMATCHED, None, ()), "no order fits", "fay", NOW)
    with unit_of_work(sessions) as session:
        line = get_line(session, "R1")
        assert (line.status, line.order_number) == ("matched", "BJ100001")
        events = session.scalars(select(LineEvent.action).order_by(LineEvent.id)).all()
        assert events[-1] == "matched", events


def test_a_released_line_returns_to_the_queue_and_its_payment_stops_counting(sessions: sessionmaker[Session]):
    from temporalio.testing import ActivityEnvironment

    from activities.orders import OrderActivities
    from domain.order import Action, OrderStatus
    from tests.helpers import ASSISTANT, record

    ActivityEnvironment().run(OrderActivities(sessions).record_step,
                              record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    _store(sessions, CSV)
    with unit_of_work(sessions) as session:
        claim_line(session, "R2", "BJ100001", "fay", "manual", NOW)
        session.add(Payment(order_number="BJ100001", seq=2, amount=Decimal("200.00"), paid_on=date(2026, 11, 21),
                            recorded_by="fay", at=NOW, line_ref="R2"))
    with unit_of_work(sessions) as session:
        release_line(session, "R2", "BJ100001", "fay", "wrong customer", NOW)
    with unit_of_work(sessions) as session:
        row = session.scalars(select(StatementLine).where(StatementLine.bank_ref == "R2")).one()
        assert (row.status, row.order_number) == ("unmatched", None)
        payment = session.scalars(select(Payment)).one()
        assert (payment.reversed_by, payment.reverse_reason) == ("fay", "wrong customer")
    with pytest.raises(Refused, match="not matched to order BJ100001"), unit_of_work(sessions) as session:
        release_line(session, "R2", "BJ100001", "fay", "again", NOW)


def test_an_order_waiting_for_payment_finds_the_queued_line_that_fits_it_alone(sessions: sessionmaker[Session]):
    """What the order workflow asks on reaching AWAITING_PAYMENT: the oldest queued line of its customer's that the
    automatic match gives to this order, and none while another order of the payer owes the same."""
    from temporalio.testing import ActivityEnvironment

    from activities.orders import OrderActivities
    from db.models import Order
    from orderflow.contracts import QueuedLinesInput

    def waiting(number: str, amount: str) -> Order:
        return Order(number=number, partner_code="BJ", rep="alice", status="AWAITING_PAYMENT", pending_role="finance",
                     customer_id=1, customer_name="美来尔工程技术有限公司", product="Ads", kind="new",
                     amount=Decimal(amount), signed_on=date(2026, 11, 1), issue_id=number, status_since=NOW,
                     issued_at=NOW, updated_at=NOW)

    with unit_of_work(sessions) as session:
        session.add(waiting("BJ100001", "200.00"))
    _store(sessions, "value date,amount,payer name,payer account,bank reference,memo\n"
                     "2026-11-20,300.00,北京美来尔工程技术有限公司,1,Q1,\n"  # fits no order
                     "2026-11-22,200.00,张三,1,Q2,\n"  # another payer
                     "2026-11-21,200.00,北京美来尔工程技术有限公司,1,Q3,\n"
                     "2026-11-23,200.00,美来尔工程技术有限公司,1,Q4,\n")
    find = OrderActivities(sessions).find_queued_line
    ask = QueuedLinesInput(order_number="BJ100001", customer_id=1)
    line = ActivityEnvironment().run(find, ask)
    assert line is not None and (line.ref, line.amount, line.paid_on) == ("Q3", Decimal("200.00"), date(2026, 11, 21))
    with unit_of_work(sessions) as session:
        session.add(waiting("BJ100002", "200.00"))
    assert ActivityEnvironment().run(find, ask) is None  # two orders fit: finance decides
    with unit_of_work(sessions) as session:
        # It only reads: the payment that follows claims the line.
        assert session.scalars(select(StatementLine.status).order_by(StatementLine.id)).all() == ["unmatched"] * 4


def test_candidates_are_the_payer_s_orders_that_may_take_money_those_waiting_for_it_marked(
        sessions: sessionmaker[Session]):
    """Issue #16: an order that keeps money (signed, not yet approved; or EXPIRED) is a candidate too, ranked after
    the orders waiting for payment (domain.payments.decide_match); a blank, void or effective order is none."""
    from db.models import Order
    from db.payment_repo import candidates

    statuses = ["AWAITING_PAYMENT", "SECOND_REVIEW", "EXPIRED", "RETURNED", "ISSUED", "VOID", "EFFECTIVE"]
    with unit_of_work(sessions) as session:
        for i, status in enumerate(statuses):
            session.add(Order(number=f"BJ10000{i}", partner_code="BJ", rep="alice", status=status,
                              customer_id=1, customer_name="美来尔工程技术有限公司", product="Ads", kind="new",
                              amount=Decimal("200.00"), paid_total=Decimal("50.00"), signed_on=date(2026, 11, 1),
                              issue_id=f"i{i}", status_since=NOW, issued_at=NOW, updated_at=NOW))
    _store(sessions, "value date,amount,payer name,payer account,bank reference,memo\n"
                     "2026-11-20,150.00,北京美来尔工程技术有限公司,1,K1,\n")
    with unit_of_work(sessions) as session:
        key = get_line(session, "K1").payer_key
        found = sorted((c.order_number, c.outstanding, c.waiting) for c in candidates(session, key))
    assert found == [("BJ100000", Decimal("150.00"), True), ("BJ100001", Decimal("150.00"), False),
                     ("BJ100002", Decimal("150.00"), False), ("BJ100003", Decimal("150.00"), False)]
