"""Customer workflows: a transfer-in application (调入申请), and the daily recycling to the public pool."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.customers import CustomerActivities
    from activities.notifications import NotificationActivities
    from domain.errors import DomainError, NotPermitted, Refused
    from domain.fields import clean_text
    from domain.people import Role
    from orderflow.contracts import NotifyInput
    from orderflow.customer_contracts import (
        ApplicationRecord,
        ApplicationView,
        DecideInput,
        RecycleInput,
        RecycleResult,
        RecycleRun,
        TransferInput,
        TransferMove,
    )
    from orderflow.failures import business_cause, to_application_error
    from workflows.machine import OUTAGE_RETRY, RECORD_TIMEOUT


@workflow.defn
class TransferInWorkflow:
    """One application, id `transfer-in-<customer>`. Guarantees: decided once, by the approval group or,
    after the timeout, rejected on its own; on approval the customer moves only if it is still in the pool
    and the rep's warehouse has room at that moment."""

    @workflow.init
    def __init__(self, inp: TransferInput) -> None:
        self._inp = inp
        self._view = ApplicationView(application_id=inp.application_id, customer_id=inp.customer_id,
                                     rep=inp.rep.username, status="FILED")
        self._lock = asyncio.Lock()  # a decision and the timeout never both close the application
        self._filed = False

    @workflow.run
    async def run(self, inp: TransferInput) -> ApplicationView:
        async with self._lock:
            await self._record("FILED")
            await self._tell_approvers()
            self._filed = True
        if not await self._closed_within(inp.policy.reminder, "waiting for the approval group"):
            await self._tell_approvers(reminder=True)
            if not await self._closed_within(inp.policy.timeout - inp.policy.reminder,
                                             "waiting for the approval group (reminded)"):
                async with self._lock:
                    if self._view.status == "FILED":
                        await self._close("REJECTED", "system", f"no decision within {inp.policy.timeout.days} days")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view

    async def _closed_within(self, timeout: timedelta, summary: str) -> bool:
        try:
            await workflow.wait_condition(lambda: self._view.status != "FILED", timeout=timeout,
                                          timeout_summary=summary)
            return True
        except TimeoutError:
            return False

    @workflow.query
    def view(self) -> ApplicationView:
        return self._view

    @workflow.update
    async def decide(self, inp: DecideInput) -> ApplicationView:
        await workflow.wait_condition(lambda: self._filed)
        async with self._lock:
            self._validate_decide(inp)  # again: the timeout may have closed it meanwhile
            if not inp.approve:
                await self._close("REJECTED", inp.actor.username, inp.reason)
                return self._view
            try:
                region = await workflow.execute_activity_method(
                    CustomerActivities.transfer_in,
                    TransferMove(application_id=self._inp.application_id, customer_id=self._inp.customer_id,
                                 rep=self._inp.rep.username, region=self._inp.region, at=workflow.now()),
                    start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY,
                    summary=f"move customer {self._inp.customer_id} to {self._inp.rep.username}",
                )
                await self._close("APPROVED", inp.actor.username, f"{inp.reason} (region now {region})")
            except ActivityError as err:
                cause = business_cause(err)
                if cause is None:
                    raise
                await self._close("REJECTED", inp.actor.username, f"approved, but {cause.message}")
            return self._view

    @decide.validator
    def _validate_decide(self, inp: DecideInput) -> None:
        try:
            actor = inp.actor.to_domain()
            if actor.role is not Role.APPROVAL_GROUP or not actor.active:
                raise NotPermitted(f"{actor.describe()} may not decide application {self._inp.application_id}: "
                                   "that needs the approval group role")
            if self._view.status != "FILED":
                raise Refused(f"application {self._inp.application_id} is already {self._view.status.lower()}")
            clean_text(inp.reason, "reason", max_len=1000)
        except DomainError as err:
            raise to_application_error(err) from err

    async def _record(self, status: str, by: str | None = None, decision: str | None = None) -> None:
        await workflow.execute_activity_method(
            CustomerActivities.record_application,
            ApplicationRecord(application_id=self._inp.application_id, customer_id=self._inp.customer_id,
                              rep=self._inp.rep.username, reason=self._inp.reason, status=status,
                              at=workflow.now(), decided_by=by, decision=decision),
            start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary=f"record application {status}",
        )

    async def _close(self, status: str, by: str, why: str) -> None:
        await self._record(status, by, why)
        self._view = self._view.model_copy(update={"status": status, "decided_by": by, "decision": why})
        await self._notify(self._inp.rep.username, "transfer-in", f"Your transfer-in application for customer "
                           f"{self._inp.customer_id} '{self._inp.customer_name}' was {status.lower()}: {why}")

    async def _tell_approvers(self, reminder: bool = False) -> None:
        word = "Reminder: transfer-in" if reminder else "Transfer-in"
        for approver in self._inp.approvers:
            await self._notify(approver, "transfer-in-reminder" if reminder else "transfer-in-filed",
                               f"{word} application {self._inp.application_id}: {self._inp.rep.username} asks for "
                               f"customer {self._inp.customer_id} '{self._inp.customer_name}': {self._inp.reason}")

    async def _notify(self, recipient: str, kind: str, text: str) -> None:
        await workflow.execute_activity_method(
            NotificationActivities.notify,
            NotifyInput(key=f"{self._inp.application_id}:{kind}:{recipient}", recipient=recipient,
                        order_number=f"customer:{self._inp.customer_id}", kind=kind, due_at=None, text=text),
            start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary=f"tell {recipient}: {kind}",
        )


@workflow.defn
class RecycleWorkflow:
    """Run daily by a Temporal Schedule: warn holders, then send customers without follow-up to the pool."""

    @workflow.run
    async def run(self, inp: RecycleInput) -> RecycleResult:
        now = workflow.now()
        # Recycle first: a customer already past the limit goes to the pool without a pointless warning.
        recycled = await self._pass(RecycleRun(as_of=now, warn_only=False,
                                               contact_before=now - timedelta(days=inp.after_days),
                                               after_days=inp.after_days, protect_days=inp.protect_days))
        warned = await self._pass(RecycleRun(as_of=now, warn_only=True,
                                             contact_before=now - timedelta(days=inp.after_days - inp.warn_days),
                                             after_days=inp.after_days, protect_days=inp.protect_days))
        return RecycleResult(warned=warned.warned, recycled=recycled.recycled)

    async def _pass(self, run: RecycleRun) -> RecycleResult:
        return await workflow.execute_activity_method(
            CustomerActivities.recycle, run, start_to_close_timeout=timedelta(minutes=5), retry_policy=OUTAGE_RETRY,
            summary="warn before recycling" if run.warn_only else "recycle customers without follow-up",
        )
