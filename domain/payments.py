"""Matching bank lines to orders waiting for payment, and the rules for matching by hand and undoing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.errors import InvalidInput, Refused


class LineStatus(StrEnum):
    UNMATCHED = "unmatched"  # no order fits
    AMBIGUOUS = "ambiguous"  # several orders fit; finance decides
    MATCHED = "matched"
    # Finance decided the money goes back to the payer (paid twice, paid by mistake, an order that will not be):
    # it leaves the matching queue but stays on finance's list until the refund is recorded as sent.
    REFUND_DUE = "refund_due"
    REFUNDED = "refunded"  # sent back; closed, with the reason and the refund's reference on the line's trail


class LineAction(StrEnum):
    """What a bank line's trail records: its import, the queue an automatic match left it in, and each decision
    about it. Stored as the value; the desk words each one (web/finance.py)."""

    IMPORTED = "imported"
    UNMATCHED = LineStatus.UNMATCHED.value  # the import or a retry left it in the queue: no order fits
    AMBIGUOUS = LineStatus.AMBIGUOUS.value  # ... several orders fit
    MATCHED = "matched"
    PAYER_MISMATCH = "payer mismatch"  # finance accepted a payment by another payer, with the reason
    UNMATCH = "unmatch"
    REFUND_DUE = "refund_due"
    REFUNDED = "refunded"
    REOPENED = "reopened"


# What matching may take (an import, an order's retry, a match by hand); a line to be refunded is not among them.
QUEUED = frozenset({LineStatus.UNMATCHED, LineStatus.AMBIGUOUS})
# On finance's list: what still waits for a decision or for the money to be sent back.
ON_THE_LIST = QUEUED | {LineStatus.REFUND_DUE}


class MatchKind(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


@dataclass(frozen=True)
class Candidate:
    order_number: str
    outstanding: Decimal
    # Waiting for payment (AWAITING_PAYMENT); False for an order that keeps money until it is approved or revived.
    waiting: bool = True


@dataclass(frozen=True)
class Decision:
    status: LineStatus
    order_number: str | None
    candidates: tuple[str, ...]


def decide_match(amount: Decimal, candidates: list[Candidate]) -> Decision:
    """Automatic only when exactly one order of the payer's customer owes exactly this amount. Orders waiting for
    payment come first: they are what the customer was asked to pay, so an order that only keeps money (signed but
    not yet approved, or EXPIRED) is considered only when no waiting order fits, and then it too must fit alone."""
    fitting = sorted(c.order_number for c in candidates if c.outstanding == amount and c.waiting)
    if not fitting:
        fitting = sorted(c.order_number for c in candidates if c.outstanding == amount)
    if len(fitting) == 1:
        return Decision(LineStatus.MATCHED, fitting[0], tuple(fitting))
    if len(fitting) > 1:
        return Decision(LineStatus.AMBIGUOUS, None, tuple(fitting))
    return Decision(LineStatus.UNMATCHED, None, tuple(sorted(c.order_number for c in candidates)))


def payer_mismatch(bank_ref: str, payer: str, number: str, customer: str | None, reason: str | None) -> str | None:
    """A line whose payer is not the order's customer (by name key, as the automatic match compares: `customer` is
    the order's customer's name then, else None) is matched by hand only with finance's reason, kept on the line's
    audit trail: money from a parent company or a private account is real, but never silently someone else's."""
    if customer is None:
        return None
    if not reason:
        raise InvalidInput(f'bank line {bank_ref} was paid by "{payer}", but order {number} is for "{customer}"; '
                           'matching a payment from another payer needs a reason (field "reason"; --reason)')
    return f"payer mismatch: {reason}"


def check_line_open(bank_ref: str, status: str, matched_to: str | None) -> None:
    """A line pays one order, once; a line finance is refunding pays none."""
    if status == LineStatus.MATCHED:
        raise Refused(f"bank line {bank_ref} is already matched to order {matched_to}; "
                      "unmatch it first if that match is wrong")
    if status == LineStatus.REFUND_DUE:
        raise Refused(f"bank line {bank_ref} is to be refunded to its payer; reopen it first if the money should "
                      f"pay an order after all (payments reopen {bank_ref} --reason ...)")
    if status == LineStatus.REFUNDED:
        raise Refused(f"bank line {bank_ref} was refunded to its payer; it can no longer pay an order")


def check_refund(bank_ref: str, status: str, matched_to: str | None) -> None:
    """Only money in the queue is marked for a refund: money on an order is unmatched from it first, with its own
    reason, so the order's record shows the money leaving."""
    if status == LineStatus.REFUND_DUE:
        raise Refused(f"bank line {bank_ref} is already marked to be refunded")
    check_line_open(bank_ref, status, matched_to)


def check_refund_sent(bank_ref: str, status: str) -> None:
    """A refund is recorded as sent, or taken back to the queue, only for a line marked to be refunded."""
    if status == LineStatus.REFUNDED:
        raise Refused(f"bank line {bank_ref} was refunded already")
    if status != LineStatus.REFUND_DUE:
        raise Refused(f"bank line {bank_ref} is not marked to be refunded (payments refund {bank_ref} --reason ...)")


def check_unmatch(bank_ref: str, status: str, matched_to: str | None, order_status: str | None) -> None:
    """Only a match that has not yet made its order effective can be undone."""
    if status != LineStatus.MATCHED or matched_to is None:
        raise Refused(f"bank line {bank_ref} is not matched to any order")
    if order_status == "EFFECTIVE":
        raise Refused(f"bank line {bank_ref} completed order {matched_to}, which has taken effect; "
                      "an effective order's payment can no longer be unmatched")


class CreditSettlement(StrEnum):
    """How finance settled what an effective order was paid beyond its amount (its credit balance)."""

    REFUNDED = "refunded"  # sent back to the customer
    CARRIED = "carried"  # kept as the customer's credit toward a later order (a renewal), on finance's books


def check_credit_settlement(number: str, status: str, credit_balance: Decimal, settled_as: str | None) -> None:
    """A credit balance is settled once, and only an effective order has one (money on an order that has not taken
    effect is kept on it, not a balance)."""
    if status != "EFFECTIVE" or credit_balance <= 0:
        raise Refused(f"order {number} has no credit balance to settle")
    if settled_as is not None:
        raise Refused(f"the credit balance of order {number} was settled already ({settled_as})")
