"""The life of one paper order, from the numbered blank form to the payment that makes it effective."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.orders import OrderActivities
    from activities.scans import ScanActivities
    from domain.errors import DomainError
    from domain.fields import business_date, check_day, clean_text, parse_amount
    from domain.order import (
        PENDING_ROLE,
        WAITING_FOR,
        Action,
        OrderParties,
        OrderStatus,
        apply_payment,
        check_signing_customer,
        check_step,
        pending_user,
    )
    from orderflow import search_attributes as sa
    from orderflow.contracts import (
        ActorRef,
        IssueInput,
        OrderFields,
        OrderView,
        PayInput,
        PromoteScanInput,
        ScanInput,
        ScanVersion,
        SecondReviewInput,
        SignInput,
        StepInput,
        TimelineEntry,
        TransitionRecord,
    )
    from orderflow.failures import rethrow_activity_failure, to_application_error

# A database or S3 outage must not fail an order: keep retrying, backing off to a minute apart.
# Broken business rules come back as non-retryable ApplicationErrors and stop at once.
OUTAGE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                           maximum_interval=timedelta(minutes=1), maximum_attempts=0)
# One row per step: anything slower than this is a stuck connection, worth a fresh attempt.
RECORD_TIMEOUT = timedelta(seconds=30)
# Hashing and copying a scan of up to the size limit; heartbeats show it is still alive.
SCAN_TIMEOUT = timedelta(minutes=10)
SCAN_HEARTBEAT = timedelta(seconds=30)

Plan = Callable[[], tuple[OrderFields, OrderStatus]]
Payment = tuple[Decimal, date]


def _refuse(err: DomainError) -> ApplicationError:
    return to_application_error(err)


@workflow.defn
class OrderWorkflow:
    """One order, id `order-<number>`.

    Guarantees: every step is checked (state, role, scope, data) by the same domain rules in the
    update's validator and again under the order's lock before it is recorded; each step is written
    to the read model exactly once, as event number `seq`, before the workflow's own state moves;
    a refused or failed step leaves the order where it was.
    """

    @workflow.init
    def __init__(self, inp: IssueInput) -> None:
        self._number, self._partner, self._rep = inp.number, inp.partner, inp.rep
        # The workflow exists only once the form is issued; steps wait for `_ready`, when that is recorded.
        self._status = OrderStatus.ISSUED
        self._ready = False
        self._fields = OrderFields()
        self._timeline: list[TimelineEntry] = []
        self._scans: list[ScanVersion] = []
        self._since = workflow.now()
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self, inp: IssueInput) -> OrderView:
        async with self._lock:
            try:
                check_step(Action.ISSUE, None, inp.actor.to_domain(), self._parties())
            except DomainError as err:
                raise _refuse(err) from err
            await self._record(Action.ISSUE, inp.actor, None, OrderStatus.ISSUED, self._fields,
                               summary="record the issue")
            self._ready = True
        await workflow.wait_condition(lambda: self._status is OrderStatus.EFFECTIVE)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.view()

    @workflow.query
    def view(self) -> OrderView:
        status = self._status
        return OrderView(
            number=self._number, partner=self._partner, rep=self._rep, status=status,
            pending_role=PENDING_ROLE[status], pending_user=pending_user(status, self._parties()),
            since=self._since, fields=self._fields, timeline=list(self._timeline), scans=list(self._scans),
        )

    # --- sign -------------------------------------------------------------------------------
    def _plan_sign(self, inp: SignInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            check_signing_customer(inp.customer.holding(), self._rep)
            issued_on = business_date(self._timeline[0].at) if self._timeline else None
            fields = self._fields.model_copy(update={
                "customer_id": inp.customer.id,
                "customer_name": clean_text(inp.customer.name, "customer name"),
                "product": clean_text(inp.product, "product"),
                "kind": inp.kind,
                "amount": parse_amount(inp.amount),
                "signed_on": check_day(inp.signed_on, "signing date", not_before=issued_on,
                                       today=business_date(workflow.now())),
            })
            return fields, OrderStatus.AWAITING_ORIGINAL
        return plan

    @workflow.update
    async def sign(self, inp: SignInput) -> OrderView:
        return await self._step(Action.SIGN, inp.actor, self._plan_sign(inp), summary="record the signing")

    @sign.validator
    def _validate_sign(self, inp: SignInput) -> None:
        self._validate(Action.SIGN, inp.actor, self._plan_sign(inp))

    # --- receive the original, first review ----------------------------------------------------
    def _plan_same(self, target: OrderStatus, **changes: object) -> Plan:
        return lambda: (self._fields.model_copy(update=changes), target)

    @workflow.update
    async def receive(self, inp: StepInput) -> OrderView:
        return await self._step(Action.RECEIVE, inp.actor, self._plan_same(OrderStatus.FIRST_REVIEW),
                                summary="record that the original arrived", note=inp.note)

    @receive.validator
    def _validate_receive(self, inp: StepInput) -> None:
        self._validate(Action.RECEIVE, inp.actor, self._plan_same(OrderStatus.FIRST_REVIEW))

    def _plan_first_review(self, inp: StepInput) -> Plan:
        return self._plan_same(OrderStatus.AWAITING_SCAN, first_reviewer=inp.actor.username)

    @workflow.update
    async def first_review(self, inp: StepInput) -> OrderView:
        return await self._step(Action.FIRST_REVIEW, inp.actor, self._plan_first_review(inp),
                                summary="record the first review", note=inp.note)

    @first_review.validator
    def _validate_first_review(self, inp: StepInput) -> None:
        self._validate(Action.FIRST_REVIEW, inp.actor, self._plan_first_review(inp))

    # --- scan -------------------------------------------------------------------------------
    @workflow.update
    async def scan(self, inp: ScanInput) -> OrderView:
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

        return await self._step(Action.SCAN, inp.actor, self._plan_same(OrderStatus.SECOND_REVIEW),
                                summary="record the scan", before=promote)

    @scan.validator
    def _validate_scan(self, inp: ScanInput) -> None:
        self._validate(Action.SCAN, inp.actor, self._plan_same(OrderStatus.SECOND_REVIEW))
        try:
            clean_text(inp.filename, "file name", max_len=255)
        except DomainError as err:
            raise _refuse(err) from err

    # --- second review ----------------------------------------------------------------------
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
        self._validate(Action.SECOND_REVIEW, inp.actor, self._plan_second_review(inp))

    # --- payment ----------------------------------------------------------------------------
    def _plan_pay(self, inp: PayInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            amount = parse_amount(inp.amount, "payment amount")
            paid_on = check_day(inp.paid_on, "payment date", not_before=self._fields.signed_on,
                                today=business_date(workflow.now()))
            due = self._fields.amount or amount
            outcome = apply_payment(due, self._fields.paid_total, amount)
            changes: dict[str, object] = {"paid_total": outcome.paid_total}
            if outcome.completes:
                # The order takes effect on the date the completing payment arrived (订单生效日为到帐时间).
                changes["effective_on"] = paid_on
            target = OrderStatus.EFFECTIVE if outcome.completes else OrderStatus.AWAITING_PAYMENT
            return self._fields.model_copy(update=changes), target
        return plan

    @workflow.update
    async def pay(self, inp: PayInput) -> OrderView:
        plan = self._plan_pay(inp)
        return await self._step(Action.PAY, inp.actor, plan, summary="record the payment",
                                payment=(parse_amount(inp.amount, "payment amount"), inp.paid_on))

    @pay.validator
    def _validate_pay(self, inp: PayInput) -> None:
        self._validate(Action.PAY, inp.actor, self._plan_pay(inp))

    # --- the machinery shared by every step ---------------------------------------------------
    def _parties(self) -> OrderParties:
        return OrderParties(self._number, self._partner, self._rep, self._fields.first_reviewer)

    def _check(self, action: Action, actor: ActorRef, plan: Plan) -> tuple[OrderFields, OrderStatus]:
        try:
            check_step(action, self._status, actor.to_domain(), self._parties())
            return plan()
        except DomainError as err:
            raise _refuse(err) from err

    def _validate(self, action: Action, actor: ActorRef, plan: Plan) -> None:
        self._check(action, actor, plan)

    async def _step(
        self, action: Action, actor: ActorRef, plan: Plan, *, summary: str, note: str | None = None,
        before: Callable[[], Awaitable[str]] | None = None, payment: Payment | None = None,
    ) -> OrderView:
        await workflow.wait_condition(lambda: self._ready)
        async with self._lock:
            # Checked again: another step may have won the lock since the validator ran.
            fields, target = self._check(action, actor, plan)
            if before is not None:
                try:
                    note = await before()
                except ActivityError as err:
                    raise rethrow_activity_failure(err) from err
            await self._record(action, actor, self._status, target, fields, summary=summary, note=note,
                               payment=payment)
            return self.view()

    async def _record(
        self, action: Action, actor: ActorRef, source: OrderStatus | None, target: OrderStatus,
        fields: OrderFields, *, summary: str, note: str | None = None, payment: Payment | None = None,
    ) -> None:
        now = workflow.now()
        seq = len(self._timeline) + 1
        record = TransitionRecord(
            order_number=self._number, partner=self._partner, rep=self._rep, seq=seq, action=action,
            actor=actor, source=source, target=target, at=now, fields=fields,
            pending_role=PENDING_ROLE[target], pending_user=pending_user(target, self._parties()),
            payment=payment[0] if payment else None, payment_on=payment[1] if payment else None, note=note,
        )
        try:
            await workflow.execute_activity_method(
                OrderActivities.record_step, record, start_to_close_timeout=RECORD_TIMEOUT,
                retry_policy=OUTAGE_RETRY, summary=f"{summary}: {source or 'new'} → {target}",
            )
        except ActivityError as err:
            raise rethrow_activity_failure(err) from err
        if target != self._status:
            self._since = now
        self._status, self._fields = target, fields
        self._timeline.append(TimelineEntry(seq=seq, at=now, action=action, actor=actor.username,
                                            source=record.source, target=target, note=note))
        self._publish()

    def _publish(self) -> None:
        status = self._status
        role = PENDING_ROLE[status]
        user = pending_user(status, self._parties())
        updates = [
            sa.ORDER_NUMBER.value_set(self._number),
            sa.CHANNEL_PARTNER.value_set(self._partner),
            sa.SALES_REP.value_set(self._rep),
            sa.ORDER_STATUS.value_set(status.value),
            sa.PENDING_ROLE.value_set(role.value) if role else sa.PENDING_ROLE.value_unset(),
            sa.PENDING_USER.value_set(user) if user else sa.PENDING_USER.value_unset(),
        ]
        if self._fields.amount is not None:
            # A search index only, for filtering in the UI; the money itself stays Decimal.
            updates.append(sa.ORDER_AMOUNT.value_set(float(self._fields.amount)))
        if self._fields.kind is not None:
            updates.append(sa.ORDER_KIND.value_set(self._fields.kind.value))
        signed = next((e.at for e in self._timeline if e.action is Action.SIGN), None)
        if signed is not None:
            updates.append(sa.SIGNED_AT.value_set(signed))
        workflow.upsert_search_attributes(updates)
        waiting = WAITING_FOR[status]
        who = user or (role.value if role else "nobody")
        lines = [
            f"**{status.value}** — waiting for {waiting}",
            f"- pending: {who}",
            f"- since: {self._since:%Y-%m-%d %H:%M} UTC",
        ]
        if self._fields.customer_name:
            lines.append(f"- customer: {self._fields.customer_name}; amount {self._fields.amount}")
        if self._fields.effective_on:
            lines.append(f"- effective on {self._fields.effective_on.isoformat()}")
        workflow.set_current_details("\n".join(lines))
