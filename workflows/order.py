"""The life of one paper order, from the numbered blank form to the payment that makes it effective."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.scans import ScanActivities
    from domain.errors import DomainError, Refused
    from domain.fields import business_date, check_day, clean_text, parse_amount
    from domain.order import Action, OrderStatus, check_signing_customer, check_step
    from domain.printable import printable
    from orderflow.contracts import (
        HoldInput,
        IssuedInput,
        IssueInput,
        OrderFields,
        OrderView,
        PromoteScanInput,
        ScanInput,
        SecondReviewInput,
        SignInput,
        StepInput,
    )
    from orderflow.failures import to_application_error
    from workflows.deadlines import OrderDeadlines
    from workflows.files import promote
    from workflows.loops import OrderLoops
    from workflows.machine import Plan
    from workflows.payments import OrderPayments
    from workflows.reassign import OrderReassign

# A few S3 calls; an outage gets about ten minutes of retries, then the order goes on without the hold.
HOLD_TIMEOUT = timedelta(minutes=1)
HOLD_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1),
                         maximum_attempts=12)


@workflow.defn
class OrderWorkflow(OrderLoops, OrderPayments, OrderReassign, OrderDeadlines):
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
                    await self._record_issue(inp)
                except ApplicationError as err:
                    # The request that started the order waits on `issued`: give it the reason first.
                    self._refusal = err
                    await workflow.wait_condition(workflow.all_handlers_finished)
                    raise
            self._ready = True
        await self._run_until_closed()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    async def _record_issue(self, inp: IssueInput) -> None:
        try:
            check_step(Action.ISSUE, None, inp.actor.to_domain(), self._parties())
        except DomainError as err:
            raise to_application_error(err) from err
        await self._record(Action.ISSUE, inp.actor, OrderStatus.ISSUED, self._fields, summary="record the issue",
                           issue=True, note=inp.issue_note, at=inp.reserved_at)

    @workflow.query
    def view(self) -> OrderView:
        return self._view()

    @workflow.update
    async def issued(self, inp: IssuedInput) -> OrderView:
        """The answer to the request that started the order (update-with-start): the order once its issue is
        recorded, so that request returns when every later command can see the order, without polling."""
        await self._issue_recorded()
        return self._view()

    @issued.validator
    def _validate_issued(self, inp: IssuedInput) -> None:
        if inp.issue_id != self._issue_id:
            raise to_application_error(Refused(f"order {self._number} was issued by another request"))

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
        self._validate_scan_like(Action.SCAN, inp)

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
        async def file_scan() -> str:
            promoted = await promote(
                ScanActivities.promote_scan,
                PromoteScanInput(order_number=self._number, partner=self._partner, staging_key=inp.staging_key,
                                 size=inp.size, sha256=inp.sha256, filename=inp.filename,
                                 uploaded_by=inp.actor.username),
                f"verify and file scan {printable(inp.filename)}",  # plain text in the Web UI
            )
            if all(s.version != promoted.version for s in self._scans):
                self._scans.append(promoted)
            return f"scan v{promoted.version} ({promoted.content_type}, {promoted.size:,} bytes)"
        return file_scan

    def _plan_second_review(self, inp: SecondReviewInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            location = clean_text(inp.location, "filing location")
            if not self._fields.payments:
                return self._fields.model_copy(update={"location": location}), OrderStatus.AWAITING_PAYMENT
            # Money that arrived before the approval was kept on the order: it counts now (issue #16).
            fields, target = self._settle_kept_money()
            return fields.model_copy(update={"location": location}), target
        return plan

    @workflow.update
    async def second_review(self, inp: SecondReviewInput) -> OrderView:
        view = await self._step(Action.SECOND_REVIEW, inp.actor, self._plan_second_review(inp),
                                summary="record the second review")
        # Added after orders were already running: older histories have no hold here and must replay as
        # they were, so the new step is behind a patch (README: changing a workflow safely).
        if workflow.patched("hold-approved-scans") and self._scans:
            await self._hold_scans()
        return view

    async def _hold_scans(self) -> None:
        try:
            self._hold_note = await workflow.execute_activity_method(
                ScanActivities.hold_scans, HoldInput(order_number=self._number, keys=[s.key for s in self._scans]),
                start_to_close_timeout=HOLD_TIMEOUT, retry_policy=HOLD_RETRY, summary="hold the approved scans",
            )
        except ActivityError as err:
            # The hold protects the paper trail but is not part of the order: never block the order on it.
            workflow.logger.warning("could not hold the scans of order %s: %s", self._number, err.cause)
            self._hold_note = f"scans not held: {err.cause}"
        self._publish()

    @second_review.validator
    def _validate_second_review(self, inp: SecondReviewInput) -> None:
        self._check(Action.SECOND_REVIEW, inp.actor, self._plan_second_review(inp))


def _note(note: str | None) -> str | None:
    return clean_text(note, "note", max_len=1000) if note else None


def _valid(check) -> None:  # type: ignore[no-untyped-def]
    try:
        check()
    except DomainError as err:
        raise to_application_error(err) from err
