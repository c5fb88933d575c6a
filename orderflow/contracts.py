"""One pydantic input model for every workflow, update and activity, and the views they return.
New optional fields can be added without breaking running workflows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from domain.order import Action, CustomerHolding, OrderKind, OrderParties, OrderStatus
from domain.payments import MatchKind
from domain.people import Actor, Role
from domain.rejections import Reason, Remedy
from domain.timers import Chase, Policy


class Model(BaseModel):
    # defer_build: a model's validator is built when first used, so a CLI command that touches two
    # models does not pay at start-up for the forty it never uses.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


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
    issue_id: str  # makes the issue's database write idempotent, and tells a re-issue from a retry
    supervisor: str | None = None  # the rep's manager, who gets escalations
    policy: Policy = Policy()
    predecessor: str | None = None  # the lost order this one replaces
    # Continue-as-new once history passes this many events (tests lower it).
    history_limit: int = 10_000
    snapshot: OrderSnapshot | None = None  # set only when the workflow continues as new
    # A reissue's parent records the issue when it reserves the number; the child's issue is that record.
    reserved_at: datetime | None = None
    issue_note: str | None = None


class IssuedInput(Model):
    """Asks for the order once its issue is recorded; only the request that issued it (same issue id) may ask."""

    issue_id: str = Field(min_length=1, max_length=64)


class SignInput(Model):
    actor: ActorRef
    customer: CustomerRef
    product: str
    kind: OrderKind
    amount: Decimal
    signed_on: date


class StepInput(Model):
    """For steps that carry who acts and an optional note: receive, first review."""

    actor: ActorRef
    note: str | None = None


class NoteInput(Model):
    """For steps that must say why: resend an original, report a loss, void, allow another round."""

    actor: ActorRef
    note: str


class RejectInput(Model):
    actor: ActorRef
    reasons: list[Reason]
    note: str


class ChangeInput(Model):
    """A rep's correction, or the order group's modification: new values, and why."""

    actor: ActorRef
    note: str
    amount: Decimal | None = None
    product: str | None = None


class ReissueInput(Model):
    actor: ActorRef
    new_number: str


class WithdrawInput(Model):
    """The original of `original` turned up: its unsigned reissue is voided, with the reason."""

    actor: ActorRef
    original: str
    reason: str


class ReassignInput(Model):
    """An open order moves to another active rep of its partner (a rep left); `supervisor` is the new rep's."""

    actor: ActorRef
    to: str
    supervisor: str | None = None
    reason: str


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
    line_ref: str | None = None  # the bank line this payment is, when matched from a statement
    match: MatchKind | None = None


class UnmatchInput(Model):
    actor: ActorRef
    line_ref: str
    reason: str


class ReverseInput(Model):
    """Take back a payment recorded by hand: its number in the order's list of payments (from 1), its amount and its
    date as the person read them, so a list that changed meanwhile refuses instead of reversing other money."""

    actor: ActorRef
    payment: int = Field(ge=1)
    amount: Decimal
    paid_on: date
    reason: str


class SlipInput(ScanInput):
    claimed_amount: Decimal
    claimed_on: date


class QueuedLinesInput(Model):
    """An order that reached AWAITING_PAYMENT asks for a bank line of its customer's that waits in the queue and
    now fits it exactly (the automatic match's rule)."""

    order_number: str
    customer_id: int


class PaidLine(Model):
    """One payment counted towards an order: a bank line (ref) or a manual `order pay` (no ref)."""

    ref: str | None
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


class SlipVersion(ScanVersion):
    claimed_amount: Decimal
    claimed_on: date


class Rejection(Model):
    reasons: list[Reason]
    note: str
    remedy: Remedy
    stage: OrderStatus
    by: str
    at: datetime


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
    payments: list[PaidLine] = []
    credit_balance: Decimal = Decimal("0.00")  # overpaid: flagged for finance
    effective_on: date | None = None
    first_reviewer: str | None = None
    rounds: int = 0  # rejections so far
    allowed_rounds: int = 3  # the supervisor may allow more
    rejection: Rejection | None = None
    predecessor: str | None = None
    successor: str | None = None
    due_at: datetime | None = None


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
    supervisor: str | None = None
    slips: list[SlipVersion] = []
    # How finance settled the credit balance ("refunded by fay on 2026-12-01: …"); from the read model only.
    credit_settled: str | None = None
    # 认证: the membership's first day once the order is effective and certified; from the read model only.
    service_starts_on: date | None = None

    def parties(self) -> OrderParties:
        return OrderParties(self.number, self.partner, self.rep, self.fields.first_reviewer, self.supervisor)


class OrderSnapshot(Model):
    """All an order workflow knows, carried across continue-as-new."""

    status: OrderStatus
    since: datetime
    stage: int
    fields: OrderFields
    timeline: list[TimelineEntry]
    scans: list[ScanVersion]
    fired: list[tuple[int, Chase]]
    slips: list[SlipVersion] = []
    window_from: datetime | None = None  # a payment restarted the payment wait from here (domain.timers)


class TransitionRecord(Model):
    """One step as the read model stores it; idempotent by (order_number, seq)."""

    order_number: str
    partner: str
    rep: str
    seq: int
    action: Action
    actor: ActorRef | None  # None: the workflow itself, when a deadline passed
    source: OrderStatus | None
    target: OrderStatus
    at: datetime
    fields: OrderFields
    pending_role: Role | None
    pending_user: str | None
    payment: Decimal | None = None
    payment_on: date | None = None
    line_ref: str | None = None  # the bank line paid (pay) or released (unmatch)
    note: str | None = None
    issue_id: str | None = None
    supervisor: str | None = None
    status_since: datetime | None = None  # when the order entered `target`
    data: dict[str, str] = {}  # audit detail: reasons, before and after values


class NotifyInput(Model):
    """One notification; `key` makes it exactly-once whatever the retries."""

    key: str
    recipient: str
    order_number: str
    kind: str
    due_at: datetime | None
    text: str


class PromoteScanInput(Model):
    order_number: str
    partner: str
    staging_key: str
    size: int
    sha256: str
    filename: str
    uploaded_by: str


class HoldInput(Model):
    order_number: str
    keys: list[str]


class PromoteSlipInput(PromoteScanInput):
    claimed_amount: Decimal
    claimed_on: date


IssueInput.model_rebuild()
