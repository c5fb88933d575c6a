"""Taking a payment recorded by hand back off an order (issue #16), on the dev server so the validators' words show:
the payment is named by its number, amount and date as read, checked under the order's lock; and a void re-checks
the money under that lock, where a payment recorded after the services looked is seen."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.order import OrderStatus
from domain.rejections import Reason
from domain.timers import Policy
from orderflow.contracts import NoteInput, RejectInput, ReverseInput, TransitionRecord
from tests.helpers import ASSISTANT, FINANCE, pay
from tests.workflow.drive import drive, started_order
from tests.workflow.standins import StandIns
from tests.workflow.test_loops import SUPERVISOR
from workflows.order import OrderWorkflow


def reverse(n: int, amount: str, paid_on: object, reason: str = "typed in twice") -> ReverseInput:
    return ReverseInput(actor=FINANCE, payment=n, amount=Decimal(amount), paid_on=paid_on, reason=reason)


class SlowPay(StandIns):
    """Records a payment of 7.00 slowly, so the updates sent meanwhile queue on the order's lock."""

    @activity.defn(name="record_step")
    async def record_step(self, rec: TransitionRecord) -> bool:
        if rec.action == "pay" and rec.payment == Decimal("7.00"):
            await asyncio.sleep(1.5)
        return await StandIns.record_step(self, rec)


async def test_the_named_payment_is_reversed_among_several_and_a_stale_name_is_refused(
        dev_env: WorkflowEnvironment):
    standins = StandIns()
    async with started_order(dev_env, standins) as handle:
        view = await drive(handle, OrderStatus.AWAITING_ORIGINAL)
        day = view.fields.signed_on
        assert day is not None
        for amount, on in (("100.00", day - timedelta(days=1)), ("100.00", day), ("250.00", day)):
            await handle.execute_update(OrderWorkflow.pay, pay(amount, on))
        with pytest.raises(WorkflowUpdateFailedError) as stale:
            await handle.execute_update(OrderWorkflow.reverse_payment, reverse(2, "100.00", day - timedelta(days=1)))
        assert (f"payment 2 of order {view.number} is 100.00 recorded by hand on {day}, not 100.00 on "
                f"{day - timedelta(days=1)}") in str(stale.value.cause)
        done = await handle.execute_update(OrderWorkflow.reverse_payment, reverse(2, "100.00", day))
        assert [(p.amount, p.paid_on) for p in done.fields.payments] == [
            (Decimal("100.00"), day - timedelta(days=1)), (Decimal("250.00"), day)]
        assert done.fields.paid_total == Decimal("350.00") and done.status is OrderStatus.AWAITING_ORIGINAL
        [step] = [s for s in standins.steps if s.action == "reverse_payment"]
        assert step.data == {"payment": "2", "amount": "100.00", "paid_on": day.isoformat(),
                             "reason": "typed in twice"}
        await handle.execute_update(OrderWorkflow.pay, pay("5.00", day).model_copy(update={"line_ref": "L1"}))
        with pytest.raises(WorkflowUpdateFailedError) as bank:
            await handle.execute_update(OrderWorkflow.reverse_payment, reverse(3, "5.00", day))
        assert "is bank line L1: unmatch it instead" in str(bank.value.cause)


async def test_two_reversals_of_one_name_sent_together_reverse_one_payment(dev_env: WorkflowEnvironment):
    standins = SlowPay()
    async with started_order(dev_env, standins) as handle:
        view = await drive(handle, OrderStatus.AWAITING_ORIGINAL)
        first, second = view.fields.signed_on - timedelta(days=1), view.fields.signed_on
        await handle.execute_update(OrderWorkflow.pay, pay("100.00", first))
        await handle.execute_update(OrderWorkflow.pay, pay("100.00", second))

        async def later(delay: float, update_id: str) -> object:
            await asyncio.sleep(delay)
            return await handle.execute_update(OrderWorkflow.reverse_payment, reverse(1, "100.00", first),
                                               id=update_id)

        results = await asyncio.gather(handle.execute_update(OrderWorkflow.pay, pay("7.00", second)),
                                       later(0.3, "r1"), later(0.6, "r2"), return_exceptions=True)
        assert [type(r).__name__ for r in results] == ["OrderView", "OrderView", "WorkflowUpdateFailedError"]
        final = await handle.query(OrderWorkflow.view)
        assert [(p.amount, p.paid_on) for p in final.fields.payments] == [
            (Decimal("100.00"), second), (Decimal("7.00"), second)]
        assert [s.data["paid_on"] for s in standins.steps if s.action == "reverse_payment"] == [first.isoformat()]


async def test_a_void_under_the_lock_refuses_a_payment_recorded_by_hand(dev_env: WorkflowEnvironment):
    """The services refuse first; the handler's own check covers a payment recorded after they looked."""
    standins = StandIns()
    async with started_order(dev_env, standins, policy=Policy(max_rounds=1)) as handle:
        signed = await drive(handle, OrderStatus.FIRST_REVIEW)
        await handle.execute_update(OrderWorkflow.pay, pay("500.00", signed.fields.signed_on))
        escalated = await handle.execute_update(OrderWorkflow.reject, RejectInput(
            actor=ASSISTANT, reasons=[Reason.MISSING_STAMP], note="no seal"))
        assert escalated.status is OrderStatus.ESCALATED
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(OrderWorkflow.void, NoteInput(actor=SUPERVISOR, note="give up"))
        assert "finance must reverse payment(s) 1 recorded by hand" in str(refused.value.cause)
        await handle.execute_update(OrderWorkflow.reverse_payment, reverse(1, "500.00", signed.fields.signed_on))
        voided = await handle.execute_update(OrderWorkflow.void, NoteInput(actor=SUPERVISOR, note="give up"))
        assert voided.status is OrderStatus.VOID
