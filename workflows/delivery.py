"""Delivering one notification: each pending channel of each person, retried through outages."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.deliveries import DeliveryActivities
    from domain.channels import SEND_TIMEOUT_SECONDS
    from orderflow.delivery_contracts import DeliverInput, DeliveryInput, DeliveryResult, SweepInput, SweepResult

# A mail server or robot down for an hour delays the message: retries back off to five minutes apart and go on
# for three days, then the row is recorded as failed for an operator to see.
SEND_RETRY = RetryPolicy(initial_interval=timedelta(seconds=10), backoff_coefficient=2.0,
                         maximum_interval=timedelta(minutes=5), maximum_attempts=0)
SEND_WINDOW = timedelta(days=3)
# One SMTP conversation or one post, each step with its own timeout (settings): longer means stuck.
SEND_TIMEOUT = timedelta(seconds=SEND_TIMEOUT_SECONDS)
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                       maximum_interval=timedelta(minutes=1), maximum_attempts=0)
DB_TIMEOUT = timedelta(seconds=30)


@workflow.defn
class DeliveryWorkflow:
    """Started by `notify` (id from the notification key, so once per notification) or by the sweep."""

    @workflow.run
    async def run(self, inp: DeliveryInput) -> DeliveryResult:
        plan = await workflow.execute_activity_method(
            DeliveryActivities.delivery_plan, inp, start_to_close_timeout=DB_TIMEOUT, retry_policy=DB_RETRY,
            summary="pending deliveries")
        statuses = await asyncio.gather(*(self._one(i) for i in plan.delivery_ids))
        return DeliveryResult(statuses=list(statuses))

    async def _one(self, delivery_id: int) -> str:
        one = DeliverInput(delivery_id=delivery_id)
        try:
            return await workflow.execute_activity_method(
                DeliveryActivities.deliver, one, start_to_close_timeout=SEND_TIMEOUT,
                schedule_to_close_timeout=SEND_WINDOW, retry_policy=SEND_RETRY, summary=f"deliver {delivery_id}")
        except ActivityError:
            await workflow.execute_activity_method(
                DeliveryActivities.give_up, one, start_to_close_timeout=DB_TIMEOUT, retry_policy=DB_RETRY,
                summary=f"give up {delivery_id}")
            return "failed"


@workflow.defn
class DeliverySweepWorkflow:
    """Run by a Temporal Schedule: restarts the delivery of notifications left pending (a worker that died between
    writing a notification and starting its delivery, a notification written outside a worker)."""

    @workflow.run
    async def run(self, inp: SweepInput) -> SweepResult:
        return await workflow.execute_activity_method(
            DeliveryActivities.sweep, inp, start_to_close_timeout=timedelta(minutes=5), retry_policy=DB_RETRY,
            summary="restart pending deliveries")
