"""Which steps a person may take on an order here and now: read from the state machine's own table and checks
(domain.order), never a second list, so a page offers exactly the steps the services would accept by role,
partner, rep and separation of duties. The services still check every step when it is sent."""

from __future__ import annotations

from domain.errors import DomainError
from domain.order import STEPS, Action, OrderParties, OrderStatus, check_step, check_supervisor_decides
from domain.people import Actor

# The steps a person takes on one order's page, in the order a page lists them. Issuing has no order yet; the
# money desk's steps (unmatch, reverse), late arrivals, restores and reassignments have their own pages and
# commands; the reviews' approval is one step whose name depends on the status.
ON_THE_PAGE: tuple[Action, ...] = (
    Action.SIGN, Action.RECEIVE, Action.FIRST_REVIEW, Action.SCAN, Action.SECOND_REVIEW, Action.MODIFY,
    Action.REJECT, Action.PAY, Action.CORRECT, Action.RESEND_ORIGINAL, Action.ALLOW_ROUND, Action.VOID,
    Action.REPORT_LOST, Action.REISSUE, Action.RESCAN,
)


def open_steps(status: OrderStatus, actor: Actor, parties: OrderParties, *, escalated: bool = False) -> list[Action]:
    """The page's steps this actor may take on an order in `status`. A supervisor's decision on a RETURNED order
    needs it to have been escalated to them (domain.order.check_supervisor_decides)."""
    found: list[Action] = []
    for action in ON_THE_PAGE:
        if status not in STEPS[action].sources:
            continue
        try:
            check_step(action, status, actor, parties)
            if action in (Action.ALLOW_ROUND, Action.VOID):
                check_supervisor_decides(parties.number, status, escalated)
        except DomainError:
            continue
        found.append(action)
    return found
