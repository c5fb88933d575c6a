"""The Temporal Schedule that recycles customers daily; created or updated from settings."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from orderflow.customer_contracts import RecycleInput
from orderflow.settings import Settings
from workflows.customers import RecycleWorkflow

RECYCLE_SCHEDULE = "recycle-customers"


def recycle_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RecycleWorkflow.run,
            RecycleInput(after_days=settings.recycle_after_days, warn_days=settings.recycle_warn_days,
                         protect_days=settings.recycle_protect_days),
            id="recycle-customers-run",
            task_queue=settings.task_queue,
        ),
        # 02:00 in Beijing, when nobody is entering customers.
        spec=ScheduleSpec(cron_expressions=["0 2 * * *"], time_zone_name="Asia/Shanghai"),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_schedules(client: Client, settings: Settings) -> str:
    """Create the schedule, or bring an existing one up to the current settings."""
    schedule = recycle_schedule(settings)
    try:
        await client.create_schedule(RECYCLE_SCHEDULE, schedule)
        return "created"
    except ScheduleAlreadyRunningError:
        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(RECYCLE_SCHEDULE).update(update)
        return "updated"
