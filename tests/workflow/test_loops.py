"""Rejection and correction loops, the order group's modification, escalation, and continue-as-new."""

from __future__ import annotations

from decimal import Decimal

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.order import Action, OrderStatus
from domain.people import Role
from domain.rejections import Reason
from domain.timers import Policy
from orderflow.contracts import (
    ActorRef,
    ChangeInput,
    NoteInput,
    PayInput,
    ReissueInput,
    RejectInput,
    UnmatchInput,
    WithdrawInput,
)
from tests.helpers import ASSISTANT, FINANCE, ORDER_GROUP, REP, eventually, second_review, step
from tests.workflow.drive import drive, scan_input, started_order
from tests.workflow.standins import StandIns
from workflows.order import OrderWorkflow

CONTINUED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
SUPERVISOR = ActorRef(username="sam", role=Role.SUPERVISOR, partners=["BJ"])


def reject(reasons: list[Reason], actor: ActorRef = ASSISTANT, note: str = "see remarks") -> RejectInput:
    return RejectInput(actor=actor, reasons=reasons, note=note)


def correction(note: str = "fixed", amount: str | None = None) -> ChangeInput:
    return ChangeInput(actor=REP, note=note, amount=Decimal(amount) if amount else None)


@pytest.mark.parametrize(("stage", "reasons", "back_to"), [
    (OrderStatus.FIRST_REVIEW, [Reason.AMOUNT_MISMATCH], OrderStatus.FIRST_REVIEW),  # a data correction: the review
    # The scan is made after the first review: a first review's rejection always comes back through it (#16).
    (OrderStatus.FIRST_REVIEW, [Reason.ILLEGIBLE_SCAN], OrderStatus.FIRST_REVIEW),
    (OrderStatus.SECOND_REVIEW, [Reason.ILLEGIBLE_SCAN], OrderStatus.AWAITING_SCAN),  # a second review's: rescan
    (OrderStatus.FIRST_REVIEW, [Reason.AMOUNT_MISMATCH, Reason.MISSING_STAMP], OrderStatus.AWAITING_ORIGINAL),
])
async def test_a_correction_returns_the_order_to_the_step_its_reason_requires(ts_env, stage, reasons, back_to):  # type: ignore[no-untyped-def]
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        await drive(handle, stage)
        reviewer = ASSISTANT if stage is OrderStatus.FIRST_REVIEW else ORDER_GROUP
        returned = await handle.execute_update(OrderWorkflow.reject, reject(reasons, actor=reviewer))
        assert returned.status is OrderStatus.RETURNED and returned.pending_user == "alice"
        assert returned.fields.rejection and returned.fields.rejection.reasons == reasons
        corrected = await handle.execute_update(OrderWorkflow.correct, correction(amount="11800.00"))
        assert corrected.status is back_to and corrected.fields.amount == Decimal("11800.00")
        assert standins.steps[-1].data == {"amount": "12000.00 -> 11800.00"}
        await handle.terminate("test over")


async def test_three_rounds_escalate_and_the_supervisor_decides(ts_env: WorkflowEnvironment):
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        for round_ in (1, 2, 3):
            await drive(handle, OrderStatus.SECOND_REVIEW)
            view = await handle.execute_update(OrderWorkflow.reject,
                                               reject([Reason.MISSING_CONDITIONS], actor=ORDER_GROUP))
            assert view.fields.rounds == round_
            if round_ < 3:
                assert view.status is OrderStatus.RETURNED
                view = await handle.execute_update(OrderWorkflow.resend_original,
                                                   NoteInput(actor=REP, note="customer re-signs"))
                assert view.status is OrderStatus.AWAITING_ORIGINAL
        assert view.status is OrderStatus.ESCALATED and view.pending_user == "sam"
        assert [n.recipient for n in standins.notes if n.kind == "escalation"] == ["sam"]
        allowed = await handle.execute_update(OrderWorkflow.allow_round, NoteInput(actor=SUPERVISOR,
                                                                                   note="one last try"))
        assert allowed.status is OrderStatus.RETURNED and allowed.fields.allowed_rounds == 4
        await handle.execute_update(OrderWorkflow.resend_original, NoteInput(actor=REP, note="again"))
        await drive(handle, OrderStatus.SECOND_REVIEW)
        again = await handle.execute_update(OrderWorkflow.reject, reject([Reason.OTHER], actor=ORDER_GROUP))
        assert again.status is OrderStatus.ESCALATED and again.fields.rounds == 4
        voided = await handle.execute_update(OrderWorkflow.void, NoteInput(actor=SUPERVISOR, note="give up"))
        assert voided.status is OrderStatus.VOID
        final = await handle.result()
    actions = [e.action for e in final.timeline]
    assert actions.count(Action.REJECT) == 4 and actions[-1] is Action.VOID
    assert [s.seq for s in standins.steps] == list(range(1, len(standins.steps) + 1))


async def test_the_order_group_modifies_then_approves_with_an_audit(ts_env: WorkflowEnvironment):
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        await drive(handle, OrderStatus.SECOND_REVIEW)
        modified = await handle.execute_update(OrderWorkflow.modify, ChangeInput(
            actor=ORDER_GROUP, note="typo in the amount", amount=Decimal("12500.00"), product="Yellow pages, 2 years"))
        assert modified.status is OrderStatus.SECOND_REVIEW and modified.fields.amount == Decimal("12500.00")
        assert standins.steps[-1].data == {"amount": "12000.00 -> 12500.00",
                                           "product": "Yellow pages, 1 year -> Yellow pages, 2 years"}
        assert standins.steps[-1].note == "typo in the amount"
        rescanned = await handle.execute_update(OrderWorkflow.rescan, scan_input("staging/second"))
        assert [s.version for s in rescanned.scans] == [1, 2]
        approved = await handle.execute_update(OrderWorkflow.second_review, second_review())
        assert approved.status is OrderStatus.AWAITING_PAYMENT
        await handle.terminate("test over")


async def test_a_continued_workflow_keeps_its_state_and_timeline(ts_env: WorkflowEnvironment):
    standins = StandIns()
    async with started_order(ts_env, standins, history_limit=60, policy=Policy(max_rounds=10)) as handle:
        first_run = ts_env.client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
        for _ in range(3):
            await drive(handle, OrderStatus.FIRST_REVIEW)
            await handle.execute_update(OrderWorkflow.reject, reject([Reason.OTHER]))
            await handle.execute_update(OrderWorkflow.correct, correction())
        before = await handle.query(OrderWorkflow.view)
        # The first run ended by continuing as new; the latest run answers for the order.
        history = await eventually(first_run.fetch_history, lambda h: h.events[-1].event_type == CONTINUED)
        assert len(history.events) > 60
        latest = ts_env.client.get_workflow_handle_for(OrderWorkflow.run, handle.id)
        after = await latest.query(OrderWorkflow.view)
        assert after == before
        assert after.fields.rounds == 3 and len(after.timeline) == 9
        # The continued run goes on where the old one stopped.
        more = await latest.execute_update(OrderWorkflow.first_review, step())
        assert more.status is OrderStatus.AWAITING_SCAN and more.timeline[-1].seq == len(before.timeline) + 1
        await latest.terminate("test over")


async def test_a_late_original_revives_a_lost_order_at_the_first_review(ts_env: WorkflowEnvironment):
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        await drive(handle, OrderStatus.AWAITING_ORIGINAL)
        await handle.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="courier lost it"))
        with pytest.raises(WorkflowUpdateFailedError):  # a rep does not receive originals
            await handle.execute_update(OrderWorkflow.receive_late, NoteInput(actor=REP, note="found"))
        found = await handle.execute_update(OrderWorkflow.receive_late,
                                            NoteInput(actor=ASSISTANT, note="the courier found it"))
        assert found.status is OrderStatus.FIRST_REVIEW and found.timeline[-1].action is Action.RECEIVE_LATE
        assert standins.steps[-1].data == {"reason": "the courier found it"}
        assert (await drive(handle, OrderStatus.AWAITING_PAYMENT)).status is OrderStatus.AWAITING_PAYMENT
        await handle.terminate("test over")


async def _reissued(ts_env: WorkflowEnvironment, handle, new: str):  # type: ignore[no-untyped-def]
    await drive(handle, OrderStatus.AWAITING_ORIGINAL)
    await handle.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="courier lost it"))
    await handle.execute_update(OrderWorkflow.reissue, ReissueInput(actor=ASSISTANT, new_number=new))
    successor = ts_env.client.get_workflow_handle_for(OrderWorkflow.run, f"order-{new}")
    await eventually(lambda: successor.query(OrderWorkflow.view), lambda v: bool(v.timeline))
    return successor


async def test_a_late_original_of_a_reissued_order_voids_the_unsigned_reissue(ts_env: WorkflowEnvironment):
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        original = handle.id.removeprefix("order-")
        new = f"BJ{(int(original[2:]) + 1) % 10**6:06d}"
        successor = await _reissued(ts_env, handle, new)
        with pytest.raises(WorkflowUpdateFailedError):  # only the reissue of that very order
            await successor.execute_update(OrderWorkflow.withdraw_reissue,
                                           WithdrawInput(actor=ASSISTANT, original="BJ999999", reason="found"))
        voided = await successor.execute_update(OrderWorkflow.withdraw_reissue,
                                                WithdrawInput(actor=ASSISTANT, original=original, reason="found"))
        assert voided.status is OrderStatus.VOID and original in (voided.timeline[-1].note or "")
        assert standins.steps[-1].data == {"original": original, "reason": "found"}
        # The reissued order's workflow stayed open for its original (reissued-order-awaits-late-original).
        found = await handle.execute_update(OrderWorkflow.receive_late, NoteInput(actor=ASSISTANT, note="found"))
        assert found.status is OrderStatus.FIRST_REVIEW and found.fields.successor is None
        assert standins.steps[-1].data == {"reason": "found", "withdrawn_reissue": new}
        await handle.terminate("test over")


async def test_a_signed_reissue_is_never_withdrawn(ts_env: WorkflowEnvironment):
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        original = handle.id.removeprefix("order-")
        new = f"BJ{(int(original[2:]) + 2) % 10**6:06d}"
        successor = await _reissued(ts_env, handle, new)
        await drive(successor, OrderStatus.AWAITING_ORIGINAL)
        with pytest.raises(WorkflowUpdateFailedError):
            await successor.execute_update(OrderWorkflow.withdraw_reissue,
                                           WithdrawInput(actor=ASSISTANT, original=original, reason="found"))
        assert (await successor.query(OrderWorkflow.view)).status is OrderStatus.AWAITING_ORIGINAL
        await successor.terminate("test over")
        await handle.terminate("test over")


async def test_a_blank_form_voided_as_lost_is_restored_by_the_supervisor_and_other_voids_are_not(
        ts_env: WorkflowEnvironment):
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        voided = await handle.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="lost it"))
        assert voided.status is OrderStatus.VOID
        with pytest.raises(WorkflowUpdateFailedError):  # the supervisor's decision, not the rep's
            await handle.execute_update(OrderWorkflow.restore, NoteInput(actor=REP, note="found it"))
        back = await handle.execute_update(OrderWorkflow.restore, NoteInput(actor=SUPERVISOR, note="found it"))
        assert back.status is OrderStatus.ISSUED and back.timeline[-1].action is Action.RESTORE
        assert back.pending_user == "alice" and back.fields.due_at and back.fields.due_at > voided.since
        assert standins.steps[-1].data == {"reason": "found it"}
        await drive(handle, OrderStatus.AWAITING_ORIGINAL)
        await handle.terminate("test over")
    standins = StandIns()
    # A signed order the supervisor voided stays void: its workflow closes.
    async with started_order(ts_env, standins) as handle:
        for _ in range(3):
            await drive(handle, OrderStatus.FIRST_REVIEW)
            await handle.execute_update(OrderWorkflow.reject, reject([Reason.MISSING_STAMP]))
            if (await handle.query(OrderWorkflow.view)).status is OrderStatus.RETURNED:
                await handle.execute_update(OrderWorkflow.resend_original, NoteInput(actor=REP, note="again"))
        await handle.execute_update(OrderWorkflow.void, NoteInput(actor=SUPERVISOR, note="give up"))
        assert (await handle.result()).status is OrderStatus.VOID


async def test_an_order_holding_bank_money_is_voided_only_once_finance_took_it_back(dev_env: WorkflowEnvironment):
    """Money may now reach an order before approval; a supervisor's void must not strand it (#16)."""
    standins = StandIns()
    async with started_order(dev_env, standins, policy=Policy(max_rounds=1)) as handle:
        signed = await drive(handle, OrderStatus.FIRST_REVIEW)
        paid_on = signed.fields.signed_on
        assert paid_on is not None
        await handle.execute_update(OrderWorkflow.pay, PayInput(actor=FINANCE, amount=Decimal("500.00"),
                                                                paid_on=paid_on, line_ref="R9"))
        escalated = await handle.execute_update(OrderWorkflow.reject, reject([Reason.MISSING_STAMP]))
        assert escalated.status is OrderStatus.ESCALATED and escalated.fields.paid_total == Decimal("500.00")
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(OrderWorkflow.void, NoteInput(actor=SUPERVISOR, note="give up"))
        assert "holds money; before it can be voided, finance must unmatch bank line(s) R9" in str(refused.value.cause)
        await handle.execute_update(OrderWorkflow.unmatch, UnmatchInput(actor=FINANCE, line_ref="R9",
                                                                        reason="the customer wants it back"))
        voided = await handle.execute_update(OrderWorkflow.void, NoteInput(actor=SUPERVISOR, note="give up"))
        assert voided.status is OrderStatus.VOID and voided.fields.paid_total == Decimal("0.00")
