"""Special follow-ups (其它特殊问题跟进): the read model of each case (issue #17), written by the follow-up workflow's
activities, each row idempotent by a business key (the case id, an event's key, an attachment's staging key)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base
from db.types import UtcDateTime


class FollowUp(Base):
    """One case, as the workflow last recorded it."""

    __tablename__ = "follow_ups"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(16), index=True)
    order_number: Mapped[str | None] = mapped_column(String(32), index=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    partner_code: Mapped[str | None] = mapped_column(String(16), index=True)
    opener: Mapped[str] = mapped_column(String(64), index=True)
    assignee: Mapped[str] = mapped_column(String(64), index=True)  # a username or "desk:<role>"
    escalate_to: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    wait: Mapped[int] = mapped_column(Integer, default=1)
    # The workflow's record sequence: a late retry of an older record never overwrites a newer one.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(16))
    resolution: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(64))
    correction_id: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class FollowUpEvent(Base):
    """Who did what when, on a case; `key` (the case id, the event and its sequence) makes a retry a no-op."""

    __tablename__ = "follow_up_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    detail: Mapped[str] = mapped_column(Text, default="")


class FollowUpComment(Base):
    __tablename__ = "follow_up_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class FollowUpAttachment(Base):
    """A file on a case; the same content twice on one case is refused (case, sha256)."""

    __tablename__ = "follow_up_attachments"
    __table_args__ = (UniqueConstraint("case_id", "sha256", name="uq_follow_up_attachments_case_sha256"),
                      UniqueConstraint("case_id", "version", name="uq_follow_up_attachments_case_version"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    staging_key: Mapped[str] = mapped_column(String(200), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
