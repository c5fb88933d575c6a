"""Tables. Each unique constraint here is also a business key that makes a retried write a no-op."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from db.types import Money, UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Partner(Base):
    __tablename__ = "partners"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    manager: Mapped[str | None] = mapped_column(String(64))  # the channel manager over this partner
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)


class NumberRangeRow(Base):
    __tablename__ = "number_ranges"
    __table_args__ = (UniqueConstraint("prefix", "first"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_code: Mapped[str] = mapped_column(ForeignKey("partners.code"), index=True)
    prefix: Mapped[str] = mapped_column(String(4))
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)


class User(Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    reports_to: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    grants: Mapped[list[str]] = mapped_column(JSON, default=list)


class OrgChange(Base):
    """What a reload of the org file, or a manager, changed about a user: the org keeps its history."""

    __tablename__ = "org_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    field: Mapped[str] = mapped_column(String(32))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class UserPartner(Base):
    """The partners a user belongs to (reps, supervisors) or serves (assistants)."""

    __tablename__ = "user_partners"
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    partner_code: Mapped[str] = mapped_column(ForeignKey("partners.code"), primary_key=True)


class Customer(Base):
    __tablename__ = "customers"
    # Alerts look for a company in the entering rep's region (db.customer_repo._alerts): each alert query is one
    # index range, also at a million customers.
    __table_args__ = (Index("ix_customers_region_brand", "region", "brand_key"),
                      Index("ix_customers_region_sound", "region", "sound_key"),
                      Index("ix_customers_region_head", "region", "key_head"),
                      Index("ix_customers_region_tail", "region", "key_tail"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    # The key's first and last two characters: where similar names are looked for.
    key_head: Mapped[str] = mapped_column(String(8), index=True)
    key_tail: Mapped[str] = mapped_column(String(8), index=True)
    # The brand (the key without its industry words) and the key's sound: alerts, never unique (domain/names.py).
    brand_key: Mapped[str] = mapped_column(String(200), index=True, server_default="")
    sound_key: Mapped[str] = mapped_column(String(400), index=True, server_default="")
    phone: Mapped[str] = mapped_column(String(64))
    phone_key: Mapped[str] = mapped_column(String(32), index=True)
    phone_ext: Mapped[str | None] = mapped_column(String(8))
    fax: Mapped[str] = mapped_column(String(64))
    fax_key: Mapped[str] = mapped_column(String(32), index=True)
    fax_ext: Mapped[str | None] = mapped_column(String(8))
    risk_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    address: Mapped[str] = mapped_column(String(400))
    region: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(ForeignKey("users.username"), index=True)
    partner_code: Mapped[str | None] = mapped_column(ForeignKey("partners.code"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The last follow-up (entry, claim, sales note): a customer left alone too long goes back to the pool.
    last_contact_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class CustomerNote(Base):
    """销售小记: a sales rep's follow-up note, which counts as contact."""

    __tablename__ = "customer_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    author: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class CustomerKey(Base):
    """One row per identifying key (the name key, each phone and fax number): the database lets a key
    belong to one customer only, so two entries of one company race and exactly one wins."""

    __tablename__ = "customer_keys"
    key: Mapped[str] = mapped_column(String(220), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)


class CustomerCorrection(Base):
    """A corrected fact of a customer (phone, fax, address: applied at once; the licensed name: pending until the
    order group decides), with its value before and after, who asked, why, and the decision."""

    __tablename__ = "customer_corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    field: Mapped[str] = mapped_column(String(16))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # applied, pending, rejected
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision: Mapped[str | None] = mapped_column(Text)


class Ownership(Base):
    """Every change of a customer's owner: who had it, who has it, why, and who did it."""

    __tablename__ = "ownership_history"
    # The day's claims of a rep (the daily limit, counted on every claim and every page of the pool).
    __table_args__ = (Index("ix_ownership_history_new_owner_at", "new_owner", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    previous_owner: Mapped[str | None] = mapped_column(String(64))
    new_owner: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Order(Base):
    __tablename__ = "orders"
    number: Mapped[str] = mapped_column(String(16), primary_key=True)
    partner_code: Mapped[str] = mapped_column(ForeignKey("partners.code"), index=True)
    rep: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    pending_role: Mapped[str | None] = mapped_column(String(32), index=True)
    pending_user: Mapped[str | None] = mapped_column(String(64), index=True)  # 我的待办, a leaver's tasks
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    product: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal | None] = mapped_column(Money())
    signed_on: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    first_reviewer: Mapped[str | None] = mapped_column(String(64))
    supervisor: Mapped[str | None] = mapped_column(String(64))
    issue_id: Mapped[str] = mapped_column(String(64))
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    allowed_rounds: Mapped[int] = mapped_column(Integer, default=3)
    rejection: Mapped[dict[str, object] | None] = mapped_column(JSON(none_as_null=True))
    predecessor: Mapped[str | None] = mapped_column(String(16))
    successor: Mapped[str | None] = mapped_column(String(16))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    status_since: Mapped[datetime] = mapped_column(UtcDateTime())
    paid_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    # Paid beyond the amount: owed back to the customer or carried forward; finance settles it.
    credit_balance: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"), server_default="0")
    # Finance's settlement of the credit balance (domain.payments.CreditSettlement), with who, when and why; written
    # by the payments desk only, never by a workflow step. The balance itself stays as the record of the overpayment.
    credit_settled_as: Mapped[str | None] = mapped_column(String(16))
    credit_settled_by: Mapped[str | None] = mapped_column(String(64))
    credit_settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    credit_settled_note: Mapped[str | None] = mapped_column(Text)
    effective_on: Mapped[date | None] = mapped_column(Date)
    # The membership's first day: set once its certification passed (domain.certification.service_start).
    service_starts_on: Mapped[date | None] = mapped_column(Date)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OrderEvent(Base):
    __tablename__ = "order_events"
    __table_args__ = (UniqueConstraint("order_number", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.number"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class StoredFile:
    """A verified upload in S3, one version of one order's file; `staging_key` makes a retried filing a no-op."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint]:
        return (UniqueConstraint("order_number", "version"),)  # a new constraint for each table

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.number"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(300))
    staging_key: Mapped[str] = mapped_column(String(300), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Scan(StoredFile, Base):
    __tablename__ = "scans"


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("order_number", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.number"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money())
    paid_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    line_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # the bank line, when matched from one
    reversed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # unmatched: no longer counts
    reversed_by: Mapped[str | None] = mapped_column(String(64))
    reverse_reason: Mapped[str | None] = mapped_column(Text)


class StatementLine(Base):
    """One line of a bank statement, stored once by its bank reference however often it is imported."""

    __tablename__ = "statement_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_ref: Mapped[str] = mapped_column(String(64), unique=True)
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    payer_name: Mapped[str] = mapped_column(String(200))
    payer_key: Mapped[str] = mapped_column(String(220), index=True)
    payer_account: Mapped[str] = mapped_column(String(64))
    memo: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(String(255))
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), index=True)
    order_number: Mapped[str | None] = mapped_column(String(16), index=True)
    candidates: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)  # why the last automatic match did not happen


class LineEvent(Base):
    """The audit trail of a bank line: imported, matched (how, by whom), left open, unmatched (why)."""

    __tablename__ = "statement_line_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("statement_lines.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    order_number: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Slip(StoredFile, Base):
    """底单: the customer's remittance slip, stored like a scan, with the amount and date it claims."""

    __tablename__ = "slips"
    claimed_amount: Mapped[Decimal] = mapped_column(Money())
    claimed_on: Mapped[date] = mapped_column(Date)


class Credit(Base):
    """The commission credit of an effective order, for the rep and partner that owned the customer at signing."""

    __tablename__ = "credits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.number"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    rep: Mapped[str] = mapped_column(String(64), index=True)
    partner_code: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money())
    effective_on: Mapped[date] = mapped_column(Date, index=True)


class Application(Base):
    """调入申请: a transfer-in application and its decision."""

    __tablename__ = "applications"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    rep: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision: Mapped[str | None] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Notification(Base):
    """A reminder, escalation or notice to one person; `key` makes a retried write a no-op."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(64), index=True)
    # An order's, or a customer's ("customer:<id>") for warehouse notices.
    order_number: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
