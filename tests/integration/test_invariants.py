"""The invariants checker catches what it is there to catch: each kind of corruption, written on purpose."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.orders import OrderActivities
from db.engine import unit_of_work
from db.models import Customer, Order, OrderEvent, Payment, StatementLine
from db.payment_repo import move_line, store_lines
from db.warehouse_repo import move
from domain.order import Action, OrderStatus
from domain.payments import QUEUED, LineStatus
from domain.statements import parse_statement
from orderflow.contracts import PaidLine
from tests.helpers import ASSISTANT, FINANCE, ORDER_GROUP, REP, record
from tests.invariants import check

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


async def test_a_clean_store_passes_and_each_corruption_is_named(sessions: sessionmaker[Session]):
    ActivityEnvironment().run(OrderActivities(sessions).record_step,
                              record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    assert await check(sessions) == []
    with unit_of_work(sessions) as session:
        session.add(OrderEvent(order_number="BJ100001", seq=3, action="sign", actor="alice", source="ISSUED",
                               target="AWAITING_ORIGINAL", at=NOW, note=None, data={}))
        for seq in (5, 6):
            session.add(Payment(order_number="BJ100001", seq=seq, amount=Decimal("10.00"), paid_on=date(2026, 11, 20),
                                recorded_by="fay", at=NOW, line_ref="R1"))
        session.get(Order, "BJ100001").status = "EFFECTIVE"  # type: ignore[union-attr]
        customer = session.get(Customer, 1)
        assert customer is not None
        session.add(Customer(name=customer.name + " ", name_key=customer.name_key + "x", key_head="x", key_tail="x",
                             phone="1", phone_key="+861", fax="2", fax_key="+862", address="a", region="北京",
                             owner="alice", partner_code="BJ", created_by="alice", created_at=NOW,
                             last_contact_at=NOW, risk_flags=[]))
    found = "\n".join(await check(sessions, caps={"sales": 1}))
    assert "bank line R1 pays 2 times" in found
    assert "paid_total 0.00 but payments add up to 20.00" in found
    assert "order BJ100001: events [1, 3]" in found
    assert "alice holds 2 customers; the cap is 1" in found
    assert "is held by 2 customers" in found


async def test_a_customer_with_an_order_in_flight_outside_its_reps_or_partners_warehouse_is_named(
        sessions: sessionmaker[Session]):
    run = ActivityEnvironment().run
    acts = OrderActivities(sessions)
    run(acts.record_step, record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    run(acts.record_step, record(2, Action.SIGN, REP, OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL,
                                 customer_id=1, customer_name="美来尔工程技术有限公司"))
    assert await check(sessions) == []
    for holder, caught in [("bjpartner", False), ("bob", True), (None, True)]:
        with unit_of_work(sessions) as session:
            customer = session.get(Customer, 1)
            assert customer is not None
            move(session, customer, holder, reason="corrupted on purpose", actor="test", at=NOW)
        found = "\n".join(await check(sessions))
        assert ("customer 1 has order BJ100001 in flight (AWAITING_ORIGINAL) but is held by "
                f"{holder or 'the public pool'}, not by alice or partner BJ's own warehouse" in found) is caught


S = OrderStatus
PAID_ON = date(2026, 11, 25)
STATEMENT = ("value date,amount,payer name,payer account,bank reference,memo\n"
             "2026-11-25,60.00,美来尔工程技术有限公司,1,R1,\n2026-11-26,40.00,美来尔工程技术有限公司,1,R2,\n")


def _expired_order_keeping_money(sessions: sessionmaker[Session]) -> None:
    """BJ100001 (100.00) expired unpaid, then bank line R1 (60.00) was matched to it by hand: the money is kept on
    the EXPIRED order until it is revived. R2 (40.00) waits in finance's queue."""
    with unit_of_work(sessions) as session:
        store_lines(session, parse_statement(STATEMENT.encode(), date(2026, 11, 26)).lines, "fay", "s.csv", NOW)
    signed: dict[str, object] = {"customer_id": 1, "customer_name": "美来尔工程技术有限公司",
                                 "amount": Decimal("100.00"), "signed_on": date(2026, 10, 1)}
    reviewed = {**signed, "first_reviewer": "amy", "location": "Cabinet 3"}
    paid = {**reviewed, "paid_total": Decimal("60.00"), "payments": [PaidLine(ref="R1", amount=Decimal("60.00"),
                                                                              paid_on=PAID_ON)]}
    steps = [record(1, Action.ISSUE, ASSISTANT, None, S.ISSUED),
             record(2, Action.SIGN, REP, S.ISSUED, S.AWAITING_ORIGINAL, **signed),
             record(3, Action.RECEIVE, ASSISTANT, S.AWAITING_ORIGINAL, S.FIRST_REVIEW, **signed),
             record(4, Action.FIRST_REVIEW, ASSISTANT, S.FIRST_REVIEW, S.AWAITING_SCAN, **reviewed),
             record(5, Action.SCAN, ASSISTANT, S.AWAITING_SCAN, S.SECOND_REVIEW, **reviewed),
             record(6, Action.SECOND_REVIEW, ORDER_GROUP, S.SECOND_REVIEW, S.AWAITING_PAYMENT, **reviewed),
             record(7, Action.EXPIRE, None, S.AWAITING_PAYMENT, S.EXPIRED, **reviewed),
             record(8, Action.PAY, FINANCE, S.EXPIRED, S.EXPIRED, **paid).model_copy(update={
                 "payment": Decimal("60.00"), "payment_on": PAID_ON, "line_ref": "R1",
                 "data": {"line": "R1", "match": "manual"}})]
    for step in steps:
        ActivityEnvironment().run(OrderActivities(sessions).record_step, step)


def _line(session: Session, ref: str) -> StatementLine:
    line = session.scalar(select(StatementLine).where(StatementLine.bank_ref == ref))
    assert line is not None
    return line


def _set(row: object, **values: object) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def _order(session: Session) -> Order:
    order = session.get(Order, "BJ100001")
    assert order is not None
    return order


def _payment(session: Session) -> Payment:
    payment = session.scalar(select(Payment).where(Payment.line_ref == "R1"))
    assert payment is not None
    return payment


def _twice(session: Session) -> None:
    session.add(Payment(order_number="BJ100001", seq=9, amount=Decimal("60.00"), paid_on=PAID_ON, recorded_by="fay",
                        at=NOW, line_ref="R1"))
    _set(_order(session), paid_total=Decimal("120.00"))


def _reversed_but_matched(session: Session) -> None:
    _set(_payment(session), reversed_at=NOW, reversed_by="fay", reverse_reason="corrupted on purpose")
    _set(_order(session), paid_total=Decimal("0.00"))


def _back_in_queue_silently(session: Session) -> None:
    _reversed_but_matched(session)
    _set(_line(session, "R1"), status="unmatched", order_number=None)


CORRUPTIONS: list[tuple[str, Callable[[Session], None], str]] = [
    ("matched line, order lacks the payment", _reversed_but_matched,
     "bank line R1 is matched to BJ100001 without a live payment"),
    ("payment counted twice", _twice, "bank line R1 pays 2 times"),
    ("matched to an order that does not exist",
     lambda s: _set(_line(s, "R2"), status="matched", order_number="BJ199999"),
     "bank line R2 is matched to order BJ199999, which does not exist"),
    ("paid total disagrees", lambda s: _set(_order(s), paid_total=Decimal("100.00")),
     "order BJ100001: paid_total 100.00 but payments add up to 60.00"),
    ("queued and counted at once", lambda s: _set(_line(s, "R1"), status="unmatched"),
     "queued bank line R1 (unmatched) still names order BJ100001"),
    ("match taken back with no unmatch on record", _back_in_queue_silently,
     "queued bank line R1 was last matched; no unmatch says why it is back"),
    ("ambiguous without candidates", lambda s: _set(_line(s, "R2"), status="ambiguous", candidates=[]),
     "bank line R2 is ambiguous with candidates []"),
    ("payment disagrees with its line", lambda s: _set(_payment(s), amount=Decimal("50.00")),
     "order BJ100001 counts bank line R1 as 50.00 on 2026-11-25; the line is 60.00 on 2026-11-25"),
    ("payment for a line never imported", lambda s: _set(_payment(s), line_ref="R9"),
     "order BJ100001 counts bank line R9, which was never imported"),
    ("paid in full but not counted", lambda s: _set(_order(s), status="AWAITING_PAYMENT", amount=Decimal("60.00")),
     "order BJ100001 waits for payment but 60.00 of 60.00 is paid: the money does not count"),
    ("effective without the money", lambda s: _set(_order(s), status="EFFECTIVE"),
     "order BJ100001 is effective with 60.00 paid of 100.00"),
    ("money on a VOID order", lambda s: _set(_order(s), status="VOID"),
     "order BJ100001 is VOID with 60.00 kept on it: money counted nowhere"),
    ("money on a REISSUED order", lambda s: _set(_order(s), status="REISSUED"),
     "order BJ100001 is REISSUED with 60.00 kept on it: money counted nowhere"),
    ("refunded with no decision on its trail", lambda s: _set(_line(s, "R2"), status="refunded"),
     "bank line R2 is refunded but its trail last says 'imported'"),
    ("to be refunded yet counted", lambda s: _set(_line(s, "R1"), status="refund_due"),
     "bank line R1 (refund_due) still names order BJ100001"),
    ("a status nobody knows", lambda s: _set(_line(s, "R2"), status="lost"),
     "bank line R2 has status 'lost', neither matched, queued nor refunded"),
]


async def test_money_kept_on_an_expired_order_and_a_queued_line_pass(sessions: sessionmaker[Session]):
    _expired_order_keeping_money(sessions)
    with unit_of_work(sessions) as session:
        assert (_order(session).status, _order(session).paid_total) == ("EXPIRED", Decimal("60.00"))
        assert (_line(session, "R1").status, _line(session, "R2").status) == ("matched", "unmatched")
    assert await check(sessions) == []


@pytest.mark.parametrize(("corrupt", "named"), [(c, n) for _, c, n in CORRUPTIONS], ids=[i for i, _, _ in CORRUPTIONS])
async def test_money_counted_nowhere_twice_or_wrongly_is_named(sessions: sessionmaker[Session],
                                                               corrupt: Callable[[Session], None], named: str):
    _expired_order_keeping_money(sessions)
    with unit_of_work(sessions) as session:
        corrupt(session)
    found = await check(sessions)
    assert any(named in f for f in found), found


async def test_a_line_marked_to_be_refunded_and_then_refunded_passes(sessions: sessionmaker[Session]):
    _expired_order_keeping_money(sessions)
    for allowed, to, action in [(QUEUED, LineStatus.REFUND_DUE, "refund_due"),
                                (frozenset({LineStatus.REFUND_DUE}), LineStatus.REFUNDED, "refunded")]:
        with unit_of_work(sessions) as session:
            assert move_line(session, _line(session, "R2"), allowed, to, action, "fay", "paid twice", NOW)
        assert await check(sessions) == []
    with unit_of_work(sessions) as session:  # a refunded line moves no further
        assert not move_line(session, _line(session, "R2"), QUEUED, LineStatus.REFUND_DUE, "refund_due", "fay",
                             "again", NOW)


async def test_a_reversal_the_read_model_cannot_match_is_refused_not_dropped(sessions: sessionmaker[Session]):
    """Only a bank line's payment (R1) is on the order: a reversal of a hand payment finds no row to reverse, and
    the step is refused whole rather than recorded with the money still counted."""
    from temporalio.exceptions import ApplicationError

    _expired_order_keeping_money(sessions)
    step = record(9, Action.REVERSE, FINANCE, S.EXPIRED, S.EXPIRED, customer_id=1, amount=Decimal("100.00"),
                  paid_total=Decimal("0.00")).model_copy(update={"data": {
                      "payment": "1", "amount": "60.00", "paid_on": PAID_ON.isoformat(), "reason": "x"}})
    with pytest.raises(ApplicationError, match="has no live payment of 60.00 recorded by hand on 2026-11-25"):
        ActivityEnvironment().run(OrderActivities(sessions).record_step, step)
    with unit_of_work(sessions) as session:
        assert (_order(session).last_seq, _payment(session).reversed_at) == (8, None)
    assert await check(sessions) == []
