"""The words a page shows for the process's codes, written in English and translated by the catalogue (the
domain's own labels, ROLE_LABELS, WAITING_FOR and the rejection reasons, are used as they are)."""

from __future__ import annotations

from domain.errors import ErrorKind
from domain.order import Action, OrderKind, OrderStatus


def N_(text: str) -> str:  # noqa: N802 - gettext's name for "a text to translate where it is shown"
    """Marks a text the catalogue must translate (tests/unit/test_desk_texts.py finds every one)."""
    return text


STATUS: dict[OrderStatus, str] = {
    OrderStatus.ISSUED: N_("Issued, not yet signed"),
    OrderStatus.AWAITING_ORIGINAL: N_("Waiting for the original"),
    OrderStatus.FIRST_REVIEW: N_("First review"),
    OrderStatus.AWAITING_SCAN: N_("Waiting for the scan"),
    OrderStatus.SECOND_REVIEW: N_("Second review"),
    OrderStatus.AWAITING_PAYMENT: N_("Waiting for payment"),
    OrderStatus.EFFECTIVE: N_("Effective"),
    OrderStatus.RETURNED: N_("Returned for correction"),
    OrderStatus.ESCALATED: N_("Escalated to the supervisor"),
    OrderStatus.LOST: N_("Original lost"),
    OrderStatus.VOID: N_("Void"),
    OrderStatus.REISSUED: N_("Reissued"),
    OrderStatus.EXPIRED: N_("Expired unpaid"),
}

KIND: dict[OrderKind, str] = {OrderKind.NEW: N_("new"), OrderKind.RENEWAL: N_("renewal")}

# What a step did, as the timeline tells it after the person's name ("amy received the original").
DID: dict[Action, str] = {
    Action.ISSUE: N_("issued the blank form"),
    Action.SIGN: N_("recorded the signed order"),
    Action.RECEIVE: N_("received the paper original"),
    Action.FIRST_REVIEW: N_("approved it at the first review"),
    Action.SCAN: N_("uploaded the scan"),
    Action.SECOND_REVIEW: N_("approved it at the second review"),
    Action.PAY: N_("recorded a payment"),
    Action.REJECT: N_("returned it to the rep"),
    Action.CORRECT: N_("sent it back corrected"),
    Action.RESEND_ORIGINAL: N_("sent a re-signed original"),
    Action.MODIFY: N_("modified it at the second review"),
    Action.RESCAN: N_("uploaded a new scan"),
    Action.ALLOW_ROUND: N_("allowed one more round"),
    Action.VOID: N_("voided it"),
    Action.REPORT_LOST: N_("reported it lost"),
    Action.REISSUE: N_("reissued it under a new number"),
    Action.SLIP: N_("attached a remittance slip"),
    Action.UNMATCH: N_("took back a matched bank line"),
    Action.REVERSE: N_("reversed a payment"),
    Action.REVIVE: N_("revived it"),
    Action.RECEIVE_LATE: N_("received the original after it was lost"),
    Action.WITHDRAW_REISSUE: N_("withdrew the reissue"),
    Action.RESTORE: N_("restored the voided blank form"),
    Action.REASSIGN: N_("handed it to another rep"),
    Action.REMIND: N_("sent a reminder"),
    Action.ESCALATE: N_("escalated it"),
    Action.PRESUME_LOST: N_("presumed it lost"),
    Action.EXPIRE: N_("let it expire unpaid"),
}

# The button of each step an order's page offers (domain.next_steps.ON_THE_PAGE).
BUTTON: dict[Action, str] = {
    Action.SIGN: N_("Record the signing"),
    Action.RECEIVE: N_("The original has arrived"),
    Action.FIRST_REVIEW: N_("Approve (first review)"),
    Action.SCAN: N_("Upload the scan"),
    Action.SECOND_REVIEW: N_("Approve (second review)"),
    Action.MODIFY: N_("Modify"),
    Action.REJECT: N_("Return to the rep"),
    Action.PAY: N_("Record a payment"),
    Action.CORRECT: N_("Send back corrected"),
    Action.RESEND_ORIGINAL: N_("A re-signed original is on its way"),
    Action.ALLOW_ROUND: N_("Allow one more round"),
    Action.VOID: N_("Void the order"),
    Action.REPORT_LOST: N_("Report it lost"),
    Action.REISSUE: N_("Reissue under a new number"),
    Action.RESCAN: N_("Upload a new scan"),
}

# The heading over a refusal; its details are the service's own message.
REFUSAL: dict[ErrorKind, str] = {
    ErrorKind.INVALID: N_("Please check what you entered"),
    ErrorKind.REFUSED: N_("This step cannot be taken now"),
    ErrorKind.FORBIDDEN: N_("You may not do this"),
    ErrorKind.NOT_FOUND: N_("Not found"),
    ErrorKind.UNAVAILABLE: N_("The system is busy; please try again shortly"),
    ErrorKind.UNAUTHENTICATED: N_("Please sign in"),
    ErrorKind.THROTTLED: N_("Too many attempts"),
    ErrorKind.TOO_LARGE: N_("Too large"),
}

# How a customer entered matched one already stored (domain.collisions.Match's values).
MATCH: dict[str, str] = {"name": N_("the same name"), "phone": N_("the same telephone"), "fax": N_("the same fax"),
                         "similar name": N_("a similar name")}
