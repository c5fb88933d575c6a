"""Issuing numbers and writing notifications on SQLite and PostgreSQL: exactly once, never reused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notifications import NotificationActivities
from activities.orders import OrderActivities
from db.engine import unit_of_work
from db.models import Notification, Order
from domain.order import Action, OrderStatus
from orderflow.contracts import NotifyInput
from tests.helpers import ASSISTANT, REP, record


class Outbox:
    def __init__(self) -> None:
        self.sent: list[NotifyInput] = []

    def send(self, note: NotifyInput) -> None:
        self.sent.append(note)


def test_a_number_is_issued_once_and_a_voided_number_never_again(sessions: sessionmaker[Session]):
    run = ActivityEnvironment().run
    acts = OrderActivities(sessions)
    first = record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED)
    assert run(acts.record_step, first) is True
    assert run(acts.record_step, first) is False  # the same issue, retried
    again = first.model_copy(update={"issue_id": "another-issue"})
    with pytest.raises(ApplicationError, match="BJ100001 has already been issued"):
        run(acts.record_step, again)
    lost = record(2, Action.REPORT_LOST, REP, OrderStatus.ISSUED, OrderStatus.VOID)
    run(acts.record_step, lost)
    with pytest.raises(ApplicationError, match="BJ100001 was voided and can never be issued again"):
        run(acts.record_step, again)
    outside = first.model_copy(update={"order_number": "BJ999999", "issue_id": "x"})
    with pytest.raises(ApplicationError, match="not in a number range of your partners"):
        run(acts.record_step, outside)
    other_partner = first.model_copy(update={"order_number": "SH200001", "issue_id": "y"})
    with pytest.raises(ApplicationError, match="not in a number range of your partners"):
        run(acts.record_step, other_partner)
    with unit_of_work(sessions) as session:
        assert session.scalar(select(Order.status).where(Order.number == "BJ100001")) == "VOID"


def test_a_notification_is_written_and_sent_once(sessions: sessionmaker[Session]):
    run = ActivityEnvironment().run
    run(OrderActivities(sessions).record_step, record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    outbox = Outbox()
    acts = NotificationActivities(sessions, outbox)
    note = NotifyInput(key="BJ100001:2:reminder:alice", recipient="alice", order_number="BJ100001",
                       kind="reminder", due_at=datetime(2026, 12, 1, tzinfo=UTC), text="sign it")
    assert run(acts.notify, note) is True
    assert run(acts.notify, note) is False
    assert [n.key for n in outbox.sent] == [note.key]
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 1
