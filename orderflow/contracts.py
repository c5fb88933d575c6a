"""One pydantic input model for every workflow, update and activity, and the views they return.
New optional fields can be added without breaking running workflows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from domain.order import Action, CustomerHolding, OrderKind, OrderParties, OrderStatus
from domain.people import Actor, Role


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ActorRef(Model):
    """The acting user as the org file defines them; checked again against the database on write."""

    username: str
    role: Role
    partners: list[str] = []
    active: bool = True

    def to_domain(self) -> Actor:
        return Actor(self.username, self.role, frozenset(self.partners), self.active)


class CustomerRef(Model):
    id: int
    name: str
    owner: str | None
    holder: str

    def holding(self) -> CustomerHolding:
        return CustomerHolding(self.id, self.name, self.owner, self.holder)


class IssueInput(Model):
    number: str
    partner: str
    rep: str
    actor: ActorRef


class SignInput(Model):
    actor: ActorRef
    customer: CustomerRef
    product: str
    kind: OrderKind
    amount: Decimal
    signed_on: date


class StepInput(Model):
    """For steps that carry nothing but who acts: receive, first review."""

    actor: ActorRef
    note: str | None = None


class SecondReviewInput(Model):
    actor: ActorRef
    location: str


class ScanInput(Model):
    actor: ActorRef
    staging_key: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    filename: str


class PayInput(Model):
    actor: ActorRef
    amount: Decimal
    paid_on: date


class TimelineEntry(Model):
    seq: int
    at: datetime
    action: Action
    actor: str
    source: OrderStatus | None
    target: OrderStatus
    note: str | None = None


class ScanVersion(Model):
    version: int
    key: str
    size: int
    sha256: str
    content_type: str
    uploaded_by: str


class OrderFields(Model):
    """Everything the read model keeps about an order beyond its status."""

    customer_id: int | None = None
    customer_name: str | None = None
    product: str | None = None
    kind: OrderKind | None = None
    amount: Decimal | None = None
    signed_on: date | None = None
    location: str | None = None
    paid_total: Decimal = Decimal("0.00")
    effective_on: date | None = None
    first_reviewer: str | None = None


class OrderView(Model):
    number: str
    partner: str
    rep: str
    status: OrderStatus
    pending_role: Role | None
    pending_user: str | None
    since: datetime
    fields: OrderFields
    timeline: list[TimelineEntry]
    scans: list[ScanVersion]

    def parties(self) -> OrderParties:
        return OrderParties(self.number, self.partner, self.rep, self.fields.first_reviewer)


class TransitionRecord(Model):
    """One step as the read model stores it; idempotent by (order_number, seq)."""

    order_number: str
    partner: str
    rep: str
    seq: int
    action: Action
    actor: ActorRef
    source: OrderStatus | None
    target: OrderStatus
    at: datetime
    fields: OrderFields
    pending_role: Role | None
    pending_user: str | None
    payment: Decimal | None = None
    payment_on: date | None = None
    note: str | None = None


class PromoteScanInput(Model):
    order_number: str
    partner: str
    staging_key: str
    size: int
    sha256: str
    filename: str
    uploaded_by: str
