"""Payments from bank lines, unmatching and remittance slips in the order workflow, with stand-in activities:
timers and dates on the time-skipping server, refusals on the dev server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.fields import business_date
from domain.order import Action, OrderStatus
from domain.payments import MatchKind
from orderflow.contracts import OrderView, PayInput, SlipInput, UnmatchInput
from tests.helpers import FINANCE, OTHER_REP, REP, sign
from tests.workflow.conftest import Order
from tests.workflow.drive import drive, started_order
from tests.workflow.standins import StandIns
from workflows.order import OrderWorkflow


def line(ref: str, amount: str, paid_on, match: MatchKind = MatchKind.AUTO) -> PayInput:  # type: ignore[no-untyped-def]
    return PayInput(actor=FINANCE, amount=Decimal(amount), paid_on=paid_on, line_ref=ref, match=match)


def slip(amount: str, on, actor=REP) -> SlipInput:  # type: ignore[no-untyped-def]
    return SlipInput(actor=actor, staging_key=f"staging/{uuid.uuid4().hex}", size=100, sha256="c" * 64,
                     filename="slip.jpg", claimed_amount=Decimal(amount), claimed_on=on)


async def test_lines_add_up_a_wrong_one_is_undone_and_the_completing_line_dates_the_order(
        ts_env: WorkflowEnvironment):
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        view = await drive(handle, OrderStatus.AWAITING_PAYMENT)
        first_day = business_date(await ts_env.get_current_time())
        with_slip = await handle.execute_update(OrderWorkflow.attach_slip, slip("4000", first_day))
        assert with_slip.slips[0].claimed_amount == Decimal("4000") and with_slip.status is view.status
        await handle.execute_update(OrderWorkflow.pay, line("L1", "4000.00", first_day, MatchKind.MANUAL))
        wrong = await handle.execute_update(OrderWorkflow.pay, line("L9", "1000.00", first_day, MatchKind.MANUAL))
        assert wrong.fields.paid_total == Decimal("5000.00")
        undone = await handle.execute_update(OrderWorkflow.unmatch, UnmatchInput(
            actor=FINANCE, line_ref="L9", reason="another company's payment"))
        assert undone.fields.paid_total == Decimal("4000.00") and [p.ref for p in undone.fields.payments] == ["L1"]
        await ts_env.sleep(timedelta(days=5))
        last_day = business_date(await ts_env.get_current_time())
        done = await handle.execute_update(OrderWorkflow.pay, line("L2", "9000.00", last_day))
        final = await handle.result()

    assert done.status is OrderStatus.EFFECTIVE and final.fields.effective_on == last_day != first_day
    assert final.fields.credit_balance == Decimal("1000.00")  # 4000 + 9000 against 12000
    assert [(p.ref, p.amount) for p in final.fields.payments] == [("L1", Decimal("4000.00")),
                                                                  ("L2", Decimal("9000.00"))]
    money = [s for s in standins.steps if s.action in (Action.PAY, Action.UNMATCH, Action.SLIP)]
    assert [(s.action, s.line_ref, s.data.get("match")) for s in money] == [
        (Action.SLIP, None, None), (Action.PAY, "L1", "manual"), (Action.PAY, "L9", "manual"),
        (Action.UNMATCH, "L9", None), (Action.PAY, "L2", "auto")]
    assert "overpaid by 1000.00" in (money[-1].note or "")
    assert standins.slips[0].claimed_on == first_day and standins.slips[0].uploaded_by == "alice"


async def test_money_reaching_an_expired_order_tells_the_order_group_and_finance_once(ts_env: WorkflowEnvironment):
    """Since `tell-when-money-reaches-an-expired-order` (issue #16): the desks that may revive it are told, keyed
    by the payment's step, so a retried notification is written once."""
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        number = handle.id.removeprefix("order-")
        await drive(handle, OrderStatus.AWAITING_PAYMENT)
        await ts_env.sleep(timedelta(days=30.1))
        day = business_date(await ts_env.get_current_time())
        kept = await handle.execute_update(OrderWorkflow.pay, line("L1", "5000.00", day, MatchKind.MANUAL))
        await handle.terminate("test over")

    assert kept.status is OrderStatus.EXPIRED and kept.fields.paid_total == Decimal("5000.00")
    told = [n for n in standins.notes if n.kind == "expired-paid"]
    assert [n.recipient for n in told] == ["desk:order_group", "desk:finance"]
    assert len({n.key for n in told}) == 2 and all(f"{number}:{kept.timeline[-1].seq}:" in n.key for n in told)
    assert f"order revive {number} --reason" in told[0].text and "5000.00 of 12000.00 is kept" in told[0].text


@pytest.fixture
async def awaiting(issued: Order) -> WorkflowHandle[OrderWorkflow, OrderView]:
    await issued.handle.execute_update(OrderWorkflow.sign, sign("12000.00", business_date(datetime.now(UTC))))
    await drive(issued.handle, OrderStatus.AWAITING_PAYMENT)
    return issued.handle


async def test_money_steps_are_refused_with_their_reason_and_change_nothing(awaiting):  # type: ignore[no-untyped-def]
    today = business_date(datetime.now(UTC))
    await awaiting.execute_update(OrderWorkflow.pay, line("L1", "100.00", today))
    before = await awaiting.query(OrderWorkflow.view)
    refusals = [
        (OrderWorkflow.pay, line("L1", "100.00", today), "bank line L1 is already matched to order"),
        (OrderWorkflow.pay, line("L2", "-1", today), "greater than zero"),
        (OrderWorkflow.unmatch, UnmatchInput(actor=FINANCE, line_ref="L7", reason="x"), "L7 is not matched"),
        (OrderWorkflow.unmatch, UnmatchInput(actor=FINANCE, line_ref="L1", reason=" "), "must not be empty"),
        (OrderWorkflow.unmatch, UnmatchInput(actor=REP, line_ref="L1", reason="x"), "needs the finance"),
        (OrderWorkflow.attach_slip, slip("100", today, OTHER_REP), "the form was issued to alice"),
        (OrderWorkflow.attach_slip, slip("100", today + timedelta(days=2)), "is in the future"),
        (OrderWorkflow.attach_slip, slip("0", today), "greater than zero"),
    ]
    for update, inp, message in refusals:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await awaiting.execute_update(update, inp)
        assert message in str(refused.value.cause), (inp, refused.value.cause)
    assert await awaiting.query(OrderWorkflow.view) == before


async def test_money_before_the_approval_is_kept_and_counts_when_the_order_reaches_awaiting_payment(
        ts_env: WorkflowEnvironment):
    """A line dated before the signing and one during the reviews are kept on the order; the second review then
    finds the amount covered and the order takes effect at once, dated by the completing line, never before the
    signing. The order's own deadlines are not re-armed by the money."""
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        signed = await drive(handle, OrderStatus.AWAITING_ORIGINAL)
        signed_on = signed.fields.signed_on
        assert signed_on is not None
        early = await handle.execute_update(OrderWorkflow.pay, line("E1", "2000.00", signed_on - timedelta(days=3)))
        assert early.status is OrderStatus.AWAITING_ORIGINAL and early.fields.paid_total == Decimal("2000.00")
        assert early.fields.due_at == signed.fields.due_at  # the original is chased as before
        assert "kept on the order" in (early.timeline[-1].note or "")
        await drive(handle, OrderStatus.SECOND_REVIEW)
        rest = await handle.execute_update(OrderWorkflow.pay, line("E2", "10000.00", signed_on - timedelta(days=1)))
        assert rest.status is OrderStatus.SECOND_REVIEW and rest.fields.effective_on is None
        done = await drive(handle, OrderStatus.EFFECTIVE)
        final = await handle.result()

    assert done.status is OrderStatus.EFFECTIVE and final.fields.effective_on == signed_on  # not the 1st line's day
    assert [e.action for e in final.timeline].count(Action.REMIND) == 0
    assert final.timeline[-1].action is Action.SECOND_REVIEW and final.fields.credit_balance == Decimal("0.00")


async def test_a_queued_line_of_the_payer_is_matched_when_the_order_reaches_awaiting_payment(
        ts_env: WorkflowEnvironment):
    """The order asks for its payer's queued lines on entering AWAITING_PAYMENT and after each payment; a line that
    fits is matched by the workflow itself (actor: system), with no import needed."""
    from orderflow.contracts import PaidLine

    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        number = handle.id.removeprefix("order-")
        reviewing = await drive(handle, OrderStatus.SECOND_REVIEW)
        assert standins.queue_asked == []  # only an order waiting for payment asks
        day = reviewing.fields.signed_on
        standins.queued = [PaidLine(ref="Q1", amount=Decimal("12000.00"), paid_on=day)]
        await drive(handle, OrderStatus.AWAITING_PAYMENT)
        final = await handle.result()

    assert final.status is OrderStatus.EFFECTIVE and final.fields.effective_on == day
    paid = [s for s in standins.steps if s.action is Action.PAY]
    assert [(s.actor, s.line_ref, s.data.get("match")) for s in paid] == [(None, "Q1", "auto")]
    assert "from the queue" in (paid[0].note or "")
    assert [a.order_number for a in standins.queue_asked] == [number]
