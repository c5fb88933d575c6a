"""What goes wrong with a paper order: rejections and corrections, escalation, losses and reissues."""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.orders import OrderActivities
    from domain.errors import InvalidInput, Refused
    from domain.fields import clean_text, parse_amount
    from domain.numbers import parse_number
    from domain.order import (
        PENDING_ROLE,
        Action,
        OrderStatus,
        check_restorable,
        check_supervisor_decides,
        check_withdrawable,
        lost_target,
        pending_user,
    )
    from domain.order_money import check_holds_no_money, kept_money
    from domain.rejections import Remedy, parse_reasons, remedy_of, return_target
    from domain.timers import Chase, due_at
    from orderflow.contracts import (
        ChangeInput,
        IssueInput,
        NoteInput,
        OrderFields,
        OrderView,
        ReissueInput,
        RejectInput,
        Rejection,
        TransitionRecord,
        WithdrawInput,
    )
    from orderflow.failures import to_application_error
    from orderflow.markdown import md_text
    from workflows.machine import OrderMachine, Plan, db_write

# A first review's rejection for the scan used to send the corrected order on to AWAITING_SCAN, so the first
# review was skipped (issue #16); orders corrected before the fix replay that path.
FIRST_REVIEW_AGAIN = "first-review-rejection-returns-to-first-review"

# A void used to count only bank lines as money kept on the order (issue #16); voids recorded before this patch replay
# that way, later ones refuse payments recorded by hand too, checked under the order's lock.
VOID_REFUSES_HAND_MONEY = "void-refuses-money-recorded-by-hand"


class OrderLoops(OrderMachine):
    """The update handlers for the loops; OrderWorkflow inherits them, and Temporal registers them there."""

    # --- rejections and corrections ---------------------------------------------------------------
    def _plan_reject(self, inp: RejectInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            reasons = parse_reasons(inp.reasons)
            rejection = Rejection(reasons=reasons, note=clean_text(inp.note, "rejection note", max_len=1000),
                                  remedy=remedy_of(reasons), stage=self._status, by=inp.actor.username,
                                  at=workflow.now())
            rounds = self._fields.rounds + 1
            target = OrderStatus.ESCALATED if rounds >= self._fields.allowed_rounds else OrderStatus.RETURNED
            return self._fields.model_copy(update={"rounds": rounds, "rejection": rejection}), target
        return plan

    @workflow.update
    async def reject(self, inp: RejectInput) -> OrderView:
        plan = self._plan_reject(inp)
        return await self._step(Action.REJECT, inp.actor, plan, summary="record the rejection",
                                note=inp.note.strip(), data={"reasons": ",".join(inp.reasons)})

    @reject.validator
    def _validate_reject(self, inp: RejectInput) -> None:
        self._check(Action.REJECT, inp.actor, self._plan_reject(inp))

    def _plan_change(self, inp: ChangeInput, target: OrderStatus | None, *, in_handler: bool = False) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            changes: dict[str, object] = {}
            if inp.amount is not None:
                changes["amount"] = parse_amount(inp.amount)
            if inp.product is not None:
                changes["product"] = clean_text(inp.product, "product")
            clean_text(inp.note, "note", max_len=1000)
            if target is OrderStatus.SECOND_REVIEW and not changes:
                raise InvalidInput("a modification changes the amount or the product: give at least one")
            rejection = self._fields.rejection
            back = target or (self._return_target(rejection, in_handler) if rejection else self._status)
            return self._fields.model_copy(update=changes), back
        return plan

    def _return_target(self, rejection: Rejection, in_handler: bool) -> OrderStatus:
        """The domain's rule. Before it was fixed, a scan's remedy sent the order to AWAITING_SCAN even from the
        first review: orders corrected then replay that way. A validator only checks the request and may not call
        workflow.patched, so it takes today's rule."""
        back = return_target(rejection.remedy, rejection.stage)
        before_fix = OrderStatus.AWAITING_SCAN if rejection.remedy is Remedy.NEW_SCAN else back
        if back is before_fix or not in_handler or workflow.patched(FIRST_REVIEW_AGAIN):
            return back
        return before_fix

    def _audit(self, inp: ChangeInput) -> dict[str, str]:
        """Before and after of every changed field, kept with the event."""
        audit: dict[str, str] = {}
        if inp.amount is not None:
            audit["amount"] = f"{self._fields.amount} -> {parse_amount(inp.amount)}"
        if inp.product is not None:
            audit["product"] = f"{self._fields.product} -> {inp.product.strip()}"
        return audit

    @workflow.update
    async def correct(self, inp: ChangeInput) -> OrderView:
        return await self._step(Action.CORRECT, inp.actor, self._plan_change(inp, None, in_handler=True),
                                summary="record the rep's correction", note=inp.note.strip(), data=self._audit(inp))

    @correct.validator
    def _validate_correct(self, inp: ChangeInput) -> None:
        self._check(Action.CORRECT, inp.actor, self._plan_change(inp, None))

    @workflow.update
    async def modify(self, inp: ChangeInput) -> OrderView:
        """The order group fixes a small defect itself; the change is audited."""
        return await self._step(Action.MODIFY, inp.actor, self._plan_change(inp, OrderStatus.SECOND_REVIEW),
                                summary="record the order group's modification", note=inp.note.strip(),
                                data=self._audit(inp))

    @modify.validator
    def _validate_modify(self, inp: ChangeInput) -> None:
        self._check(Action.MODIFY, inp.actor, self._plan_change(inp, OrderStatus.SECOND_REVIEW))

    def _plan_noted(self, inp: NoteInput, target: OrderStatus, **changes: object) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            clean_text(inp.note, "note", max_len=1000)
            return self._fields.model_copy(update=changes), target
        return plan

    @workflow.update
    async def resend_original(self, inp: NoteInput) -> OrderView:
        """The rep says a re-signed original is on its way."""
        return await self._step(Action.RESEND_ORIGINAL, inp.actor,
                                self._plan_noted(inp, OrderStatus.AWAITING_ORIGINAL),
                                summary="record that a new original is coming", note=inp.note.strip())

    @resend_original.validator
    def _validate_resend_original(self, inp: NoteInput) -> None:
        self._check(Action.RESEND_ORIGINAL, inp.actor, self._plan_noted(inp, OrderStatus.AWAITING_ORIGINAL))

    def _plan_allow(self, inp: NoteInput) -> Plan:
        if self._status is OrderStatus.RETURNED:  # an overdue correction: the rep gets a fresh wait, no extra round
            return self._plan_escalated(self._plan_noted(inp, OrderStatus.RETURNED))
        return self._plan_noted(inp, OrderStatus.RETURNED, allowed_rounds=self._fields.allowed_rounds + 1)

    def _plan_escalated(self, plan: Plan) -> Plan:
        """From RETURNED, only once the correction's escalation fired in this wait (check_supervisor_decides)."""
        def checked() -> tuple[OrderFields, OrderStatus]:
            check_supervisor_decides(self._number, self._status, (self._stage, Chase.ESCALATION) in self._fired)
            return plan()
        return checked

    @workflow.update
    async def allow_round(self, inp: NoteInput) -> OrderView:
        return await self._step(Action.ALLOW_ROUND, inp.actor, self._plan_allow(inp),
                                summary="record the supervisor's extra round", note=inp.note.strip(),
                                restart=self._status is OrderStatus.RETURNED)

    @allow_round.validator
    def _validate_allow_round(self, inp: NoteInput) -> None:
        self._check(Action.ALLOW_ROUND, inp.actor, self._plan_allow(inp))

    def _plan_void(self, inp: NoteInput, hand_money: bool = False) -> Plan:
        noted = self._plan_noted(inp, OrderStatus.VOID)

        def plan() -> tuple[OrderFields, OrderStatus]:
            # No old history can refuse here: before #16 no money could reach an escalated or returned order.
            # Payments recorded by hand count too once they could be reversed (VOID_REFUSES_HAND_MONEY).
            refs, by_hand = kept_money([(p.ref, p.amount) for p in self._fields.payments])
            check_holds_no_money(self._number, "voided", refs, by_hand if hand_money else [])
            return noted()
        return self._plan_escalated(plan)

    @workflow.update
    async def void(self, inp: NoteInput) -> OrderView:
        # The services refuse a void while a hand payment is kept; the handler checks again under the order's lock,
        # where a payment recorded meanwhile is seen (the validator cannot ask workflow.patched).
        plan = self._plan_void(inp, hand_money=workflow.patched(VOID_REFUSES_HAND_MONEY))
        return await self._step(Action.VOID, inp.actor, plan,
                                summary="record the supervisor voiding the order", note=inp.note.strip())

    @void.validator
    def _validate_void(self, inp: NoteInput) -> None:
        self._check(Action.VOID, inp.actor, self._plan_void(inp))

    # --- lost forms and originals --------------------------------------------------------------
    @workflow.update
    async def report_lost(self, inp: NoteInput) -> OrderView:
        """订单遗失: a lost blank form is voided; a lost signed original waits for a reissue."""
        return await self._step(Action.REPORT_LOST, inp.actor,
                                self._plan_noted(inp, lost_target(self._status)),
                                summary="record the loss report", note=inp.note.strip())

    @report_lost.validator
    def _validate_report_lost(self, inp: NoteInput) -> None:
        self._check(Action.REPORT_LOST, inp.actor, self._plan_noted(inp, lost_target(self._status)))

    def _plan_restore(self, inp: NoteInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            last = self._timeline[-1]
            check_restorable(self._number, last.action, last.source)
            clean_text(inp.note, "reason for restoring", max_len=1000)
            return self._fields, OrderStatus.ISSUED
        return plan

    @workflow.update
    async def restore(self, inp: NoteInput) -> OrderView:
        """A blank form voided as lost that the rep still holds comes back to ISSUED, waiting for its signing."""
        reason = clean_text(inp.note, "reason for restoring", max_len=1000)
        return await self._step(Action.RESTORE, inp.actor, self._plan_restore(inp), summary="restore the form",
                                note=f"restored: {reason}", data={"reason": reason})

    @restore.validator
    def _validate_restore(self, inp: NoteInput) -> None:
        self._check(Action.RESTORE, inp.actor, self._plan_restore(inp))

    def _plan_reissue(self, inp: ReissueInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            new = str(parse_number(inp.new_number))
            if new == self._number or new == self._fields.predecessor:
                raise Refused(f"order {self._number} cannot be reissued under an old number ({new})")
            if not new.startswith(parse_number(self._number).prefix):
                raise Refused(f"order {self._number} must be reissued from its own partner's range")
            return self._fields.model_copy(update={"successor": new}), OrderStatus.REISSUED
        return plan

    @workflow.update
    async def reissue(self, inp: ReissueInput) -> OrderView:
        plan = self._plan_reissue(inp)

        async def start_successor() -> str:
            new, now, note = str(parse_number(inp.new_number)), workflow.now(), f"reissue of {self._number}"
            # The successor's issue is this record: it takes the same time and note, so both agree.
            successor = IssueInput(number=new, partner=self._partner, rep=self._rep, actor=inp.actor,
                                   issue_id=str(workflow.uuid4()), supervisor=self._supervisor,
                                   policy=self._policy, predecessor=self._number,
                                   history_limit=self._history_limit, reserved_at=now, issue_note=note)
            fields = OrderFields(predecessor=self._number, allowed_rounds=self._policy.max_rounds,
                                 due_at=due_at(OrderStatus.ISSUED, now, self._policy))
            # Reserve the number in the database first: it refuses a number issued or voided before.
            await db_write(
                OrderActivities.record_step,
                TransitionRecord(order_number=new, partner=self._partner, rep=self._rep, seq=1,
                                 action=Action.ISSUE, actor=inp.actor, source=None, target=OrderStatus.ISSUED,
                                 at=now, fields=fields, pending_role=PENDING_ROLE[OrderStatus.ISSUED],
                                 pending_user=pending_user(OrderStatus.ISSUED, self._parties()),
                                 issue_id=successor.issue_id, note=note, supervisor=self._supervisor,
                                 status_since=now),
                f"reserve number {new} for the reissue",
            )
            try:
                await workflow.start_child_workflow(
                    "OrderWorkflow", successor, result_type=OrderView, id=f"order-{new}",
                    parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    static_summary=f"Order {new} · partner {md_text(self._partner)} · rep {md_text(self._rep)} · "
                                   f"reissue of {self._number}",
                )
            except WorkflowAlreadyStartedError:
                raise to_application_error(Refused(f"order number {new} has already been issued")) from None
            return f"reissued as {new}"

        return await self._step(Action.REISSUE, inp.actor, plan, summary="record the reissue",
                                before=start_successor)

    @reissue.validator
    def _validate_reissue(self, inp: ReissueInput) -> None:
        self._check(Action.REISSUE, inp.actor, self._plan_reissue(inp))


    # --- an original that turns up late ---------------------------------------------------------------
    def _plan_receive_late(self, inp: NoteInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            clean_text(inp.note, "reason for receiving late", max_len=1000)
            # A reissued order comes back only after services withdrew its unsigned reissue: it is no longer linked.
            return self._fields.model_copy(update={"successor": None}), OrderStatus.FIRST_REVIEW
        return plan

    @workflow.update
    async def receive_late(self, inp: NoteInput) -> OrderView:
        """The original of a LOST (or reissued) order arrived after all: the order goes on as if just received."""
        reason = clean_text(inp.note, "reason for receiving late", max_len=1000)
        data = {"reason": reason}
        if self._fields.successor:
            data["withdrawn_reissue"] = self._fields.successor
        return await self._step(Action.RECEIVE_LATE, inp.actor, self._plan_receive_late(inp),
                                summary="record the late original", note=f"original received late: {reason}",
                                data=data)

    @receive_late.validator
    def _validate_receive_late(self, inp: NoteInput) -> None:
        self._check(Action.RECEIVE_LATE, inp.actor, self._plan_receive_late(inp))

    def _plan_withdraw(self, inp: WithdrawInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            clean_text(inp.reason, "reason for receiving late", max_len=1000)
            check_withdrawable(self._number, self._fields.predecessor, inp.original)
            return self._fields, OrderStatus.VOID
        return plan

    @workflow.update
    async def withdraw_reissue(self, inp: WithdrawInput) -> OrderView:
        """The unsigned reissue of an order whose original turned up is voided, pointing to that original."""
        reason = clean_text(inp.reason, "reason for receiving late", max_len=1000)
        return await self._step(Action.WITHDRAW_REISSUE, inp.actor, self._plan_withdraw(inp),
                                summary="void the reissue", data={"original": inp.original, "reason": reason},
                                note=f"voided: the original of {inp.original} turned up ({reason})")

    @withdraw_reissue.validator
    def _validate_withdraw_reissue(self, inp: WithdrawInput) -> None:
        self._check(Action.WITHDRAW_REISSUE, inp.actor, self._plan_withdraw(inp))
