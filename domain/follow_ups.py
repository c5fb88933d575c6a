"""Special follow-ups (其它特殊问题跟进): a case that does not fit the order's path, and its rules.

Who may do what (the one place it is said):
- open a case: anyone who may see its order (Perm.SEE_ORDERS, in scope) or its customer (Perm.SEE_CUSTOMERS, in
  scope); out of scope answers like missing.
- see a case: anyone who may act on it, and anyone who may see its order or customer.
- act on it (comment, attach, reassign, change the due date, close): its opener; its assignee, or anyone at the
  assignee desk; and the supervisors and managers over them: a role with Perm.SEE_TEAM whose scope covers the
  case's partner (a sales supervisor, partner account, channel manager, HQ representative or director over it).
- an assignee: an active person whose scope covers the case's order or customer, or a desk (finance, the order
  group, the approval group: the all-partner desks whose inbox shows a desk's work).
- escalation when overdue goes to the assignee's manager (reports_to); a desk, or a person without a manager,
  escalates to the channel manager of the case's partner; with neither, to the opener's manager, and last to
  the opener. A manager who may not act on the case (deactivated, or not over its partner) is skipped.
  Each reminder and escalation happens once per wait; a new due date or assignee starts a new wait.
- the case's partner is its order's or customer's partner NOW (a customer moved to another partner takes its
  cases along).
- a name change closes as resolved only once its correction is applied.
- reassigning an overdue case keeps it overdue (no second escalation) until a new due date.
- a deactivated assignee: their reminders and escalations go to their manager (as the inbox moves a deactivated
  user's tasks), and the case shows in that manager's inbox until someone reassigns it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from domain.corrections import APPLIED, PENDING, REJECTED
from domain.errors import InvalidInput, NotPermitted, Refused
from domain.fields import BUSINESS_TZ
from domain.people import ROLE_LABELS, Actor, Role, desk_address
from domain.permissions import Perm, allowed


class FollowUpType(StrEnum):
    DISPUTE = "dispute"
    INVOICE = "invoice"
    REFUND = "refund"
    NAME_CHANGE = "name_change"
    COMPLAINT = "complaint"
    OTHER = "other"


TYPE_LABELS: dict[FollowUpType, str] = {
    FollowUpType.DISPUTE: "收费异议", FollowUpType.INVOICE: "开具发票", FollowUpType.REFUND: "退款申请",
    FollowUpType.NAME_CHANGE: "执照名称变更", FollowUpType.COMPLAINT: "投诉", FollowUpType.OTHER: "其它",
}


class Outcome(StrEnum):
    RESOLVED = "resolved"  # done as asked (a refund paid: with its reference)
    DECLINED = "declined"  # looked into and refused
    WITHDRAWN = "withdrawn"  # the customer no longer asks


OUTCOME_LABELS: dict[Outcome, str] = {Outcome.RESOLVED: "已解决", Outcome.DECLINED: "已拒绝",
                                      Outcome.WITHDRAWN: "已撤回"}

OPEN, CLOSED = "OPEN", "CLOSED"
STATUSES = (OPEN, CLOSED)
# Where each type goes when the opener names no assignee: a refund always reaches finance's queue (and stays
# there, check_refund_assignee); a name change goes to the order group, who decide its correction.
DESK_OF: dict[FollowUpType, Role] = {FollowUpType.REFUND: Role.FINANCE, FollowUpType.NAME_CHANGE: Role.ORDER_GROUP}
# The desks a case may wait at: the central groups whose inbox shows a desk's work (not the certification agency,
# which is outside the company).
DESKS = frozenset({Role.ORDER_GROUP, Role.APPROVAL_GROUP, Role.FINANCE})
# Each comment and attachment is part of the case's workflow history: a case is a case, not a chat.
MAX_COMMENTS = 200
MAX_ATTACHMENTS = 30
MAX_DUE_DAYS = 366  # a due date further out is a typo (a year, not a day)
REMIND_BEFORE = timedelta(days=1)  # the assignee is reminded a day before the due time
CASE_ID = re.compile(r"\d{6}-[0-9a-f]{6}")
CASE_ID_PATTERN = r"^\d{6}-[0-9a-f]{6}$"


def parse_type(value: str) -> FollowUpType:
    try:
        return FollowUpType(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"type '{value[:40]}' is not one of: {', '.join(t.value for t in FollowUpType)}") from None


def parse_outcome(value: str) -> Outcome:
    try:
        return Outcome(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"outcome '{value[:40]}' is not one of: {', '.join(o.value for o in Outcome)}") from None


def desk_role(assignee: str) -> Role | None:
    """The desk's role for a desk address ("desk:finance"), else None (a person)."""
    if not assignee.startswith("desk:"):
        return None
    try:
        role = Role(assignee.removeprefix("desk:"))
    except ValueError:
        role = None
    if role not in DESKS:
        raise InvalidInput(f"assignee '{assignee[:40]}' is not a desk: use one of "
                           f"{', '.join(desk_address(r) for r in sorted(DESKS))}, or a username")
    return role


def due_moment(day: date) -> datetime:
    """A case due on a Beijing day is due at the end of it (the next day's 00:00 in Beijing)."""
    return datetime.combine(day + timedelta(days=1), time(0), BUSINESS_TZ)


def check_due(day: date, today: date) -> date:
    """A due date is a Beijing day from today on, and not absurdly far."""
    if day < today:
        raise InvalidInput(f"due date {day.isoformat()} is in the past (today is {today.isoformat()} in Beijing)")
    if day > today + timedelta(days=MAX_DUE_DAYS):
        raise InvalidInput(f"due date {day.isoformat()} is more than {MAX_DUE_DAYS} days away: "
                           "check the year")
    return day


def remind_at(due_at: datetime) -> datetime:
    return due_at - REMIND_BEFORE


@dataclass(frozen=True)
class Parties:
    """Who a case concerns: enough for the permission rule, without the database."""

    case_id: str
    opener: str
    assignee: str  # a username or a desk address


def at_desk(actor: Actor, assignee: str) -> bool:
    return assignee == desk_address(actor.role) and actor.role in DESKS


def is_party(actor: Actor, parties: Parties) -> bool:
    return actor.username in (parties.opener, parties.assignee) or at_desk(actor, parties.assignee)


def oversees(actor: Actor, covers_partner: bool) -> bool:
    """A supervisor or manager over the case: sees the team, and the case's partner is in their scope."""
    return covers_partner and allowed(actor, Perm.SEE_TEAM)


def check_may_act(actor: Actor, parties: Parties, covers_partner: bool, what: str) -> None:
    if not actor.active:
        raise NotPermitted(f"{actor.describe()} is deactivated and may not {what}")
    if not (is_party(actor, parties) or oversees(actor, covers_partner)):
        raise NotPermitted(f"{actor.describe()} may not {what} of follow-up {parties.case_id}: only its opener, "
                           "its assignee (or the assignee desk) and the supervisors and managers over them may")


def check_assignee_role(username: str, role: Role, active: bool, covers: bool) -> None:
    """A person may be assigned if active and the case's order or customer lies in their scope."""
    if not active:
        raise Refused(f"assignee {username} is deactivated: assign the case to an active person or a desk")
    if not covers:
        raise Refused(f"assignee {username} ({ROLE_LABELS[role]}) cannot see this case's order or customer: "
                      "assign someone whose scope covers it, or a desk")


def check_refund_assignee(kind: FollowUpType, role: Role) -> None:
    """A refund stays in finance's queue: its desk, or a person of finance."""
    if kind is FollowUpType.REFUND and role is not Role.FINANCE:
        raise Refused("a refund request stays with finance: assign it to desk:finance or a finance person")


def check_open(status: str, case_id: str) -> None:
    if status != OPEN:
        raise Refused(f"follow-up {case_id} is closed")


def check_close(kind: FollowUpType, outcome: Outcome, reference: str | None, correction_status: str | None) -> None:
    """A refund resolved names its payment's reference; a name change closes once the order group decided it."""
    if kind is FollowUpType.REFUND and outcome is Outcome.RESOLVED and not reference:
        raise InvalidInput("a refund closed as resolved needs the refund's reference (--reference)")
    if kind is not FollowUpType.REFUND and reference:
        raise InvalidInput("only a refund records a reference")
    if kind is FollowUpType.NAME_CHANGE and correction_status == PENDING:
        raise Refused("the name correction still waits for the order group: close the case once it is decided")
    if kind is FollowUpType.NAME_CHANGE and outcome is Outcome.RESOLVED and correction_status != APPLIED:
        why = "was rejected" if correction_status == REJECTED else "was not applied"
        raise Refused(f"the name correction {why}: close the case as declined or withdrawn")


def check_room(count: int, cap: int, what: str, case_id: str) -> None:
    """A case's comments and attachments are capped: each one lives in the case's history."""
    if count >= cap:
        raise Refused(f"follow-up {case_id} already has {cap} {what}, the most a case holds: close it and open "
                      "a new case")


def escalation_target(candidates: list[str | None], may_act: dict[str, bool], opener: str) -> str:
    """Whom an overdue case goes to (see the module's rules): the first of the assignee's manager, the partner's
    channel manager and the opener's manager who may act on the case (active, and over its partner); else the
    opener."""
    return next((c for c in candidates if c and may_act.get(c)), opener)
