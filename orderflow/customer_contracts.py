"""Messages of the customer workflows: transfer-in applications and recycling."""

from __future__ import annotations

from datetime import datetime, timedelta

from orderflow.contracts import ActorRef, Model


class TransferPolicy(Model):
    reminder: timedelta = timedelta(days=2)  # remind the approval group
    timeout: timedelta = timedelta(days=7)  # then reject on its own


class TransferInput(Model):
    """调入申请: a rep asks for a pool customer from outside the rep's regions."""

    application_id: str
    customer_id: int
    customer_name: str
    rep: ActorRef
    region: str  # the rep's region, which the customer takes on approval
    reason: str
    approvers: list[str]
    policy: TransferPolicy = TransferPolicy()


class DecideInput(Model):
    actor: ActorRef
    approve: bool
    reason: str


class ApplicationView(Model):
    application_id: str
    customer_id: int
    rep: str
    status: str  # FILED, APPROVED, REJECTED
    decided_by: str | None = None
    decision: str | None = None


class ApplicationRecord(Model):
    """The application's row in the database; idempotent by application id and status."""

    application_id: str
    customer_id: int
    rep: str
    reason: str
    status: str
    at: datetime
    decided_by: str | None = None
    decision: str | None = None


class TransferMove(Model):
    application_id: str
    customer_id: int
    rep: str
    region: str
    at: datetime


class RecycleInput(Model):
    after_days: int = 30
    warn_days: int = 3
    protect_days: int = 90  # an order that took effect this recently still protects its customer


class RecycleRun(Model):
    as_of: datetime
    contact_before: datetime
    warn_only: bool
    after_days: int = 30  # to tell the holder on which day the customer goes
    protect_days: int = 90


class RecycleResult(Model):
    warned: int = 0
    recycled: int = 0
