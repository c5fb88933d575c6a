"""Refunds as finance's own list (issue #16): a queued line is marked to be refunded with a reason, leaves matching,
stays listed until the refund is recorded as sent, and can be taken back to the queue; each move is on the line's
trail. Called directly on a real database, with the stand-in Temporal client of the payments tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import StatementLine
from db.payment_repo import claim_line
from domain.errors import InvalidInput, NotFound, NotPermitted, Refused
from domain.names import name_key
from domain.payments import LineStatus
from domain.people import Actor
from services import payment_views, payments, refunds
from services.context import Services
from tests.dates import today
from tests.invariants import check
from tests.services.test_payments import (  # noqa: F401 (fixtures)
    SH_PAYMENTS,
    StandInClient,
    orders,
    s3,
    services,
    statement,
    temporal,
    upload,
)


async def _import(services: Services, fay: Actor, tmp_path: Path, *rows: str) -> None:  # noqa: F811
    await payments.import_statement(services, fay, upload(statement(tmp_path, *rows))[0])


async def test_a_line_to_be_refunded_leaves_matching_stays_listed_and_closes_when_sent(
        services: Services, actor: Callable[[str], Actor], temporal: StandInClient, orders: None,  # noqa: F811
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    fay = actor("fay")
    # BJ100001's customer paid 300.00 that no order owes: finance sends it back.
    await _import(services, fay, tmp_path, f"{today()},300.00,美来尔工程技术有限公司,4,R1,")
    with pytest.raises(InvalidInput):
        await refunds.mark_refund(services, fay, "R1", "  ")
    marked = await refunds.mark_refund(services, fay, " R1 ", "paid twice; the customer asked for it back")
    assert (marked.line.status, marked.line.note) == (LineStatus.REFUND_DUE,
                                                       "paid twice; the customer asked for it back")
    listed = payment_views.unmatched_lines(services, fay, limit=10)
    assert [(line.bank_ref, line.status) for line in listed] == [("R1", LineStatus.REFUND_DUE)]
    with pytest.raises(Refused, match="already marked to be refunded"):
        await refunds.mark_refund(services, fay, "R1", "again")
    with pytest.raises(Refused, match="is to be refunded to its payer; reopen it first"):
        await payments.match_line(services, fay, "R1", "BJ100001")
    assert temporal.sent == []

    sent = await refunds.refund_sent(services, fay, "R1", "transfer back 2026-12-01, ref TB-778")
    assert sent.line.status is LineStatus.REFUNDED
    assert payment_views.unmatched_lines(services, fay, limit=10) == []
    for again in (refunds.refund_sent(services, fay, "R1", "x"), refunds.reopen(services, fay, "R1", "x")):
        with pytest.raises(Refused, match="was refunded already"):
            await again
    with pytest.raises(Refused, match="was refunded to its payer; it can no longer pay an order"):
        await payments.match_line(services, fay, "R1", "BJ100001")
    assert [(h["action"], h["actor"], h["note"]) for h in sent.history][-2:] == [
        ("refund_due", "fay", "paid twice; the customer asked for it back"),
        ("refunded", "fay", "transfer back 2026-12-01, ref TB-778")]
    assert await check(sessions) == []


async def test_an_import_never_matches_a_line_to_be_refunded_and_a_reopened_one_matches_again(
        services: Services, actor: Callable[[str], Actor], temporal: StandInClient, orders: None,  # noqa: F811
        tmp_path: Path) -> None:
    fay = actor("fay")
    await _import(services, fay, tmp_path, f"{today()},12000.00,张三,4,R2,")  # no order of 张三's: queued
    await refunds.mark_refund(services, fay, "R2", "not our customer")
    # The same money, now from BJ100001's payer in a corrected export, would fit; a line to be refunded is left be.
    with services.transaction() as session:
        row = session.scalars(select(StatementLine).where(StatementLine.bank_ref == "R2")).one()
        row.payer_name, row.payer_key = "美来尔工程技术有限公司", name_key("美来尔工程技术有限公司")
    await _import(services, fay, tmp_path, f"{today()},1.00,张三,4,R3,")
    assert temporal.sent == []
    with pytest.raises(Refused, match="is not marked to be refunded"):
        await refunds.refund_sent(services, fay, "R3", "x")
    reopened = await refunds.reopen(services, fay, "R2", "the customer will pay BJ100001 with it after all")
    assert reopened.line.status is LineStatus.UNMATCHED
    await _import(services, fay, tmp_path, f"{today()},1.00,张三,4,R3,")
    [(number, update, _, _)] = temporal.sent
    assert (number, update) == ("BJ100001", "pay")


async def test_money_on_an_order_is_unmatched_before_it_is_refunded_and_scope_and_role_hold(
        services: Services, actor: Callable[[str], Actor], orders: None,  # noqa: F811
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    from db.engine import unit_of_work

    fay = actor("fay")
    await _import(services, fay, tmp_path, f"{today()},4000.00,张三,4,R4,")
    with unit_of_work(sessions) as session:
        claim_line(session, "R4", "BJ100001", "fay", "manual", datetime.now(UTC))
    with pytest.raises(Refused, match="already matched to order BJ100001; unmatch it first"):
        await refunds.mark_refund(services, fay, "R4", "paid twice")
    with pytest.raises(NotPermitted, match="may not refund bank lines"):
        await refunds.mark_refund(services, actor("alice"), "R4", "paid twice")
    with pytest.raises(NotFound, match="there is no bank line with reference R9"):
        await refunds.mark_refund(services, fay, "R9", "paid twice")


async def test_an_overpaid_order_s_credit_balance_is_settled_once_with_a_reason_and_leaves_the_list(
        services: Services, actor: Callable[[str], Actor], orders: None,  # noqa: F811
        sessions: sessionmaker[Session]) -> None:
    from db.engine import unit_of_work
    from db.models import Order
    from orderflow.read_view import order_view

    fay = actor("fay")
    with pytest.raises(Refused, match="order BJ100001 has no credit balance to settle"):
        await refunds.settle_credit(services, fay, "BJ100001", "refunded", "sent back")
    with unit_of_work(sessions) as session:  # as the completing payment leaves it: effective, 500.00 over
        order = session.get(Order, "BJ100001")
        assert order is not None
        order.status, order.paid_total, order.credit_balance = "EFFECTIVE", Decimal("12500.00"), Decimal("500.00")
    assert [b.number for b in payment_views.credit_balances(services, fay, limit=10)] == ["BJ100001"]
    with pytest.raises(InvalidInput, match="settled as refunded or carried, not 'kept'"):
        await refunds.settle_credit(services, fay, "BJ100001", "kept", "x")
    with pytest.raises(InvalidInput):
        await refunds.settle_credit(services, fay, "BJ100001", "refunded", " ")
    with pytest.raises(NotPermitted, match="may not settle credit balances"):
        await refunds.settle_credit(services, actor("alice"), "BJ100001", "refunded", "sent back")
    with pytest.raises(NotFound, match="there is no order BJ100001"):
        await refunds.settle_credit(services, SH_PAYMENTS, "BJ100001", "refunded", "sent back")

    settled = await refunds.settle_credit(services, fay, "bj100001", "refunded", "transfer back TB-12")
    assert (settled.settled_as, settled.settled_by, settled.settled_note, settled.credit_balance) == (
        "refunded", "fay", "transfer back TB-12", Decimal("500.00"))
    assert payment_views.credit_balances(services, fay, limit=10) == []
    with pytest.raises(Refused, match="was settled already \\(refunded\\)"):
        await refunds.settle_credit(services, fay, "BJ100001", "carried", "toward the renewal")
    with unit_of_work(sessions) as session:
        shown = order_view(session, "BJ100001").credit_settled
    assert shown is not None and shown.startswith("refunded by fay on ") and shown.endswith(": transfer back TB-12")


async def test_a_payments_grant_limited_to_some_partners_may_not_refund(
        services: Services, actor: Callable[[str], Actor], orders: None, tmp_path: Path) -> None:  # noqa: F811
    await _import(services, actor("fay"), tmp_path, f"{today()},100.00,东方红机械有限公司,4,R7,")  # SH's payer
    for call in (refunds.mark_refund(services, SH_PAYMENTS, "R7", "paid twice"),
                 refunds.refund_sent(services, SH_PAYMENTS, "R7", "TB-1"),
                 refunds.reopen(services, SH_PAYMENTS, "R7", "x")):
        with pytest.raises(NotPermitted, match="refunds are decided by finance over all partners"):
            await call
