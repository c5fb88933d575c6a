"""Notification deliveries: each channel's attempt at a stored notification (issue #17)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base
from db.types import UtcDateTime


class UserChannel(Base):
    """Where a person is reached, from the org file. The chat URL carries the robot's access token and the secret
    signs its calls: both are secrets, read only by the delivery activity, never logged or returned."""

    __tablename__ = "user_channels"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    chat_kind: Mapped[str | None] = mapped_column(String(16))  # dingtalk | wecom
    chat_url: Mapped[str | None] = mapped_column(Text)
    chat_secret: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Delivery(Base):
    """One channel of one person for one notification, written in the notification's transaction. `status` is
    pending until sent (then `sent_at`), failed (permanently refused or given up) or skipped (with `reason`):
    the unique key makes a retried write a no-op and a sent row is never sent again. While an attempt sends, the
    row is `sending` until `lease_until`: another attempt claims it only after that (the first one died)."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("notification_key", "channel", "person"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_key: Mapped[str] = mapped_column(ForeignKey("notifications.key"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | chat | none
    person: Mapped[str] = mapped_column(String(64))  # a username, or the desk address nobody is at
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
