"""Every deadline path on the time-skipping server: simulated days pass in moments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.fields import business_date
from domain.order import Action, OrderStatus
from domain.people import Role
from domain.rejections import Reason
from orderflow.contracts import ActorRef, NoteInput, OrderView, ReissueInput, RejectInput
from tests.helpers import ASSISTANT, FINANCE, ORDER_GROUP, REP, eventually, pay
from tests.workflow.drive import drive, started_order
from tests.workflow.standins import StandIns
from workflows.order import OrderWorkflow

DAY = timedelta(days=1)


@dataclass
class Running:
    env: WorkflowEnvironment
    handle: WorkflowHandle[OrderWorkflow, OrderView]
    standins: StandIns

    async def view(self) -> OrderView:
        return await self.handle.query(OrderWorkflow.view)

    async def after(self, days: float) -> OrderView:
        await self.env.sleep(DAY * days)
        return await self.view()

    def notes(self, kind: str) -> list[str]:
        return [n.recipient for n in self.standins.notes if n.kind == kind]

    async def today(self):  # type: ignore[no-untyped-def]
        return business_date(await self.env.get_current_time())


@pytest.fixture
async def order(ts_env: WorkflowEnvironment) -> AsyncIterator[Running]:
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        running = Running(ts_env, handle, standins)
        yield running
        view = await running.view()
        if view.status not in (OrderStatus.EFFECTIVE, OrderStatus.VOID, OrderStatus.REISSUED):
            await handle.terminate("test over")


async def test_an_unsigned_form_is_reminded_escalated_then_the_rep_is_asked_and_only_their_report_voids_it(
        order: Running):
    """Since `blank-form-asks-rep-before-voiding` (before it, day 51 voided the form: order-form-lost*.json)."""
    assert (await order.after(29.9)).timeline[-1].action is Action.ISSUE
    assert (await order.after(0.2)).timeline[-1].action is Action.REMIND
    assert order.notes("reminder") == ["alice"]
    assert (await order.after(7)).timeline[-1].action is Action.ESCALATE
    assert order.notes("escalation") == ["sam"]
    asked = await order.after(14)
    assert asked.status is OrderStatus.ISSUED and asked.timeline[-1].action is Action.REMIND
    assert "whether the blank form is lost" in (asked.timeline[-1].note or "")
    assert order.notes("lost-check") == ["alice"] and order.notes("lost") == []
    assert (await order.after(60)).status is OrderStatus.ISSUED  # the rep still holds it
    lost = await order.handle.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="lost it"))
    assert lost.status is OrderStatus.VOID and lost.timeline[-1].action is Action.REPORT_LOST


async def test_an_original_not_received_is_chased_then_presumed_lost_then_reissued(order: Running):
    await drive(order.handle, OrderStatus.AWAITING_ORIGINAL)
    assert (await order.after(3.1)).timeline[-1].action is Action.REMIND
    assert (await order.after(4)).timeline[-1].action is Action.ESCALATE
    lost = await order.after(14)
    assert lost.status is OrderStatus.LOST and lost.pending_role == "assistant"
    assert order.notes("reminder") == ["alice"] and order.notes("escalation") == ["sam"]

    new_number = f"BJ{(int(order.handle.id[-6:]) + 1) % 10**6:06d}"
    done = await order.handle.execute_update(OrderWorkflow.reissue, ReissueInput(actor=ASSISTANT,
                                                                                 new_number=new_number))
    assert done.status is OrderStatus.REISSUED and done.fields.successor == new_number
    successor = order.env.client.get_workflow_handle_for(OrderWorkflow.run, f"order-{new_number}")
    new_view = await eventually(lambda: successor.query(OrderWorkflow.view), lambda v: bool(v.timeline))
    assert new_view.status is OrderStatus.ISSUED and new_view.fields.predecessor == order.handle.id[6:]
    # The number was reserved in the database under the successor's issue id before it started.
    reserved = [s for s in order.standins.steps if s.order_number == new_number and s.action is Action.ISSUE]
    assert reserved and reserved[0].issue_id
    await successor.terminate("test over")


async def test_a_returned_order_is_reminded_then_escalated(order: Running):
    await drive(order.handle, OrderStatus.FIRST_REVIEW)
    await order.handle.execute_update(OrderWorkflow.reject, RejectInput(
        actor=ASSISTANT, reasons=[Reason.AMOUNT_MISMATCH], note="amount in words differs"))
    assert order.notes("returned") == ["alice"]
    assert (await order.after(5.1)).timeline[-1].action is Action.REMIND
    escalated = await order.after(5)
    assert escalated.timeline[-1].action is Action.ESCALATE and escalated.status is OrderStatus.RETURNED
    assert order.notes("escalation") == ["sam"]
    assert (await order.after(30)).status is OrderStatus.RETURNED  # nothing further fires


async def test_the_supervisor_decides_a_returned_order_escalated_to_them(order: Running):
    """An overdue correction escalated to the supervisor: another round restarts the rep's wait (reminded and
    escalated again); voiding ends it. Before the escalation, the order is the rep's alone."""
    supervisor = ActorRef(username="sam", role=Role.SUPERVISOR, partners=["BJ"])
    await drive(order.handle, OrderStatus.FIRST_REVIEW)
    await order.handle.execute_update(OrderWorkflow.reject, RejectInput(
        actor=ASSISTANT, reasons=[Reason.AMOUNT_MISMATCH], note="amount in words differs"))
    with pytest.raises(WorkflowUpdateFailedError):
        await order.handle.execute_update(OrderWorkflow.void, NoteInput(actor=supervisor, note="too early"))
    await order.after(10.1)  # reminded, then escalated to sam
    allowed = await order.handle.execute_update(OrderWorkflow.allow_round,
                                                NoteInput(actor=supervisor, note="one more week"))
    assert allowed.status is OrderStatus.RETURNED and allowed.fields.allowed_rounds == 3
    assert allowed.timeline[-1].action is Action.ALLOW_ROUND and allowed.timeline[-1].note == "one more week"
    assert (await order.after(5.1)).timeline[-1].action is Action.REMIND  # a fresh wait
    assert (await order.after(5)).timeline[-1].action is Action.ESCALATE
    voided = await order.handle.execute_update(OrderWorkflow.void, NoteInput(actor=supervisor, note="give up"))
    assert voided.status is OrderStatus.VOID and order.notes("escalation") == ["sam", "sam"]


async def test_an_unpaid_order_expires_keeps_late_money_and_is_revived_to_take_effect(order: Running):
    await drive(order.handle, OrderStatus.AWAITING_PAYMENT)
    assert (await order.after(7.1)).timeline[-1].action is Action.REMIND
    expired = await order.after(23)
    assert expired.status is OrderStatus.EXPIRED
    assert order.notes("expired") == ["alice"]
    late_day = business_date(await order.env.get_current_time())
    kept = await order.handle.execute_update(OrderWorkflow.pay, pay("12000.00", late_day))
    assert kept.status is OrderStatus.EXPIRED and kept.fields.paid_total == 12000  # kept, never refused
    assert kept.fields.effective_on is None and "kept on the expired order" in (kept.timeline[-1].note or "")
    await order.after(3)
    revived = await order.handle.execute_update(OrderWorkflow.revive,
                                                NoteInput(actor=ORDER_GROUP, note="customer paid late"))
    assert revived.status is OrderStatus.EFFECTIVE and revived.timeline[-1].action is Action.REVIVE
    assert revived.fields.effective_on == late_day  # the money's arrival, not the revival's day
    assert (await order.handle.result()).status is OrderStatus.EFFECTIVE


async def test_a_revived_order_waits_for_the_rest_in_a_fresh_payment_window(order: Running):
    await drive(order.handle, OrderStatus.AWAITING_PAYMENT)
    await order.after(30.1)
    revived = await order.handle.execute_update(OrderWorkflow.revive, NoteInput(actor=FINANCE, note="promised"))
    assert revived.status is OrderStatus.AWAITING_PAYMENT
    assert revived.fields.due_at is not None and revived.fields.due_at > revived.since
    assert (await order.after(29)).status is OrderStatus.AWAITING_PAYMENT
    assert (await order.after(1.1)).status is OrderStatus.EXPIRED
    assert order.notes("expired") == ["alice", "alice"]


async def test_a_payment_on_day_29_makes_the_order_effective(order: Running):
    await drive(order.handle, OrderStatus.AWAITING_PAYMENT)
    await order.after(29)
    day_29 = await order.today()
    paid = await order.handle.execute_update(OrderWorkflow.pay, pay("12000.00", day_29))
    assert paid.status is OrderStatus.EFFECTIVE
    assert (await order.handle.result()).fields.effective_on == day_29
    assert order.notes("expired") == []


async def test_a_form_reported_lost_is_voided_at_once(order: Running):
    voided = await order.handle.execute_update(OrderWorkflow.report_lost,
                                               NoteInput(actor=REP, note="left the blank form in a taxi"))
    assert voided.status is OrderStatus.VOID
    # Its workflow stays open for a restore (void-blank-form-awaits-restore), so the view is asked, not the result.
    assert (await order.view()).timeline[-1].note == "left the blank form in a taxi"


async def test_each_notification_is_sent_once(order: Running):
    await order.after(60)
    keys = [n.key for n in order.standins.notes]
    assert len(keys) == len(set(keys)) == 3  # reminder, escalation, lost: once each


async def test_a_partial_payment_restarts_the_payment_wait_from_its_value_date(order: Running):
    await drive(order.handle, OrderStatus.AWAITING_PAYMENT)
    await order.after(20)
    day_20 = await order.today()
    part = await order.handle.execute_update(OrderWorkflow.pay, pay("2000.00", day_20))
    assert part.status is OrderStatus.AWAITING_PAYMENT
    assert part.fields.due_at is not None and business_date(part.fields.due_at) == day_20 + 7 * DAY
    assert (await order.after(11)).status is OrderStatus.AWAITING_PAYMENT  # day 31: the old expiry has passed
    assert [e.action for e in (await order.view()).timeline].count(Action.REMIND) == 2  # again, 7 days on
    assert (await order.after(19)).status is OrderStatus.EXPIRED  # 30 days after the payment's day
    assert order.notes("expired") == ["alice"]
