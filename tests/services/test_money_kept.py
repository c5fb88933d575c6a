"""Money kept on an order never dies with it (issue #16): before an order is voided or replaced by a reissue,
finance takes its money back (a bank line to the queue, a payment recorded by hand reversed with a reason). On a real
worker and the dev server, through the services as the API calls them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowUpdateFailedError

from db.models import Payment
from domain.errors import InvalidInput, NotPermitted, Refused
from domain.order import OrderStatus
from domain.timers import Policy
from services import orders, payments
from services.context import Services
from services.failures import as_domain_error
from tests.dates import today
from tests.invariants import check
from tests.services.test_orders import client, services, who  # noqa: F401 (fixtures)


async def _signed_and_paid_by_hand(services: Services, number: str) -> None:  # noqa: F811
    amy, alice, fay = who(services, "amy"), who(services, "alice"), who(services, "fay")
    await orders.issue(services, amy, "alice", number)
    await orders.sign(services, alice, number, 1, "Yellow pages, 1 year", "new", "12000.00")
    # Money that arrives before the approval is kept on the order (recorded by hand: no bank line).
    await orders.pay(services, fay, number, "5000.00", today().isoformat())


async def test_a_lost_original_s_hand_payment_is_reversed_before_its_reissue(services: Services):  # noqa: F811
    amy, alice, fay = who(services, "amy"), who(services, "alice"), who(services, "fay")
    TODAY = today().isoformat()  # noqa: N806
    await _signed_and_paid_by_hand(services, "BJ100701")
    await orders.report_lost(services, alice, "BJ100701", "lost in the post")
    with pytest.raises(Refused) as refused:
        await orders.reissue(services, amy, "BJ100701", "BJ100702")
    assert str(refused.value) == (
        "order BJ100701 holds money; before it can be reissued, finance must reverse payment(s) 1 recorded by "
        "hand (payments reverse BJ100701 N --amount ... --reason ...)")

    with pytest.raises(NotPermitted, match="needs the finance role"):
        await payments.reverse_payment(services, amy, "BJ100701", 1, "5000.00", TODAY, "wrong order")
    with pytest.raises(InvalidInput):
        await payments.reverse_payment(services, fay, "BJ100701", 1, "5000.00", TODAY, "  ")
    with pytest.raises(WorkflowUpdateFailedError) as stale:  # the list as it was read is the guard
        await payments.reverse_payment(services, fay, "BJ100701", 1, "4000.00", TODAY, "wrong order")
    said = as_domain_error(services.settings, stale.value)
    assert said is not None and "is 5000.00 recorded by hand on" in str(said) and "not 4000.00 on" in str(said)

    view = await payments.reverse_payment(services, fay, "BJ100701", 1, "5000.00", TODAY, "to be paid on the reissue",
                                          request_id="rev-1")
    assert (view.status, view.fields.paid_total, view.fields.payments) == (OrderStatus.LOST, Decimal("0.00"), [])
    again = await payments.reverse_payment(services, fay, "BJ100701", 1, "5000.00", TODAY, "to be paid on the reissue",
                                           request_id="rev-1")  # a retry answers as the first attempt did
    assert again.fields.paid_total == Decimal("0.00")
    with services.transaction() as session:
        [kept] = session.scalars(select(Payment).where(Payment.order_number == "BJ100701"))
        assert (kept.amount, kept.reversed_by, kept.reverse_reason) == (
            Decimal("5000.00"), "fay", "to be paid on the reissue")
    shown = orders.show_order(services, fay, "BJ100701")
    assert [e.action.value for e in shown.timeline][-1] == "reverse_payment"

    assert (await orders.reissue(services, amy, "BJ100701", "BJ100702")).status is OrderStatus.REISSUED
    assert await check(services.sessions) == []


async def test_the_supervisor_cannot_void_an_order_that_keeps_money_recorded_by_hand(services: Services):  # noqa: F811
    amy, fay, sam = who(services, "amy"), who(services, "fay"), who(services, "sam")
    services.settings.policy = Policy(max_rounds=1)  # one rejection escalates
    await _signed_and_paid_by_hand(services, "BJ100711")
    await orders.receive(services, amy, "BJ100711")
    await orders.reject(services, amy, "BJ100711", ["amount_mismatch"], "words say 8,000")
    assert orders.show_order(services, sam, "BJ100711").status is OrderStatus.ESCALATED
    with pytest.raises(Refused, match="^order BJ100711 holds money; before it can be voided, finance must reverse "
                                      "payment\\(s\\) 1 recorded by hand"):
        await orders.decide_escalation(services, sam, "BJ100711", False, "give up")
    await payments.reverse_payment(services, fay, "BJ100711", 1, "5000.00", today().isoformat(),
                                   "the customer asked for it back")
    voided = await orders.decide_escalation(services, sam, "BJ100711", False, "give up")
    assert (voided.status, voided.fields.paid_total) == (OrderStatus.VOID, Decimal("0.00"))
    assert await check(services.sessions) == []
