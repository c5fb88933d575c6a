"""The Temporal Schedules orderflow runs, each built from settings, and one way to create or update them all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from orderflow.certification_contracts import SweepInput as CertificationSweepInput
from orderflow.customer_contracts import RecycleInput
from orderflow.delivery_contracts import SweepInput as DeliverySweepInput
from orderflow.digest_contracts import DigestInput
from orderflow.settings import Settings
from workflows.certification_sweep import CertificationSweepWorkflow
from workflows.customers import RecycleWorkflow
from workflows.delivery import DeliverySweepWorkflow
from workflows.digest import DigestWorkflow

RECYCLE_SCHEDULE = "recycle-customers"
DIGEST_SCHEDULE = "daily-digest"
DELIVERY_SWEEP_SCHEDULE = "delivery-sweep"
CERTIFICATION_SWEEP_SCHEDULE = "certification-sweep"
DELIVERY_SWEEP_MINUTES = 5
CERTIFICATION_SWEEP_MINUTES = 10
_SKIP = SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP)  # a run still going when the next is due: skip that one


def _beijing_daily(hour: int) -> ScheduleSpec:
    return ScheduleSpec(cron_expressions=[f"0 {hour} * * *"], time_zone_name="Asia/Shanghai")


def _every(minutes: int) -> ScheduleSpec:
    return ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=minutes))])


def recycle_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RecycleWorkflow.run,
            RecycleInput(after_days=settings.recycle_after_days, warn_days=settings.recycle_warn_days,
                         protect_days=settings.recycle_protect_days),
            id="recycle-customers-run", task_queue=settings.task_queue),
        spec=_beijing_daily(2),  # 02:00 in Beijing, when nobody is entering customers
        policy=_SKIP)


def digest_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(DigestWorkflow.run, DigestInput(), id="daily-digest-run",
                                           task_queue=settings.task_queue),
        # 09:00 in Beijing: at the desk when the day starts, after the 02:00 recycling run has warned.
        spec=_beijing_daily(9),
        policy=_SKIP)


def delivery_sweep_schedule(settings: Settings) -> Schedule:
    """Notifications whose deliveries are still pending get their delivery workflow (again): it catches a worker
    that died between writing a notification and starting its delivery, and notifications written outside a
    worker (the API's collision notices)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(DeliverySweepWorkflow.run,
                                           DeliverySweepInput(older_than_seconds=DELIVERY_SWEEP_MINUTES * 60),
                                           id="delivery-sweep-run", task_queue=settings.task_queue),
        spec=_every(DELIVERY_SWEEP_MINUTES),
        policy=_SKIP)


def certification_sweep_schedule(settings: Settings) -> Schedule:
    """Orders that took effect lately and have no certification get their CertificationWorkflow: those whose start
    on taking effect failed (activities/certification_start.py)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            CertificationSweepWorkflow.run,
            CertificationSweepInput(lookback=timedelta(days=settings.certification_sweep_lookback_days)),
            id="certification-sweep-run", task_queue=settings.task_queue),
        spec=_every(CERTIFICATION_SWEEP_MINUTES),
        policy=_SKIP)


SCHEDULES: dict[str, Callable[[Settings], Schedule]] = {
    RECYCLE_SCHEDULE: recycle_schedule,
    DIGEST_SCHEDULE: digest_schedule,
    DELIVERY_SWEEP_SCHEDULE: delivery_sweep_schedule,
    CERTIFICATION_SWEEP_SCHEDULE: certification_sweep_schedule,
}


async def ensure_schedule(client: Client, schedule_id: str, schedule: Schedule) -> str:
    """Create the schedule, or bring an existing one up to `schedule`: "created" or "updated"."""
    try:
        await client.create_schedule(schedule_id, schedule)
        return "created"
    except ScheduleAlreadyRunningError:
        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(update)
        return "updated"


async def ensure_schedules(client: Client, settings: Settings) -> dict[str, str]:
    """Every schedule, created or updated to the current settings: what happened to each, by its id."""
    return {schedule_id: await ensure_schedule(client, schedule_id, build(settings))
            for schedule_id, build in SCHEDULES.items()}
