"""The words a page shows for the process's codes, written in English and translated by the catalogue (the
domain's own labels, ROLE_LABELS, WAITING_FOR and the rejection reasons, are used as they are)."""

from __future__ import annotations

from domain.errors import ErrorKind
from domain.order import Action, OrderStatus

STATUS: dict[OrderStatus, str] = {
    OrderStatus.ISSUED: "Issued, not yet signed",
    OrderStatus.AWAITING_ORIGINAL: "Waiting for the original",
    OrderStatus.FIRST_REVIEW: "First review",
    OrderStatus.AWAITING_SCAN: "Waiting for the scan",
    OrderStatus.SECOND_REVIEW: "Second review",
    OrderStatus.AWAITING_PAYMENT: "Waiting for payment",
    OrderStatus.EFFECTIVE: "Effective",
    OrderStatus.RETURNED: "Returned for correction",
    OrderStatus.ESCALATED: "Escalated to the supervisor",
    OrderStatus.LOST: "Original lost",
    OrderStatus.VOID: "Void",
    OrderStatus.REISSUED: "Reissued",
    OrderStatus.EXPIRED: "Expired unpaid",
}

# What a step did, as the timeline tells it after the person's name ("amy received the original").
DID: dict[Action, str] = {
    Action.ISSUE: "issued the blank form",
    Action.SIGN: "recorded the signed order",
    Action.RECEIVE: "received the paper original",
    Action.FIRST_REVIEW: "approved it at the first review",
    Action.SCAN: "uploaded the scan",
    Action.SECOND_REVIEW: "approved it at the second review",
    Action.PAY: "recorded a payment",
    Action.REJECT: "returned it to the rep",
    Action.CORRECT: "sent it back corrected",
    Action.RESEND_ORIGINAL: "sent a re-signed original",
    Action.MODIFY: "modified it at the second review",
    Action.RESCAN: "uploaded a new scan",
    Action.ALLOW_ROUND: "allowed one more round",
    Action.VOID: "voided it",
    Action.REPORT_LOST: "reported it lost",
    Action.REISSUE: "reissued it under a new number",
    Action.SLIP: "attached a remittance slip",
    Action.UNMATCH: "took back a matched bank line",
    Action.REVERSE: "reversed a payment",
    Action.REVIVE: "revived it",
    Action.RECEIVE_LATE: "received the original after it was lost",
    Action.WITHDRAW_REISSUE: "withdrew the reissue",
    Action.RESTORE: "restored the voided blank form",
    Action.REASSIGN: "handed it to another rep",
    Action.REMIND: "sent a reminder",
    Action.ESCALATE: "escalated it",
    Action.PRESUME_LOST: "presumed it lost",
    Action.EXPIRE: "let it expire unpaid",
}

# The button of each step an order's page offers (domain.next_steps.ON_THE_PAGE).
BUTTON: dict[Action, str] = {
    Action.SIGN: "Record the signing",
    Action.RECEIVE: "The original has arrived",
    Action.FIRST_REVIEW: "Approve (first review)",
    Action.SCAN: "Upload the scan",
    Action.SECOND_REVIEW: "Approve (second review)",
    Action.MODIFY: "Modify",
    Action.REJECT: "Return to the rep",
    Action.PAY: "Record a payment",
    Action.CORRECT: "Send back corrected",
    Action.RESEND_ORIGINAL: "A re-signed original is on its way",
    Action.ALLOW_ROUND: "Allow one more round",
    Action.VOID: "Void the order",
    Action.REPORT_LOST: "Report it lost",
    Action.REISSUE: "Reissue under a new number",
    Action.RESCAN: "Upload a new scan",
}

# The heading over a refusal; its details are the service's own message.
REFUSAL: dict[ErrorKind, str] = {
    ErrorKind.INVALID: "Please check what you entered",
    ErrorKind.REFUSED: "This step cannot be taken now",
    ErrorKind.FORBIDDEN: "You may not do this",
    ErrorKind.NOT_FOUND: "Not found",
    ErrorKind.UNAVAILABLE: "The system is busy; please try again shortly",
    ErrorKind.UNAUTHENTICATED: "Please sign in",
    ErrorKind.THROTTLED: "Too many attempts",
    ErrorKind.TOO_LARGE: "Too large",
}
