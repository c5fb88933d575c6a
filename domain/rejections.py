"""Why an order is unqualified (不合格订单), and what each reason needs before it comes round again."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum

from domain.errors import InvalidInput
from domain.order import OrderStatus


class Reason(StrEnum):
    MISSING_STAMP = "missing_stamp"
    NAME_NOT_AS_LICENSED = "name_not_as_licensed"
    SALES_SIGNATURE = "sales_signature"
    AMOUNT_MISMATCH = "amount_mismatch"
    MISSING_CONDITIONS = "missing_conditions"
    ILLEGIBLE_SCAN = "illegible_scan"
    OTHER = "other"


class Remedy(IntEnum):
    """Ordered by how far back the order must go: the strongest remedy of a rejection wins."""

    DATA_CORRECTION = 1
    NEW_SCAN = 2
    NEW_ORIGINAL = 3


REMEDY: dict[Reason, Remedy] = {
    Reason.MISSING_STAMP: Remedy.NEW_ORIGINAL,  # the customer must stamp a new paper form
    Reason.NAME_NOT_AS_LICENSED: Remedy.NEW_ORIGINAL,  # the name on the signed form itself is wrong
    Reason.SALES_SIGNATURE: Remedy.NEW_ORIGINAL,  # the rep must not sign: the form is invalid
    Reason.AMOUNT_MISMATCH: Remedy.DATA_CORRECTION,
    Reason.MISSING_CONDITIONS: Remedy.NEW_ORIGINAL,
    Reason.ILLEGIBLE_SCAN: Remedy.NEW_SCAN,
    Reason.OTHER: Remedy.DATA_CORRECTION,
}

LABELS: dict[Reason, str] = {
    Reason.MISSING_STAMP: "missing stamp",
    Reason.NAME_NOT_AS_LICENSED: "company name not as on the licence",
    Reason.SALES_SIGNATURE: "signed by the sales rep",
    Reason.AMOUNT_MISMATCH: "amount mismatch",
    Reason.MISSING_CONDITIONS: "effective conditions missing",
    Reason.ILLEGIBLE_SCAN: "illegible scan",
    Reason.OTHER: "other",
}


def parse_reasons(codes: Iterable[str]) -> list[Reason]:
    reasons: list[Reason] = []
    for code in codes:
        try:
            reason = Reason(code.strip().lower())
        except ValueError:
            raise InvalidInput(
                f"rejection reason '{code}' is not one of: {', '.join(r.value for r in Reason)}"
            ) from None
        if reason not in reasons:
            reasons.append(reason)
    if not reasons:
        raise InvalidInput("a rejection needs at least one reason code")
    return reasons


def remedy_of(reasons: Iterable[Reason]) -> Remedy:
    return max(REMEDY[r] for r in reasons)


def return_target(remedy: Remedy, rejected_at: OrderStatus) -> OrderStatus:
    """Where a corrected order comes round again: the step its reason requires, but never past the review that
    rejected it. The scan is made after the first review, so a first review's rejection (whatever its reasons)
    comes back through the first review; a second review's rejection for the scan goes back to the scan."""
    if remedy is Remedy.NEW_ORIGINAL:
        return OrderStatus.AWAITING_ORIGINAL
    if remedy is Remedy.NEW_SCAN and rejected_at is not OrderStatus.FIRST_REVIEW:
        return OrderStatus.AWAITING_SCAN
    return rejected_at
