"""The order's state machine: which step may happen in which state, and by whom."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.errors import CustomerNotOwned, NotFound, NotPermitted, Refused, WrongState
from domain.numbers import NumberRange
from domain.people import ROLE_LABELS, Actor, Role


class OrderStatus(StrEnum):
    ISSUED = "ISSUED"
    AWAITING_ORIGINAL = "AWAITING_ORIGINAL"
    FIRST_REVIEW = "FIRST_REVIEW"
    AWAITING_SCAN = "AWAITING_SCAN"
    SECOND_REVIEW = "SECOND_REVIEW"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    EFFECTIVE = "EFFECTIVE"


class OrderKind(StrEnum):
    NEW = "new"  # 新签
    RENEWAL = "renewal"  # 续签


class Action(StrEnum):
    ISSUE = "issue"
    SIGN = "sign"
    RECEIVE = "receive"
    FIRST_REVIEW = "first_review"
    SCAN = "scan"
    SECOND_REVIEW = "second_review"
    PAY = "pay"


@dataclass(frozen=True)
class Step:
    source: OrderStatus | None
    target: OrderStatus
    role: Role


STEPS: dict[Action, Step] = {
    Action.ISSUE: Step(None, OrderStatus.ISSUED, Role.ASSISTANT),
    Action.SIGN: Step(OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL, Role.SALES),
    Action.RECEIVE: Step(OrderStatus.AWAITING_ORIGINAL, OrderStatus.FIRST_REVIEW, Role.ASSISTANT),
    Action.FIRST_REVIEW: Step(OrderStatus.FIRST_REVIEW, OrderStatus.AWAITING_SCAN, Role.ASSISTANT),
    Action.SCAN: Step(OrderStatus.AWAITING_SCAN, OrderStatus.SECOND_REVIEW, Role.ASSISTANT),
    Action.SECOND_REVIEW: Step(OrderStatus.SECOND_REVIEW, OrderStatus.AWAITING_PAYMENT, Role.ORDER_GROUP),
    # A partial payment keeps the order waiting; the completing one makes it effective.
    Action.PAY: Step(OrderStatus.AWAITING_PAYMENT, OrderStatus.EFFECTIVE, Role.FINANCE),
}

PENDING_ROLE: dict[OrderStatus, Role | None] = {
    OrderStatus.ISSUED: Role.SALES,
    OrderStatus.AWAITING_ORIGINAL: Role.ASSISTANT,
    OrderStatus.FIRST_REVIEW: Role.ASSISTANT,
    OrderStatus.AWAITING_SCAN: Role.ASSISTANT,
    OrderStatus.SECOND_REVIEW: Role.ORDER_GROUP,
    OrderStatus.AWAITING_PAYMENT: Role.FINANCE,
    OrderStatus.EFFECTIVE: None,
}

WAITING_FOR: dict[OrderStatus, str] = {
    OrderStatus.ISSUED: "the sales rep to sign it with a customer",
    OrderStatus.AWAITING_ORIGINAL: "the paper original to reach the assistant",
    OrderStatus.FIRST_REVIEW: "the assistant's first review",
    OrderStatus.AWAITING_SCAN: "the assistant to upload the scan",
    OrderStatus.SECOND_REVIEW: "the order group's second review",
    OrderStatus.AWAITING_PAYMENT: "the customer's payment",
    OrderStatus.EFFECTIVE: "nothing: the order is effective",
}


@dataclass(frozen=True)
class OrderParties:
    """Who an order belongs to and who has already acted on it (for separation of duties)."""

    number: str
    partner: str
    rep: str
    first_reviewer: str | None = None


def pending_user(status: OrderStatus, parties: OrderParties) -> str | None:
    return parties.rep if status is OrderStatus.ISSUED else None


def check_step(action: Action, status: OrderStatus | None, actor: Actor, parties: OrderParties) -> Step:
    """Refuse a step in the wrong state, by the wrong role, or outside the actor's scope."""
    step = STEPS[action]
    if status != step.source:
        expected = step.source.value if step.source else "not yet issued"
        raise WrongState(parties.number, status.value if status else "not issued", action.value, expected)
    check_actor(action, actor, parties)
    return step


def check_actor(action: Action, actor: Actor, parties: OrderParties) -> None:
    step = STEPS[action]
    if not actor.active:
        raise NotPermitted(f"{actor.describe()} is deactivated and may not {action.value} order {parties.number}")
    if actor.role is not step.role:
        raise NotPermitted(
            f"{actor.describe()} may not {action.value} order {parties.number}: "
            f"that needs the {ROLE_LABELS[step.role]} role"
        )
    if step.role in (Role.SALES, Role.ASSISTANT) and parties.partner not in actor.partners:
        raise NotPermitted(
            f"{actor.describe()} may not {action.value} order {parties.number}: "
            f"it belongs to partner {parties.partner}, outside the user's partners"
        )
    if action is Action.SIGN and actor.username != parties.rep:
        raise NotPermitted(
            f"{actor.describe()} may not sign order {parties.number}: the form was issued to {parties.rep}"
        )
    if action is Action.SECOND_REVIEW and actor.username == parties.first_reviewer:
        raise NotPermitted(
            f"{actor.describe()} did the first review of order {parties.number} and may not do the second"
        )


@dataclass(frozen=True)
class CustomerHolding:
    customer_id: int
    customer_name: str
    owner: str | None
    holder: str  # how to name the holder to a person: "bob (Bob Li, partner SH)" or "the public pool"


def check_signing_customer(customer: CustomerHolding, rep: str) -> None:
    """A rep signs only for a customer in the rep's own warehouse (the guard against 撞单)."""
    if customer.owner != rep:
        raise CustomerNotOwned(customer.customer_id, customer.customer_name, customer.holder, rep)


@dataclass(frozen=True)
class PaymentOutcome:
    paid_total: Decimal
    outstanding: Decimal
    overpaid: Decimal
    completes: bool


def apply_payment(amount_due: Decimal, paid_so_far: Decimal, payment: Decimal) -> PaymentOutcome:
    """Payments accumulate; the one that covers the amount completes the order."""
    total = paid_so_far + payment
    return PaymentOutcome(
        paid_total=total,
        outstanding=max(amount_due - total, Decimal("0.00")),
        overpaid=max(total - amount_due, Decimal("0.00")),
        completes=total >= amount_due,
    )


def check_issue(
    number: str, owning: NumberRange | None, actor: Actor, rep: Actor | None, rep_name: str,
    already_issued: bool,
) -> NumberRange:
    """A blank form is issued once, from its partner's range, by that partner's assistant, to that partner's rep."""
    if owning is None:
        raise Refused(f"order number {number} is outside every partner's number range")
    check_actor(Action.ISSUE, actor, OrderParties(number, owning.partner, rep_name))
    if already_issued:
        raise Refused(f"order number {number} has already been issued; a number is never issued twice")
    if rep is None:
        raise NotFound(f"there is no user '{rep_name}' to issue order {number} to")
    if rep.role is not Role.SALES or not rep.active:
        raise Refused(f"order {number} can only go to an active sales rep; {rep.describe()} is not one")
    if owning.partner not in rep.partners:
        raise Refused(
            f"order {number} is from partner {owning.partner}'s range but {rep_name} is not that partner's rep"
        )
    return owning
