"""Notices the API writes itself (collision notices) are planned for the channels this deployment sends, as a
worker would plan them: a channel that is off is recorded as skipped at once, not left pending for a worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.delivery_models import Delivery
from domain.people import Actor
from orderflow.contracts import NotifyInput
from orderflow.settings import Settings
from services.context import Services
from services.corrections import tell


def _planned(services: Services, key: str) -> list[tuple[str, str]]:
    tell(services, [NotifyInput(key=key, recipient="alice", order_number="customer:1", kind="number-collision",
                                due_at=None, text="x")])
    with services.transaction() as session:
        return [(r.channel, r.status) for r in session.scalars(
            select(Delivery).where(Delivery.notification_key == key).order_by(Delivery.channel))]


def test_a_notice_of_the_api_is_planned_for_the_channels_the_deployment_sends(sessions: sessionmaker[Session],
                                                                             tmp_path: Path) -> None:
    no_mail = Services(Settings(data_dir=tmp_path, smtp_host=None), sessions)
    assert _planned(no_mail, f"customer:1:number-collision:a:{datetime.now(UTC).timestamp()}") == [
        ("email", "skipped")]
    mail = Services(Settings(data_dir=tmp_path, smtp_host="127.0.0.1"), sessions)
    assert _planned(mail, f"customer:1:number-collision:b:{datetime.now(UTC).timestamp()}") == [
        ("email", "pending")]


def test_the_ops_report_counts_failed_and_long_open_deliveries_for_headquarters(
        services: Services, actor: Callable[[str], Actor]) -> None:
    from services import ops

    key = f"customer:1:number-collision:c:{datetime.now(UTC).timestamp()}"
    mail = Services(Settings(data_dir=services.settings.data_dir, smtp_host="127.0.0.1"), services.sessions)
    assert _planned(mail, key) == [("email", "pending")]
    before = ops.ops_report(services, actor("olga"))["deliveries"]
    with services.transaction() as session:
        row = session.scalars(select(Delivery).where(Delivery.notification_key == key)).one()
        row.created_at -= timedelta(hours=2)  # waiting for two hours
    assert ops.ops_report(services, actor("olga"))["deliveries"]["open_too_long"].get("email", 0) == \
        before["open_too_long"].get("email", 0) + 1
    with services.transaction() as session:
        row = session.scalars(select(Delivery).where(Delivery.notification_key == key)).one()
        row.status, row.reason = "failed", "gave up: channel down"
    after = ops.ops_report(services, actor("olga"))["deliveries"]
    assert after["failed"].get("email", 0) == before["failed"].get("email", 0) + 1
    assert "deliveries" not in ops.ops_report(services, actor("hank"))  # a partner's view: not theirs to see
