"""The delivery workflow on the time-skipping server: retries ride out an outage, a channel down for days is
given up and recorded; and end to end, a notification written by `notify` starts its delivery and the mail
reaches a real SMTP server once."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select
from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from activities.deliveries import DeliveryActivities, DeliveryConfig, TemporalDispatch
from activities.notifications import NotificationActivities
from db.delivery_models import Delivery
from db.engine import create_schema, make_engine, session_factory, unit_of_work
from orderflow.contracts import NotifyInput
from orderflow.delivery_contracts import (
    DeliverInput,
    DeliveryInput,
    DeliveryPlan,
    DeliveryResult,
    SweepInput,
    delivery_workflow_id,
)
from orderflow.mail import SmtpConfig
from orderflow.notify import LogSender
from tests.helpers import free_port, queue, seed_demo
from tests.invariants import _deliveries
from workflows.delivery import SEND_WINDOW, DeliverySweepWorkflow, DeliveryWorkflow
from workflows.machine import db_write


class Channels:
    """Stand-ins: row 1 is down for an hour of attempts, row 2 never comes back."""

    def __init__(self) -> None:
        self.attempts: Counter[int] = Counter()
        self.given_up: list[int] = []
        self.first: dict[int, datetime] = {}
        self.last: dict[int, datetime] = {}

    @activity.defn(name="delivery_plan")
    async def delivery_plan(self, inp: DeliveryInput) -> DeliveryPlan:
        return DeliveryPlan(delivery_ids=[1, 2])

    @activity.defn(name="deliver")
    async def deliver(self, inp: DeliverInput) -> str:
        i, now = inp.delivery_id, activity.info().current_attempt_scheduled_time
        self.attempts[i] += 1
        self.first.setdefault(i, now)
        self.last[i] = now
        if i == 2 or now - self.first[i] < timedelta(hours=1):
            raise ApplicationError("SMTP server unreachable or failed: ConnectionRefusedError", type="SendFailed")
        return "sent"

    @activity.defn(name="give_up_delivery")
    async def give_up(self, inp: DeliverInput) -> None:
        self.given_up.append(inp.delivery_id)


async def test_an_hour_down_delays_a_delivery_and_days_down_give_it_up(ts_env: WorkflowEnvironment):
    channels, task_queue = Channels(), queue()
    async with Worker(ts_env.client, task_queue=task_queue, workflows=[DeliveryWorkflow],
                      activities=[channels.delivery_plan, channels.deliver, channels.give_up]):
        result = await ts_env.client.execute_workflow(DeliveryWorkflow.run, DeliveryInput(key="BJ100001:2:x:alice"),
                                                      id=delivery_workflow_id("BJ100001:2:x:alice"),
                                                      task_queue=task_queue)
    assert result.statuses == ["sent", "failed"]
    assert channels.given_up == [2]
    # Backing off to five minutes apart: delivered within minutes of the server's return.
    assert channels.last[1] - channels.first[1] < timedelta(hours=1, minutes=6)
    assert SEND_WINDOW - timedelta(minutes=15) <= channels.last[2] - channels.first[2] <= SEND_WINDOW


@workflow.defn(sandboxed=False)
class TellWorkflow:
    """Writes one notification the way the order workflow does: `notify` as a local activity (machine.db_write)."""

    @workflow.run
    async def run(self, note: NotifyInput) -> bool:
        return await db_write(NotificationActivities.notify, note, "tell")


class CountingDispatch(TemporalDispatch):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.started = 0

    def __call__(self, key: str) -> None:
        self.started += 1
        super().__call__(key)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.original_content)
        return "250 OK"


async def test_notify_starts_the_delivery_and_the_mail_arrives_once(ts_env: WorkflowEnvironment, tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'orderflow.db'}")
    create_schema(engine)
    sessions = session_factory(engine)
    seed_demo(sessions)
    inbox, port, task_queue = Inbox(), free_port(), queue()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    config = DeliveryConfig(smtp=SmtpConfig("127.0.0.1", port, timeout=5), mail_from="of@hq.example.com",
                            desk_url="http://127.0.0.1:8000", chat_enabled=False)
    dispatch = CountingDispatch(ts_env.client, task_queue, config.channels)
    notes = NotificationActivities(sessions, LogSender(), dispatch)
    deliveries = DeliveryActivities(sessions, config)
    note = NotifyInput(key="BJ100001:9:expired-paid:desk:order_group", recipient="desk:order_group",
                       order_number="BJ100001", kind="expired-paid", due_at=None, text="money on an expired order")
    try:
        with ThreadPoolExecutor(4) as pool:
            async with Worker(ts_env.client, task_queue=task_queue, workflows=[DeliveryWorkflow, TellWorkflow],
                              activities=[notes.notify, deliveries.delivery_plan, deliveries.deliver,
                                          deliveries.give_up],
                              activity_executor=pool):
                # As the order workflow runs it: a local, synchronous activity on a pool thread, whose start of
                # the delivery workflow runs on the worker's event loop.
                assert await ts_env.client.execute_workflow(TellWorkflow.run, note, id=f"tell-{task_queue}",
                                                            task_queue=task_queue) is True
                handle = ts_env.client.get_workflow_handle(delivery_workflow_id(note.key), result_type=DeliveryResult)
                assert (await handle.result()).statuses == ["sent"]
                # A retried notify finds the row: nothing pending, nothing started, nothing sent again.
                assert await asyncio.to_thread(ActivityEnvironment().run, notes.notify, note) is False
                assert dispatch.started == 1
    finally:
        smtp.stop()
    assert len(inbox.messages) == 1
    msg = email.message_from_bytes(inbox.messages[0], policy=email.policy.default)
    assert msg["To"] == "olga@hq.example.com" and "已过期的订单 BJ100001" in str(msg["Subject"])
    with unit_of_work(sessions) as session:
        sent = session.scalars(select(Delivery).where(Delivery.status == "sent")).all()
        assert [(d.person, d.channel) for d in sent] == [("olga", "email")]
        assert sent[0].sent_at is not None and sent[0].sent_at <= datetime.now(UTC)
        assert _deliveries(session) == []
    engine.dispose()


async def test_the_sweep_delivers_a_notification_whose_delivery_was_never_started(ts_env: WorkflowEnvironment,
                                                                                   tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'orderflow.db'}")
    create_schema(engine)
    sessions = session_factory(engine)
    seed_demo(sessions)
    inbox, port, task_queue = Inbox(), free_port(), queue()
    config = DeliveryConfig(smtp=SmtpConfig("127.0.0.1", port, timeout=5), mail_from="of@hq.example.com",
                            desk_url="http://127.0.0.1:8000", chat_enabled=False)
    deliveries = DeliveryActivities(sessions, config)
    # Written where no Temporal client is at hand (or by a worker that died right after the commit).
    note = NotifyInput(key="customer:1:number-collision:2:13800138000:alice", recipient="alice",
                       order_number="customer:1", kind="number-collision", due_at=None, text="collision")
    assert ActivityEnvironment().run(NotificationActivities(sessions, LogSender()).notify, note) is True
    sweep = SweepInput(older_than_seconds=300)
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            async with Worker(ts_env.client, task_queue=task_queue,
                              workflows=[DeliveryWorkflow, DeliverySweepWorkflow],
                              activities=[deliveries.delivery_plan, deliveries.deliver, deliveries.give_up,
                                          deliveries.sweep], activity_executor=pool):
                run = ts_env.client.execute_workflow
                fresh = await run(DeliverySweepWorkflow.run, sweep, id=f"sweep-1-{task_queue}", task_queue=task_queue)
                assert fresh.started == 0  # younger than the sweep's delay: its own start may still be coming
                with unit_of_work(sessions) as session:
                    for row in session.scalars(select(Delivery)):
                        row.created_at -= timedelta(minutes=10)
                late = await run(DeliverySweepWorkflow.run, sweep, id=f"sweep-2-{task_queue}", task_queue=task_queue)
                assert late.started == 1
                handle = ts_env.client.get_workflow_handle(delivery_workflow_id(note.key), result_type=DeliveryResult)
                assert (await handle.result()).statuses == ["sent"]
                again = await run(DeliverySweepWorkflow.run, sweep, id=f"sweep-3-{task_queue}", task_queue=task_queue)
                assert again.started == 0
    finally:
        smtp.stop()
    assert len(inbox.messages) == 1
    assert "13800138000" not in delivery_workflow_id(note.key)  # a typed number stays out of the workflow id
    engine.dispose()


async def test_the_sweep_looks_past_notifications_whose_delivery_is_running(dev_env: WorkflowEnvironment,
                                                                           tmp_path: Path):
    """A long outage: the oldest open notifications have running workflows; a later one whose start was lost
    is still started, though the sweep's limit is smaller than the number of open notifications. On the dev
    server: workflows waiting on a queue nobody polls break the shared time-skipping server for later tests."""
    engine = make_engine(f"sqlite:///{tmp_path / 'orderflow.db'}")
    create_schema(engine)
    sessions = session_factory(engine)
    seed_demo(sessions)
    task_queue = queue()
    config = DeliveryConfig(smtp=SmtpConfig("127.0.0.1", free_port(), timeout=5), mail_from="of@hq.example.com",
                            desk_url="http://127.0.0.1:8000", chat_enabled=False)
    deliveries = DeliveryActivities(sessions, config)
    keys = [f"BJ100001:{i}:reminder:alice" for i in (1, 2, 3)]
    for key in keys:
        note = NotifyInput(key=key, recipient="alice", order_number="BJ100001", kind="reminder", due_at=None,
                           text="waiting")
        assert ActivityEnvironment().run(NotificationActivities(sessions, LogSender()).notify, note) is True
    with unit_of_work(sessions) as session:
        for row in session.scalars(select(Delivery)):
            row.created_at -= timedelta(minutes=10)
    running = [await dev_env.client.start_workflow(DeliveryWorkflow.run, DeliveryInput(key=k),
                                                  id=delivery_workflow_id(k), task_queue=f"{task_queue}-nobody")
               for k in keys[:2]]  # the two oldest: their workflows run (on a queue no worker polls)
    try:
        async with Worker(dev_env.client, task_queue=task_queue, workflows=[DeliverySweepWorkflow],
                          activities=[deliveries.sweep]):
            swept = await dev_env.client.execute_workflow(DeliverySweepWorkflow.run,
                                                         SweepInput(older_than_seconds=300, limit=1),
                                                         id=f"sweep-{task_queue}", task_queue=task_queue)
        assert swept.started == 1
        third = dev_env.client.get_workflow_handle(delivery_workflow_id(keys[2]))
        assert (await third.describe()).task_queue == task_queue  # the one whose start was lost
        await third.terminate("test over")
    finally:
        for h in running:
            await h.terminate("test over")
    engine.dispose()
