"""Delivering a stored notification by mail and chat: one channel of one person per activity, idempotent by
its delivery row.

At-least-once window, stated honestly: an attempt claims the row (`sending`, with a lease) in a committed
transaction before it sends, and records the outcome in another after, so two attempts never send at once. A
crash or a lost database connection after the SMTP server or the robot accepted the message and before that
record leaves the row claimed; once the lease runs out a retry sends it again: once per such crash, never in
a loop. A mail sent twice carries the same Message-ID (mail.py
message_id), so mail clients and the server's log show it as one message; a chat post has no such id and is
shown twice. Every other outcome (a refused send, a crash before sending, a retry of a sent row) sends nothing
twice and loses nothing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from db.delivery_models import Delivery, UserChannel
from db.delivery_repo import (
    CHAT,
    EMAIL,
    FAILED,
    OPEN,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
    active_manager,
    hand_over,
    pending_ids,
    stale_pending_keys,
)
from db.engine import unit_of_work
from db.models import Notification, User
from domain.channels import OFFICIAL_ROBOT_HOSTS, SEND_LEASE_SECONDS, ChatKind, robot_allowed
from orderflow import chat
from orderflow.delivery_contracts import (
    DeliverInput,
    DeliveryInput,
    DeliveryPlan,
    SweepInput,
    SweepResult,
    delivery_workflow_id,
)
from orderflow.mail import SmtpConfig, build_message, message_id, send_mail
from orderflow.notice_texts import Notice, render
from orderflow.notify import SendFailed
from orderflow.settings import Settings

log = logging.getLogger("orderflow.deliveries")

DELIVERY_WORKFLOW = "DeliveryWorkflow"
SWEEP_PAGES = 10


@dataclass(frozen=True)
class DeliveryConfig:
    smtp: SmtpConfig | None  # None: mail is off
    mail_from: str
    desk_url: str
    chat_enabled: bool = True
    chat_timeout: float = 10.0
    chat_allowed_hosts: frozenset[str] = OFFICIAL_ROBOT_HOSTS

    @property
    def channels(self) -> frozenset[str]:
        return frozenset({*([EMAIL] if self.smtp else []), *([CHAT] if self.chat_enabled else [])})


@dataclass(frozen=True)
class _Job:
    """What one claimed delivery sends, read in the claim's transaction."""

    key: str
    channel: str
    person: str
    notice: Notice
    email: str | None
    chat_kind: str | None
    chat_url: str | None = field(repr=False)
    chat_secret: str | None = field(repr=False)


def _count(result: Any) -> int:
    return int(result.rowcount)


class DeliveryActivities:
    def __init__(self, sessions: sessionmaker[Session], config: DeliveryConfig,
                 http: Callable[[], httpx.Client] | None = None) -> None:
        self._sessions, self._config = sessions, config
        self._http = http or (lambda: httpx.Client(timeout=config.chat_timeout))
        chat.hide_tokens_in_http_log()

    @activity.defn(name="delivery_plan")
    def delivery_plan(self, inp: DeliveryInput) -> DeliveryPlan:
        with unit_of_work(self._sessions) as session:
            return DeliveryPlan(delivery_ids=pending_ids(session, inp.key))

    @activity.defn(name="deliver")
    def deliver(self, inp: DeliverInput) -> str:
        """Claim the row, send, record the outcome: three short transactions, none open while sending (on SQLite a
        write would hold the database's lock through it). The claim is a conditional UPDATE, so two overlapping
        attempts (a retry started while a stuck one still runs) never both send: the second finds it claimed
        and is retried until the first one's outcome is recorded or its lease ran out."""
        attempt = activity.info().attempt
        job = self._claim(inp.delivery_id, attempt)
        if isinstance(job, str):
            return job
        try:
            self._send(job)
        except SendFailed as err:
            if err.permanent:
                self._record(inp.delivery_id, FAILED, err.message)
                return FAILED
            self._record(inp.delivery_id, PENDING, f"retrying: {err.message}")
            raise ApplicationError(err.message, type="SendFailed") from None
        self._record(inp.delivery_id, SENT, None)
        return SENT

    def _claim(self, delivery_id: int, attempt: int) -> _Job | str:
        """The row claimed for this attempt with what to send, or the status to answer without sending."""
        now = datetime.now(UTC)
        claimable = and_(Delivery.id == delivery_id, or_(Delivery.status == PENDING, and_(
            Delivery.status == SENDING, Delivery.lease_until < now)))
        with unit_of_work(self._sessions) as session:
            row = session.get(Delivery, delivery_id)
            if row is None:
                raise ApplicationError(f"no delivery {delivery_id}", non_retryable=True)
            if row.status not in OPEN:
                return row.status
            user, channels = session.get(User, row.person), session.get(UserChannel, row.person)
            why_not = self._unreachable(row, user, channels)
            off = self._off_here(row.channel)
            if why_not is not None:
                manager = active_manager(session, user) if user is not None and not user.active else None
                if manager is not None:
                    why_not = f"deactivated: handed to {manager.username}"
                done = session.execute(update(Delivery).where(claimable).values(
                    status=SKIPPED, reason=why_not, attempts=attempt, lease_until=None))
                if _count(done) == 1:
                    if manager is not None:  # as the inbox hands a leaver's tasks over; the sweep sends them
                        hand_over(session, row.notification_key, manager, now, self._config.channels)
                    return SKIPPED
                busy: str | None = "another attempt is sending it"
            elif off is not None:
                # Another worker (or this one after a settings fix) may send it: waiting, not skipped.
                session.execute(update(Delivery).where(claimable).values(reason=f"waiting: {off}"))
                busy = off
            else:
                claimed = session.execute(update(Delivery).where(claimable).values(
                    status=SENDING, lease_until=now + timedelta(seconds=SEND_LEASE_SECONDS), attempts=attempt))
                busy = None if _count(claimed) == 1 else "another attempt is sending it"
            if busy is None:
                note = session.scalar(select(Notification).where(Notification.key == row.notification_key))
                assert note is not None and channels is not None  # the foreign key; _unreachable
                job = _Job(row.notification_key, row.channel, row.person,
                           render(note.kind, note.order_number, note.due_at, note.text, self._config.desk_url),
                           channels.email, channels.chat_kind, channels.chat_url, channels.chat_secret)
        if busy is not None:  # after the commit
            raise ApplicationError(busy, type="NotNow")
        return job

    def _record(self, delivery_id: int, status: str, reason: str | None) -> None:
        """The outcome of this attempt's send, on the row it claimed."""
        values: dict[str, Any] = {"status": status, "reason": reason[:300] if reason else None,
                                  "lease_until": None}
        if status == SENT:
            values["sent_at"] = datetime.now(UTC)
        with unit_of_work(self._sessions) as session:
            done = session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == SENDING)
                                   .values(**values))
            if _count(done) != 1:  # cannot happen while a send ends within its lease (settings bound it)
                log.warning("delivery %s was no longer claimed when its send ended (%s)", delivery_id, status)

    @activity.defn(name="give_up_delivery")
    def give_up(self, inp: DeliverInput) -> None:
        """The retry window ended with the channel still down: recorded as failed, for an operator to see. A row
        sent (or being sent) meanwhile is left as it is."""
        now = datetime.now(UTC)
        with unit_of_work(self._sessions) as session:
            row = session.get(Delivery, inp.delivery_id)
            if row is None:
                return
            reason = f"gave up: {row.reason or 'channel down'}"[:300]
            session.execute(update(Delivery).where(
                Delivery.id == inp.delivery_id,
                or_(Delivery.status == PENDING, and_(Delivery.status == SENDING, Delivery.lease_until < now)))
                .values(status=FAILED, reason=reason, lease_until=None))

    def _unreachable(self, row: Delivery, user: User | None, channels: UserChannel | None) -> str | None:
        if user is None or not user.active:
            return "deactivated"
        if row.channel == EMAIL and (channels is None or not channels.email):
            return "e-mail removed from the org file"
        if row.channel == CHAT and (channels is None or not channels.chat_url):
            return "chat removed from the org file"
        return None

    def _off_here(self, channel: str) -> str | None:
        if channel == EMAIL and self._config.smtp is None:
            return "mail is off on this server (no smtp_host)"
        if channel == CHAT and not self._config.chat_enabled:
            return "chat is off on this server"
        return None

    def _send(self, job: _Job) -> None:
        notice = job.notice
        if job.channel == EMAIL:
            assert self._config.smtp is not None and job.email is not None
            msg_id = message_id(job.key, job.channel, job.person, self._config.mail_from)
            send_mail(self._config.smtp, build_message(notice, job.email, self._config.mail_from, msg_id))
            return
        assert job.chat_url is not None and job.chat_kind is not None
        kind = ChatKind(job.chat_kind)
        if not robot_allowed(kind, job.chat_url, self._config.chat_allowed_hosts):
            raise SendFailed(f"{kind.value} robot url is not an allowed endpoint (chat_allowed_hosts)",
                             permanent=True)
        with self._http() as client:
            chat.post(client, kind, job.chat_url, job.chat_secret, chat.compose(kind, notice),
                      int(time.time() * 1000))

    @activity.defn(name="sweep_deliveries")
    async def sweep(self, inp: SweepInput) -> SweepResult:
        """The safety net: a notification whose deliveries are still pending long after it was written gets its
        delivery workflow (again); one already running is left alone."""
        before = datetime.now(UTC) - timedelta(seconds=inp.older_than_seconds)
        started = 0
        # Page on past keys whose workflow is running (a long outage): up to `limit` starts, a bounded look.
        for page in range(SWEEP_PAGES):
            keys = await asyncio.to_thread(self._stale, before, inp.limit, page * inp.limit)
            for key in keys:
                started += await start_delivery(activity.client(), activity.info().task_queue, key)
                if started >= inp.limit:
                    return SweepResult(started=started)
            if len(keys) < inp.limit:
                break
        return SweepResult(started=started)

    def _stale(self, before: datetime, limit: int, offset: int) -> list[str]:
        with unit_of_work(self._sessions) as session:
            return stale_pending_keys(session, before, limit, offset)


async def start_delivery(client: Client, task_queue: str, key: str) -> bool:
    """Start the notification's delivery workflow; one already running (its id is the key's) is fine."""
    try:
        await client.start_workflow(DELIVERY_WORKFLOW, DeliveryInput(key=key), id=delivery_workflow_id(key),
                                    task_queue=task_queue)
        return True
    except WorkflowAlreadyStartedError:
        return False


class TemporalDispatch:
    """Starts delivery workflows from the synchronous activities (`notify`, `recycle`), which run in the worker's
    thread pool, where `activity.client()` is not available: the start runs on the worker's event loop."""

    def __init__(self, client: Client, task_queue: str, channels: frozenset[str],
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._client, self._task_queue, self.channels = client, task_queue, channels
        self._loop = loop or asyncio.get_running_loop()

    def __call__(self, key: str) -> None:
        future: Any = asyncio.run_coroutine_threadsafe(start_delivery(self._client, self._task_queue, key),
                                                       self._loop)
        future.result(timeout=30)


def delivery_config(settings: Settings) -> DeliveryConfig:
    smtp = None if not settings.smtp_host else SmtpConfig(
        host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls, ssl=settings.smtp_ssl,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        timeout=settings.smtp_timeout_seconds,
        ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None)
    return DeliveryConfig(smtp=smtp, mail_from=settings.mail_from, desk_url=settings.desk_url,
                          chat_enabled=settings.chat_enabled, chat_timeout=settings.chat_timeout_seconds,
                          chat_allowed_hosts=frozenset(settings.chat_allowed_hosts))
