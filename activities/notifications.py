"""Writing reminders, escalations and notices, each exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from db.engine import unit_of_work
from db.models import Notification
from orderflow.contracts import NotifyInput
from orderflow.notify import Sender


class NotificationActivities:
    def __init__(self, sessions: sessionmaker[Session], sender: Sender) -> None:
        self._sessions, self._sender = sessions, sender

    @activity.defn(name="notify")
    def notify(self, note: NotifyInput) -> bool:
        """Store the notification under its key, then send it; a retry finds the key and sends nothing."""
        try:
            with unit_of_work(self._sessions) as session:
                if session.scalar(select(Notification.id).where(Notification.key == note.key)) is not None:
                    return False
                session.add(Notification(key=note.key, recipient=note.recipient, order_number=note.order_number,
                                         kind=note.kind, due_at=note.due_at, text=note.text,
                                         created_at=datetime.now(UTC)))
        except IntegrityError:
            return False  # a concurrent attempt stored it first
        # Sent after the commit: a crash between the two loses a send, never duplicates a row.
        self._sender.send(note)
        return True
