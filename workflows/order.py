"""The life of one paper order, from the numbered blank form to the payment that makes it effective."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.orders import OrderActivities
    from activities.scans import ScanActivities
    from domain.errors import DomainError, InvalidInput, Refused
    from domain.fields import business_date, check_day, clean_text, parse_amount
    from domain.numbers import parse_number
    from domain.order import (
        PENDING_ROLE,
        Action,
        OrderStatus,
        apply_payment,
        check_signing_customer,
        check_step,
        lost_target,
        pending_user,
    )
    from domain.rejections import parse_reasons, remedy_of, return_target
    from orderflow.contracts import (
        ChangeInput,
        IssueInput,
        NoteInput,
        OrderFields,
        OrderView,
        PayInput,
        PromoteScanInput,
        ReissueInput,
        RejectInput,
        Rejection,
        ScanInput,
        SecondReviewInput,
        SignInput,
        StepInput,
        TransitionRecord,
    )
    from orderflow.failures import to_application_error
    from workflows.machine import OUTAGE_RETRY, RECORD_TIMEOUT, OrderMachine, Plan

# Hashing and copying a scan of up to the size limit; heartbeats show it is still alive.
SCAN_TIMEOUT = timedelta(minutes=10)
SCAN_HEARTBEAT = timedelta(seconds=30)


@workflow.defn
class OrderWorkflow(OrderMachine):
    """One order, id `order-<number>`.

    Guarantees: every step is checked (state, role, scope, data) by the same domain rules in the
    update's validator and again under the order's lock before it is recorded; each step is written
    to the read model exactly once, as event number `seq`, before the workflow's own state moves;
    a refused or failed step leaves the order where it was. Deadlines chase the people it waits for,
    each at most once per wait, and the history is carried over by continue-as-new when it grows long.
    """

    @workflow.init
    def __init__(self, inp: IssueInput) -> None:
        self._issuer = inp.actor
        self._restore(inp)

    @workflow.run
    async def run(self, inp: IssueInput) -> OrderView:
        if not self._ready:
            async with self._lock:
                try:
                    check_step(Action.ISSUE, None, inp.actor.to_domain(), self._parties())
                except DomainError as err:
                    raise to_application_error(err) from err
                await self._record(Action.ISSUE, inp.actor, OrderStatus.ISSUED, self._fields,
                                   summary="record the issue", issue=True)
            self._ready = True
        await self._run_until_closed()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    @workflow.query
    def view(self) -> OrderView:
        return self._view()

    # --- the happy path ----------------------------------------------------------------------
    def _plan_sign(self, inp: SignInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            check_signing_customer(inp.customer.holding(), self._rep)
            issued_on = business_date(self._timeline[0].at) if self._timeline else None
            return self._fields.model_copy(update={
                "customer_id": inp.customer.id,
                "customer_name": clean_text(inp.customer.name, "customer name"),
                "product": clean_text(inp.product, "product"),
                "kind": inp.kind,
                "amount": parse_amount(inp.amount),
                "signed_on": check_day(inp.signed_on, "signing date", not_before=issued_on,
                                       today=business_date(workflow.now())),
            }), OrderStatus.AWAITING_ORIGINAL
        return plan

    @workflow.update
    async def sign(self, inp: SignInput) -> OrderView:
        return await self._step(Action.SIGN, inp.actor, self._plan_sign(inp), summary="record the signing")

    @sign.validator
    def _validate_sign(self, inp: SignInput) -> None:
        self._check(Action.SIGN, inp.actor, self._plan_sign(inp))

    def _plan_same(self, target: OrderStatus, **changes: object) -> Plan:
        return lambda: (self._fields.model_copy(update=changes), target)

    @workflow.update
    async def receive(self, inp: StepInput) -> OrderView:
        return await self._step(Action.RECEIVE, inp.actor, self._plan_same(OrderStatus.FIRST_REVIEW),
                                summary="record that the original arrived", note=_note(inp.note))

    @receive.validator
    def _validate_receive(self, inp: StepInput) -> None:
        self._check(Action.RECEIVE, inp.actor, self._plan_same(OrderStatus.FIRST_REVIEW))
        _valid(lambda: _note(inp.note))

    def _plan_first_review(self, inp: StepInput) -> Plan:
        return self._plan_same(OrderStatus.AWAITING_SCAN, first_reviewer=inp.actor.username)

    @workflow.update
    async def first_review(self, inp: StepInput) -> OrderView:
        return await self._step(Action.FIRST_REVIEW, inp.actor, self._plan_first_review(inp),
                                summary="record the first review", note=_note(inp.note))

    @first_review.validator
    def _validate_first_review(self, inp: StepInput) -> None:
        self._check(Action.FIRST_REVIEW, inp.actor, self._plan_first_review(inp))

    @workflow.update
    async def scan(self, inp: ScanInput) -> OrderView:
        return await self._step(Action.SCAN, inp.actor, self._plan_same(OrderStatus.SECOND_REVIEW),
                                summary="record the scan", before=self._promote(inp))

    @scan.validator
    def _validate_scan(self, inp: ScanInput) -> None:
        self._check(Action.SCAN, inp.actor, self._plan_same(OrderStatus.SECOND_REVIEW))
        _valid(lambda: clean_text(inp.filename, "file name", max_len=255))

    @workflow.update
    async def rescan(self, inp: ScanInput) -> OrderView:
        """重传: a new version of the scan; the old ones stay."""
        return await self._step(Action.RESCAN, inp.actor, self._plan_same(self._status),
                                summary="record the re-uploaded scan", before=self._promote(inp))

    @rescan.validator
    def _validate_rescan(self, inp: ScanInput) -> None:
        self._validate_scan_like(Action.RESCAN, inp)

    def _validate_scan_like(self, action: Action, inp: ScanInput) -> None:
        self._check(action, inp.actor, self._plan_same(self._status))
        _valid(lambda: clean_text(inp.filename, "file name", max_len=255))

    def _promote(self, inp: ScanInput):  # type: ignore[no-untyped-def]
        async def promote() -> str:
            promoted = await workflow.execute_activity_method(
                ScanActivities.promote_scan,
                PromoteScanInput(order_number=self._number, partner=self._partner, staging_key=inp.staging_key,
                                 size=inp.size, sha256=inp.sha256, filename=inp.filename,
                                 uploaded_by=inp.actor.username),
                start_to_close_timeout=SCAN_TIMEOUT, heartbeat_timeout=SCAN_HEARTBEAT,
                retry_policy=OUTAGE_RETRY, summary=f"verify and file scan {inp.filename}",
            )
            if all(s.version != promoted.version for s in self._scans):
                self._scans.append(promoted)
            return f"scan v{promoted.version} ({promoted.content_type}, {promoted.size:,} bytes)"
        return promote

    def _plan_second_review(self, inp: SecondReviewInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            location = clean_text(inp.location, "filing location")
            return self._fields.model_copy(update={"location": location}), OrderStatus.AWAITING_PAYMENT
        return plan

    @workflow.update
    async def second_review(self, inp: SecondReviewInput) -> OrderView:
        return await self._step(Action.SECOND_REVIEW, inp.actor, self._plan_second_review(inp),
                                summary="record the second review")

    @second_review.validator
    def _validate_second_review(self, inp: SecondReviewInput) -> None:
        self._check(Action.SECOND_REVIEW, inp.actor, self._plan_second_review(inp))

    def _plan_pay(self, inp: PayInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            amount = parse_amount(inp.amount, "payment amount")
            paid_on = check_day(inp.paid_on, "payment date", not_before=self._fields.signed_on,
                                today=business_date(workflow.now()))
            outcome = apply_payment(self._fields.amount or amount, self._fields.paid_total, amount)
            changes: dict[str, object] = {"paid_total": outcome.paid_total}
            if outcome.completes:
                # The order takes effect on the date the completing payment arrived (订单生效日为到帐时间).
                changes["effective_on"] = paid_on
            target = OrderStatus.EFFECTIVE if outcome.completes else OrderStatus.AWAITING_PAYMENT
            return self._fields.model_copy(update=changes), target
        return plan

    @workflow.update
    async def pay(self, inp: PayInput) -> OrderView:
        return await self._step(Action.PAY, inp.actor, self._plan_pay(inp), summary="record the payment",
                                payment=(parse_amount(inp.amount, "payment amount"), inp.paid_on))

    @pay.validator
    def _validate_pay(self, inp: PayInput) -> None:
        self._check(Action.PAY, inp.actor, self._plan_pay(inp))

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

    def _plan_change(self, inp: ChangeInput, target: OrderStatus | None) -> Plan:
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
            back = target or (return_target(rejection.remedy, rejection.stage) if rejection else self._status)
            return self._fields.model_copy(update=changes), back
        return plan

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
        return await self._step(Action.CORRECT, inp.actor, self._plan_change(inp, None),
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
        return self._plan_noted(inp, OrderStatus.RETURNED, allowed_rounds=self._fields.allowed_rounds + 1)

    @workflow.update
    async def allow_round(self, inp: NoteInput) -> OrderView:
        return await self._step(Action.ALLOW_ROUND, inp.actor, self._plan_allow(inp),
                                summary="record the supervisor's extra round", note=inp.note.strip())

    @allow_round.validator
    def _validate_allow_round(self, inp: NoteInput) -> None:
        self._check(Action.ALLOW_ROUND, inp.actor, self._plan_allow(inp))

    @workflow.update
    async def void(self, inp: NoteInput) -> OrderView:
        return await self._step(Action.VOID, inp.actor, self._plan_noted(inp, OrderStatus.VOID),
                                summary="record the supervisor voiding the order", note=inp.note.strip())

    @void.validator
    def _validate_void(self, inp: NoteInput) -> None:
        self._check(Action.VOID, inp.actor, self._plan_noted(inp, OrderStatus.VOID))

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
            new = str(parse_number(inp.new_number))
            successor = IssueInput(number=new, partner=self._partner, rep=self._rep, actor=inp.actor,
                                   issue_id=str(workflow.uuid4()), supervisor=self._supervisor,
                                   policy=self._policy, predecessor=self._number,
                                   history_limit=self._history_limit)
            # Reserve the number in the database first: it refuses a number issued or voided before.
            await workflow.execute_activity_method(
                OrderActivities.record_step,
                TransitionRecord(order_number=new, partner=self._partner, rep=self._rep, seq=1,
                                 action=Action.ISSUE, actor=inp.actor, source=None, target=OrderStatus.ISSUED,
                                 at=workflow.now(), fields=OrderFields(predecessor=self._number,
                                                                       allowed_rounds=self._policy.max_rounds),
                                 pending_role=PENDING_ROLE[OrderStatus.ISSUED],
                                 pending_user=pending_user(OrderStatus.ISSUED, self._parties()),
                                 issue_id=successor.issue_id, note=f"reissue of {self._number}"),
                start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY,
                summary=f"reserve number {new} for the reissue",
            )
            try:
                await workflow.start_child_workflow(
                    OrderWorkflow.run, successor, id=f"order-{new}",
                    parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    static_summary=f"Order {new} · partner {self._partner} · rep {self._rep} · "
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


def _note(note: str | None) -> str | None:
    return clean_text(note, "note", max_len=1000) if note else None


def _valid(check) -> None:  # type: ignore[no-untyped-def]
    try:
        check()
    except DomainError as err:
        raise to_application_error(err) from err
