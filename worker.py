"""The worker process: runs order workflows and their activities until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.certification_start import CertificationStart
from activities.certifications import CertificationActivities
from activities.customers import CustomerActivities
from activities.deliveries import DeliveryActivities, TemporalDispatch, delivery_config
from activities.digest import DigestActivities
from activities.follow_ups import FollowUpActivities
from activities.notifications import NotificationActivities
from activities.orders import OrderActivities
from activities.scans import ScanActivities
from db.engine import make_engine, session_factory
from orderflow.interceptors import ActivityFailureLog
from orderflow.logs import configure_logging
from orderflow.notify import LogSender
from orderflow.process import exit_now
from orderflow.s3 import make_client, sse_args
from orderflow.settings import Settings
from orderflow.temporal import connect
from workflows.certification import CertificationWorkflow
from workflows.certification_sweep import CertificationSweepWorkflow
from workflows.customers import RecycleWorkflow, TransferInWorkflow
from workflows.delivery import DeliverySweepWorkflow, DeliveryWorkflow
from workflows.digest import DigestWorkflow
from workflows.follow_up import FollowUpWorkflow
from workflows.order import OrderWorkflow

log = logging.getLogger("orderflow.worker")

# The sandbox re-creates every workflow's module and definition for each new workflow instance and proxies
# every call inside it: profiling put that at about a third of the worker's CPU per order. Production workers
# run workflows unsandboxed; every test worker and the replay of every recorded history keep the sandbox, so
# a non-deterministic call in workflow code still fails the build.
WORKFLOW_RUNNER = UnsandboxedWorkflowRunner()


def build_worker(client: Client, settings: Settings, sessions: sessionmaker[Session], s3: Any,
                 executor: ThreadPoolExecutor, task_queue: str | None = None) -> Worker:
    on_effective = CertificationStart(client, task_queue or settings.task_queue) \
        if settings.certification_start_when_effective else None
    orders = OrderActivities(sessions, on_effective)
    scans = ScanActivities(s3, settings.s3_bucket, sessions, settings.scan_max_bytes, sse_args(settings))
    sender = LogSender()
    # notify (and the recycle warnings) start each notification's DeliveryWorkflow; mail and chat go
    # out from its `deliver` activity. The log line stays (LogSender).
    delivery = delivery_config(settings)
    dispatch = TemporalDispatch(client, task_queue or settings.task_queue, delivery.channels)
    notes = NotificationActivities(sessions, sender, dispatch)
    customers = CustomerActivities(sessions, settings.caps(), sender, dispatch)
    deliveries = DeliveryActivities(sessions, delivery)
    digest = DigestActivities(sessions, settings.desk_url)
    certs = CertificationActivities(s3, settings.s3_bucket, sessions, settings.scan_max_bytes, sse_args(settings),
                                    max_rounds=settings.certification_max_rounds)
    follow_ups = FollowUpActivities(s3, settings.s3_bucket, sessions, settings.scan_max_bytes, sse_args(settings))
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[OrderWorkflow, TransferInWorkflow, RecycleWorkflow, DeliveryWorkflow, DeliverySweepWorkflow,
                   DigestWorkflow, CertificationWorkflow, CertificationSweepWorkflow, FollowUpWorkflow],
        workflow_runner=WORKFLOW_RUNNER,
        activities=[orders.record_step, orders.find_queued_line, scans.promote_scan, scans.promote_slip,
                    scans.hold_scans, notes.notify, customers.record_application, customers.transfer_in,
                    customers.recycle,
                    deliveries.delivery_plan, deliveries.deliver, deliveries.give_up, deliveries.sweep,
                    digest.digest_people, digest.digest_note,
                    certs.open_certification, certs.record_certification, certs.promote_document,
                    certs.uncertified_orders,
                    follow_ups.record_follow_up, follow_ups.promote_follow_up_file, follow_ups.follow_up_recipient],
        activity_executor=executor,
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        max_cached_workflows=settings.worker_max_cached_workflows,
        interceptors=[ActivityFailureLog()],
        # In-flight activities get this long to finish on shutdown; the rest are retried elsewhere.
        graceful_shutdown_timeout=timedelta(seconds=20),
    )


async def _heartbeat(settings: Settings) -> None:
    while settings.worker_heartbeat_file is not None:
        settings.worker_heartbeat_file.touch()
        await asyncio.sleep(15)


async def run(settings: Settings) -> None:
    client = await connect(settings)
    engine = make_engine(settings.db_url)
    with ThreadPoolExecutor(max_workers=settings.worker_max_concurrent_activities) as executor:
        worker = build_worker(client, settings, session_factory(engine), make_client(settings), executor)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with worker:
            log.info("worker polling task queue %s at %s", settings.task_queue, settings.temporal_address)
            alive = asyncio.create_task(_heartbeat(settings))
            await stop.wait()
            alive.cancel()
            log.info("shutting down: letting in-flight activities finish")
    engine.dispose()


def main() -> None:
    configure_logging()
    asyncio.run(run(Settings()))
    exit_now(0)  # shut down cleanly above; skip the finalization that Temporal's runtime can abort


if __name__ == "__main__":
    main()
