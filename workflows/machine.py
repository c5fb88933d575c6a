"""An order workflow's state and the machinery every step shares: check, record, publish, chase."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from activities.orders import OrderActivities
    from domain.errors import DomainError
    from domain.order import (
        PENDING_ROLE,
        WAITING_FOR,
        Action,
        OrderParties,
        OrderStatus,
        check_step,
        pending_user,
    )
    from domain.people import Role, desk_address
    from domain.rejections import LABELS
    from domain.timers import Chase, due_at, wait_start
    from orderflow import search_attributes as sa
    from orderflow.contracts import (
        ActorRef,
        IssueInput,
        NotifyInput,
        OrderFields,
        OrderView,
        PaidLine,
        ScanVersion,
        SlipVersion,
        TimelineEntry,
        TransitionRecord,
    )
    from orderflow.failures import rethrow_activity_failure, to_application_error
    from orderflow.markdown import md_text

# A database or S3 outage must not fail an order: keep retrying, backing off to a minute apart.
# Broken business rules come back as non-retryable ApplicationErrors and stop at once.
OUTAGE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                           maximum_interval=timedelta(minutes=1), maximum_attempts=0)
# One small transaction: anything slower is a stuck connection, worth a fresh attempt.
RECORD_TIMEOUT = timedelta(seconds=30)
# Steps and notifications are short database writes, so the worker runs them as local activities inside
# the workflow task that takes the step: one marker in the history instead of six events and two more
# round trips through the server. Histories from before the patch replay their recorded activities.
LOCAL_WRITES = "local-record-and-notify"





# Money kept on an EXPIRED order used to wait silently until someone looked (issue #16); since this patch the order
# group and finance, who may revive it, are told when it arrives.
TELL_EXPIRED_MONEY = "tell-when-money-reaches-an-expired-order"

Arg = TypeVar("Arg")
Plan = Callable[[], tuple[OrderFields, OrderStatus]]


async def db_write(method: Callable[[Any, Arg], bool], arg: Arg, summary: str) -> bool:
    """One idempotent database write (a step or a notification), retried through outages."""
    if workflow.patched(LOCAL_WRITES):
        return await workflow.execute_local_activity_method(
            method, arg, start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary=summary)
    return await workflow.execute_activity_method(
        method, arg, start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary=summary)


class OrderMachine:
    def _restore(self, inp: IssueInput) -> None:
        self._number, self._partner, self._rep = inp.number, inp.partner, inp.rep
        self._supervisor, self._policy, self._issue_id = inp.supervisor, inp.policy, inp.issue_id
        self._history_limit = inp.history_limit
        self._lock = asyncio.Lock()
        self._hold_note: str | None = None
        self._refusal: ApplicationError | None = None  # why the issue itself was refused
        self._queue_tried: int | None = None  # the stage whose entry into AWAITING_PAYMENT retried the queue
        snap = inp.snapshot
        if snap is None:
            self._status = OrderStatus.ISSUED
            self._since = inp.reserved_at or workflow.now()
            self._stage = 0
            self._fields = OrderFields(allowed_rounds=inp.policy.max_rounds, predecessor=inp.predecessor)
            self._timeline: list[TimelineEntry] = []
            self._scans: list[ScanVersion] = []
            self._slips: list[SlipVersion] = []
            self._fired: set[tuple[int, Chase]] = set()
            self._window_from: datetime | None = None  # a payment restarted the payment wait from here
            self._ready = False  # steps wait until the issue itself is recorded
        else:
            self._status, self._since, self._stage = snap.status, snap.since, snap.stage
            self._fields, self._timeline, self._scans = snap.fields, list(snap.timeline), list(snap.scans)
            self._slips = list(snap.slips)
            self._fired = set(snap.fired)
            self._window_from = snap.window_from
            self._ready = True

    def _parties(self) -> OrderParties:
        return OrderParties(self._number, self._partner, self._rep, self._fields.first_reviewer, self._supervisor)

    def _view(self) -> OrderView:
        status = self._status
        return OrderView(
            number=self._number, partner=self._partner, rep=self._rep, status=status,
            pending_role=PENDING_ROLE[status], pending_user=pending_user(status, self._parties()),
            since=self._since, fields=self._fields, timeline=list(self._timeline), scans=list(self._scans),
            supervisor=self._supervisor, slips=list(self._slips),
        )

    # --- steps ---------------------------------------------------------------------------
    def _check(self, action: Action, actor: ActorRef, plan: Plan) -> tuple[OrderFields, OrderStatus]:
        try:
            check_step(action, self._status, actor.to_domain(), self._parties())
            return plan()
        except DomainError as err:
            raise to_application_error(err) from err

    async def _issue_recorded(self) -> None:
        """Wait until the issue itself is recorded; if it was refused, every waiting request gets the reason."""
        await workflow.wait_condition(lambda: self._ready or self._refusal is not None)
        if self._refusal is not None:
            raise self._refusal

    async def _step(
        self, action: Action, actor: ActorRef, plan: Plan, *, summary: str, note: str | None = None,
        before: Callable[[], Awaitable[str]] | None = None, payment: PaidLine | None = None,
        data: dict[str, str] | None = None, line_ref: str | None = None, window_from: datetime | None = None,
        restart: bool = False,
    ) -> OrderView:
        await self._issue_recorded()
        async with self._lock:
            # Checked again: another step may have won the lock since the validator ran.
            fields, target = self._check(action, actor, plan)
            if before is not None:
                try:
                    note = await before()
                except ActivityError as err:
                    raise rethrow_activity_failure(err) from err
            await self._record(action, actor, target, fields, summary=summary, note=note, payment=payment,
                               data=data, line_ref=line_ref, window_from=window_from, restart=restart)
            await self._announce(action)
            return self._view()

    async def _record(
        self, action: Action, actor: ActorRef | None, target: OrderStatus, fields: OrderFields, *,
        summary: str, note: str | None = None, payment: PaidLine | None = None, data: dict[str, str] | None = None,
        issue: bool = False, line_ref: str | None = None, at: datetime | None = None,
        window_from: datetime | None = None, restart: bool = False, handover: tuple[str, str | None] | None = None,
    ) -> int:
        """Write the step through the read model first; only then does the workflow's own state move. `restart`
        starts the same status's wait again (a supervisor's fresh wait for an overdue correction); `handover` is
        the new rep and their supervisor of a reassigned order."""
        now = at or workflow.now()
        src = None if issue else self._status
        moves = target != src or restart
        since = now if moves else self._since
        # A new status starts a new wait; a payment (window_from) restarts the payment wait (domain.timers), and
        # only that wait: money kept on an order not yet approved leaves its other deadlines alone.
        if target is not OrderStatus.AWAITING_PAYMENT:
            window_from = None
        window = window_from if window_from is not None else (None if moves else self._window_from)
        fields = fields.model_copy(update={"due_at": due_at(target, wait_start(since, window), self._policy)})
        seq = len(self._timeline) + 1
        rep, supervisor = handover or (self._rep, self._supervisor)
        parties = OrderParties(self._number, self._partner, rep, self._fields.first_reviewer, supervisor)
        record = TransitionRecord(
            order_number=self._number, partner=self._partner, rep=rep, seq=seq, action=action,
            actor=actor, source=src, target=target, at=now, fields=fields,
            pending_role=PENDING_ROLE[target], pending_user=pending_user(target, parties),
            payment=payment.amount if payment else None, payment_on=payment.paid_on if payment else None,
            line_ref=payment.ref if payment else line_ref, note=note,
            issue_id=self._issue_id if action is Action.ISSUE else None, data=data or {},
            supervisor=supervisor, status_since=since,
        )
        try:
            await db_write(OrderActivities.record_step, record, f"{summary}: {record.source or 'new'} → {target}")
        except ActivityError as err:
            raise rethrow_activity_failure(err) from err
        if moves:
            self._since = now
        if moves or window_from is not None:  # the deadlines of a restarted wait fire again
            self._stage += 1
        self._status, self._fields, self._window_from = target, fields, window
        self._rep, self._supervisor = rep, supervisor
        self._timeline.append(TimelineEntry(seq=seq, at=now, action=action,
                                            actor=actor.username if actor else "system",
                                            source=record.source, target=target, note=note))
        self._publish()
        return seq

    async def _notify(self, kind: str, recipient: str | None, text: str, seq: int) -> None:
        if recipient is None:
            return
        await db_write(NotificationActivities.notify,
                     NotifyInput(key=f"{self._number}:{seq}:{kind}:{recipient}", recipient=recipient,
                                 order_number=self._number, kind=kind, due_at=self._fields.due_at, text=text),
                     f"tell {recipient}: {kind}")

    async def _announce(self, action: Action) -> None:
        """Tell whoever the order now waits for, when a person's step sent it back or up."""
        seq = len(self._timeline)
        if self._status is OrderStatus.RETURNED and action is Action.REJECT:
            await self._notify("returned", self._rep, f"Order {self._number} was returned: "
                               f"{self._rejection_text()}. Correct it or resend the original.", seq)
        elif self._status is OrderStatus.ESCALATED:
            await self._notify("escalation", self._supervisor or self._rep,
                               f"Order {self._number} was rejected {self._fields.rounds} times "
                               f"({self._rejection_text()}); void it or allow another round.", seq)
        elif (action is Action.PAY and self._status is OrderStatus.EXPIRED
              and workflow.patched(TELL_EXPIRED_MONEY)):
            # Addressed to the two desks that may revive it (all-partner roles): every member's inbox shows it.
            for desk in (Role.ORDER_GROUP, Role.FINANCE):
                await self._notify("expired-paid", desk_address(desk),
                                   f"Order {self._number} expired, yet money arrived for it: "
                                   f"{self._fields.paid_total} of {self._fields.amount} is kept on it. "
                                   f"Revive it with: order revive {self._number} --reason ...", seq)

    def _rejection_text(self) -> str:
        rej = self._fields.rejection
        if rej is None:
            return ""
        return ", ".join(LABELS[r] for r in rej.reasons) + (f" — {rej.note}" if rej.note else "")

    # --- what the Web UI shows ------------------------------------------------------------------
    def _publish(self) -> None:
        status = self._status
        role = PENDING_ROLE[status]
        user = pending_user(status, self._parties())
        f = self._fields
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.ORDER_NUMBER.value_set(self._number),
            sa.CHANNEL_PARTNER.value_set(self._partner),
            sa.SALES_REP.value_set(self._rep),
            sa.ORDER_STATUS.value_set(status.value),
            sa.PENDING_ROLE.value_set(role.value) if role else sa.PENDING_ROLE.value_unset(),
            sa.PENDING_USER.value_set(user) if user else sa.PENDING_USER.value_unset(),
            sa.REVIEW_ROUND.value_set(f.rounds),
            sa.DUE_AT.value_set(f.due_at) if f.due_at else sa.DUE_AT.value_unset(),
            sa.STATUS_SINCE.value_set(self._since),
        ]
        if f.amount is not None:
            # A search index only, for filtering in the UI; the money itself stays Decimal.
            updates.append(sa.ORDER_AMOUNT.value_set(float(f.amount)))
        if f.kind is not None:
            updates.append(sa.ORDER_KIND.value_set(f.kind.value))
        signed = next((e.at for e in self._timeline if e.action is Action.SIGN), None)
        if signed is not None:
            updates.append(sa.SIGNED_AT.value_set(signed))
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._details(role.value if role else None, user))

    def _details(self, role: str | None, user: str | None) -> str:
        # The Web UI renders this as Markdown: every typed value goes through md_text, never in raw.
        f = self._fields
        lines = [f"**{self._status.value}** — waiting for {WAITING_FOR[self._status]}", ""]
        if role:
            lines.append(f"- pending: {md_text(user or role)}")
        lines.append(f"- since: {self._since:%Y-%m-%d %H:%M} UTC")
        if f.due_at:
            lines.append(f"- due: {f.due_at:%Y-%m-%d %H:%M} UTC")
        if f.customer_name:
            lines.append(f"- customer: {md_text(f.customer_name)}; amount {f.amount}")
        if f.rejection:
            lines.append(f"- last rejection (round {f.rounds}): {md_text(self._rejection_text())}")
        for label, other in (("reissued from", f.predecessor), ("reissued as", f.successor)):
            if other:
                url = f"/namespaces/{workflow.info().namespace}/workflows/order-{other}"
                lines.append(f"- {label} [order-{other}]({url})")
        if f.payments and not f.effective_on:
            lines.append(f"- paid so far {f.paid_total} of {f.amount} in {len(f.payments)} payment(s)")
        if f.effective_on:
            lines.append(f"- effective on {f.effective_on.isoformat()}")
        if self._hold_note:
            lines.append(f"- {md_text(self._hold_note)}")
        if f.credit_balance:
            lines.append(f"- **overpaid**: credit balance {f.credit_balance} for finance to settle")
        return "\n".join(lines)

    _issuer: ActorRef  # who issued the form; carried into a continued run
