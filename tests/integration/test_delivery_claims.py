"""A delivery row is claimed before it is sent: overlapping attempts of one row (a retry started while a stuck
attempt still runs) send it once, and giving up never overwrites a row that was sent. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.deliveries import DeliveryActivities, DeliveryConfig
from db.delivery_models import Delivery
from db.engine import unit_of_work
from orderflow.delivery_contracts import DeliverInput
from orderflow.mail import SmtpConfig
from tests.helpers import free_port
from tests.integration.test_deliveries import FROM, note, plan, rows


class HeldInbox:
    """Holds each message in DATA until released (or ten seconds passed), counting what it took."""

    def __init__(self) -> None:
        self.entered, self.release, self.taken = threading.Event(), threading.Event(), 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.entered.set()
        for _ in range(1000):
            if self.release.is_set():
                break
            await asyncio.sleep(0.01)
        self.taken += 1
        return "250 OK"


def test_a_second_attempt_while_the_first_is_sending_sends_nothing(sessions: sessionmaker[Session]):
    inbox, port = HeldInbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    acts = DeliveryActivities(sessions, DeliveryConfig(smtp=SmtpConfig("127.0.0.1", port, timeout=5),
                                                       mail_from=FROM, desk_url="http://d"))
    n = note("BJ100001:31:reminder:alice")
    [delivery] = plan(sessions, n)
    first: list[object] = []
    thread = threading.Thread(target=lambda: first.append(
        ActivityEnvironment().run(acts.deliver, DeliverInput(delivery_id=delivery))))
    try:
        thread.start()
        assert inbox.entered.wait(10)
        assert rows(sessions, n.key) == [("alice", "email", "sending", None)]
        with pytest.raises(ApplicationError, match="another attempt is sending it"):  # retried by Temporal
            ActivityEnvironment().run(acts.deliver, DeliverInput(delivery_id=delivery))
        inbox.release.set()
        thread.join(20)
        assert first == ["sent"]
        assert ActivityEnvironment().run(acts.deliver, DeliverInput(delivery_id=delivery)) == "sent"
    finally:
        inbox.release.set()
        server.stop()
    assert inbox.taken == 1
    assert rows(sessions, n.key) == [("alice", "email", "sent", None)]


def test_a_claim_whose_attempt_died_is_taken_over_after_its_lease(sessions: sessionmaker[Session]):
    inbox, port = HeldInbox(), free_port()
    inbox.release.set()
    n = note("BJ100001:32:reminder:alice")
    [delivery] = plan(sessions, n)
    with unit_of_work(sessions) as session:  # an attempt claimed it and died
        row = session.get(Delivery, delivery)
        assert row is not None
        row.status, row.lease_until = "sending", datetime.now(UTC) + timedelta(minutes=3)
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    acts = DeliveryActivities(sessions, DeliveryConfig(smtp=SmtpConfig("127.0.0.1", port, timeout=5),
                                                       mail_from=FROM, desk_url="http://d"))
    try:
        with pytest.raises(ApplicationError, match="another attempt is sending it"):
            ActivityEnvironment().run(acts.deliver, DeliverInput(delivery_id=delivery))
        with unit_of_work(sessions) as session:
            row = session.get(Delivery, delivery)
            assert row is not None
            row.lease_until = datetime.now(UTC) - timedelta(seconds=1)
        assert ActivityEnvironment().run(acts.deliver, DeliverInput(delivery_id=delivery)) == "sent"
    finally:
        server.stop()
    assert inbox.taken == 1


def test_giving_up_records_failed_but_never_overwrites_a_sent_row(sessions: sessionmaker[Session]):
    inbox, port = HeldInbox(), free_port()
    inbox.release.set()
    acts = DeliveryActivities(sessions, DeliveryConfig(smtp=SmtpConfig("127.0.0.1", port, timeout=5),
                                                       mail_from=FROM, desk_url="http://d"))
    down, sent = note("BJ100001:33:reminder:alice"), note("BJ100001:34:reminder:alice")
    [down_id], [sent_id] = plan(sessions, down), plan(sessions, sent)
    with pytest.raises(ApplicationError, match="unreachable"):
        ActivityEnvironment().run(acts.deliver, DeliverInput(delivery_id=down_id))
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        assert ActivityEnvironment().run(acts.deliver, DeliverInput(delivery_id=sent_id)) == "sent"
    finally:
        server.stop()
    for i in (down_id, sent_id):
        ActivityEnvironment().run(acts.give_up, DeliverInput(delivery_id=i))
    assert rows(sessions, down.key) == [
        ("alice", "email", "failed", "gave up: retrying: SMTP server unreachable or failed: ConnectionRefusedError")]
    assert rows(sessions, sent.key) == [("alice", "email", "sent", None)]
