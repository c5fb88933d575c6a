"""Certifications (认证): the read model of each order's certification (issue #17). Written only by the
CertificationWorkflow's activities; identity documents are stored in S3 by key, never their content here."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base
from db.types import UtcDateTime


class Certification(Base):
    """One per order. `last_seq` makes each recorded step a no-op when retried."""

    __tablename__ = "certifications"
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.number"), primary_key=True)
    partner_code: Mapped[str] = mapped_column(String(16), index=True)
    rep: Mapped[str] = mapped_column(String(64), index=True)
    supervisor: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(Integer)
    name_key: Mapped[str] = mapped_column(String(400))  # the customer's licensed-name key when it was opened
    status: Mapped[str] = mapped_column(String(32), index=True)
    pending_role: Mapped[str | None] = mapped_column(String(32))
    pending_user: Mapped[str | None] = mapped_column(String(64))
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    allowed_rounds: Mapped[int] = mapped_column(Integer, default=3)
    status_since: Mapped[datetime] = mapped_column(UtcDateTime())
    reasons: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    note: Mapped[str | None] = mapped_column(Text)
    position: Mapped[str | None] = mapped_column(String(200))
    certified_on: Mapped[date | None] = mapped_column(Date)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CertificationDocument(Base):
    """A filed document version. The same file (by SHA-256) is never filed twice for one order."""

    __tablename__ = "certification_documents"
    __table_args__ = (UniqueConstraint("order_number", "kind", "version"), UniqueConstraint("staging_key"),
                      UniqueConstraint("order_number", "sha256", name="uq_certification_documents_sha256"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("certifications.order_number"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(300))
    staging_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class AgencyCallback(Base):
    """A signed agency callback that was accepted, by the SHA-256 of its raw body: the same body again is a
    replay and refused (the unique digest). Nothing of the body itself is kept."""

    __tablename__ = "agency_callbacks"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_number: Mapped[str] = mapped_column(String(16), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
