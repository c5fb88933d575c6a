"""Writing reminders, escalations and notices, each exactly once, and getting them delivered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from db.delivery_repo import PENDING, has_pending, plan_deliveries
from db.engine import unit_of_work
from db.models import Notification
from orderflow.contracts import NotifyInput
from orderflow.notify import Sender


class Dispatch(Protocol):
    """Starts the delivery workflow of a notification key (activities/deliveries.py TemporalDispatch). Where there
    is none (no Temporal client at hand) every channel is planned and the deliveries wait for the sweep."""

    channels: frozenset[str]  # what this server sends; a person's other channels are recorded as skipped

    def __call__(self, key: str) -> None: ...


class NotificationActivities:
    def __init__(self, sessions: sessionmaker[Session], sender: Sender, dispatch: Dispatch | None = None,
                 channels: frozenset[str] | None = None) -> None:
        """`channels`: what this server sends, where there is no dispatch (the API's notices); None: all."""
        self._sessions, self._sender, self._dispatch = sessions, sender, dispatch
        self._channels = dispatch.channels if dispatch is not None else channels

    @activity.defn(name="notify")
    def notify(self, note: NotifyInput) -> bool:
        """Store the notification under its key with one delivery row per channel of each person it reaches,
        then start its delivery. A retry finds the key, sends nothing itself and makes sure the delivery of
        rows still pending was started: a crash between the commit and the start loses nothing."""
        try:
            with unit_of_work(self._sessions) as session:
                if session.scalar(select(Notification.id).where(Notification.key == note.key)) is not None:
                    pending = self._dispatch is not None and has_pending(session, note.key)
                    new = False
                else:
                    now = datetime.now(UTC)
                    session.add(Notification(key=note.key, recipient=note.recipient,
                                             order_number=note.order_number, kind=note.kind, due_at=note.due_at,
                                             text=note.text, created_at=now))
                    session.flush()
                    rows = plan_deliveries(session, note.key, note.recipient, now, self._channels)
                    pending, new = any(r.status == PENDING for r in rows), True
        except IntegrityError:
            return False  # a concurrent attempt stored it first, and starts its delivery
        if new:
            self._sender.send(note)  # the log line
        if pending and self._dispatch is not None:
            self._dispatch(note.key)  # raises while Temporal is unreachable: the retry starts it
        return new
