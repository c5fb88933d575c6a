"""Reading follow-ups within the actor's scope: one case, a list, the inbox's and the ops report's sections.

A case the actor may not see answers exactly like a missing one ("there is no follow-up X")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from db.customer_repo import holding
from db.follow_up_models import FollowUp
from db.follow_up_repo import history, list_cases, open_counts, waiting_for
from db.models import CustomerCorrection, Order
from db.org_repo import scope_for
from domain.errors import InvalidInput, NotFound
from domain.follow_ups import CASE_ID, STATUSES, TYPE_LABELS, FollowUpType, Parties, is_party, oversees, parse_type
from domain.people import Actor
from domain.permissions import Perm, allowed
from services.context import Services
from services.order_reads import sees

INBOX_ROWS = 200


@dataclass(frozen=True)
class Subject:
    """What a case is about, as the scope rules need it."""

    order_number: str | None
    customer_id: int | None
    partner: str | None
    holder: str | None  # the order's rep, or the customer's owner


def sees_subject(session: Session, actor: Actor, subject: Subject) -> bool:
    """The visibility of reading the order or the customer itself."""
    perm = Perm.SEE_ORDERS if subject.order_number else Perm.SEE_CUSTOMERS
    return allowed(actor, perm) and sees(scope_for(session, actor), subject.partner, subject.holder)


def subject_of(session: Session, row: FollowUp) -> Subject:
    """The case's order or customer as it is now: its partner is the subject's current one (a customer moved to
    another partner takes its cases along), not the one stored when the case was opened."""
    if row.order_number:
        order = session.get(Order, row.order_number)
        if order is None:
            return Subject(row.order_number, None, row.partner_code, None)
        return Subject(row.order_number, None, order.partner_code, order.rep)
    found = holding(session, row.customer_id or 0)
    if found is None:
        return Subject(None, row.customer_id, row.partner_code, None)
    return Subject(None, row.customer_id, found[1], found[0])


def missing(case_id: str) -> NotFound:
    return NotFound(f"there is no follow-up {case_id}" if CASE_ID.fullmatch(case_id) else
                    "there is no such follow-up: a case id looks like 261130-3fa2b1")


@dataclass(frozen=True)
class Case:
    row: FollowUp
    parties: Parties
    covers: bool  # the case's partner is in the actor's scope (for the supervisors and managers over it)
    subject: Subject  # its order or customer as it is now


def load_case(session: Session, actor: Actor, case_id: str) -> Case:
    """The case, if the actor may see it: a party to it, over it, or able to see its order or customer."""
    row = session.get(FollowUp, case_id) if CASE_ID.fullmatch(case_id) else None
    if row is None:
        raise missing(case_id)
    parties = Parties(row.id, row.opener, row.assignee)
    subject = subject_of(session, row)
    covers = scope_for(session, actor).covers(subject.partner)
    if not (is_party(actor, parties) or oversees(actor, covers) or sees_subject(session, actor, subject)):
        raise missing(case_id)
    return Case(row, parties, covers, subject)


def case_row(c: FollowUp, now: datetime | None = None) -> dict[str, Any]:
    return {"case": c.id, "type": c.type, "label": TYPE_LABELS[FollowUpType(c.type)], "order": c.order_number,
            "customer": c.customer_id, "partner": c.partner_code, "opener": c.opener, "assignee": c.assignee,
            "due_on": c.due_on.isoformat(), "status": c.status, "overdue": c.overdue or bool(
                now and c.status == "OPEN" and c.due_at < now), "outcome": c.outcome}


def show(services: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """One case with its description, resolution, comments, attachments and events (who did what when); a name
    change shows its correction's state."""
    with services.transaction() as session:
        case = load_case(session, actor, case_id)
        c = case.row
        found = {**case_row(c, datetime.now(UTC)), "partner": case.subject.partner, "description": c.description,
                 "escalate_to": c.escalate_to,
                 "resolution": c.resolution, "reference": c.reference, "opened_at": c.opened_at.isoformat(),
                 "closed_at": c.closed_at.isoformat() if c.closed_at else None, **history(session, c.id)}
        if c.correction_id is not None:
            fix = session.get(CustomerCorrection, c.correction_id)
            found["correction"] = None if fix is None else {
                "id": fix.id, "after": fix.after, "status": fix.status, "decided_by": fix.decided_by,
                "decision": fix.decision}
        return found


def list_follow_ups(services: Services, actor: Actor, *, status: str | None = "OPEN", kind: str | None = None,
                    waiting: bool = False, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Cases in the actor's view, soonest due first; `waiting`: only those waiting for the actor or their desk
    (finance's queue: `--type refund` as finance)."""
    wanted = status.strip().upper() if status else None
    if wanted is not None and wanted not in STATUSES:
        raise InvalidInput(f"status '{status[:20] if status else ''}' is not one of: {', '.join(STATUSES)}")
    typed = parse_type(kind).value if kind else None
    with services.transaction() as session:
        rows = list_cases(session, scope_for(session, actor), actor, status=wanted, kind=typed, waiting=waiting,
                          limit=limit, offset=offset)
        now = datetime.now(UTC)
        return [case_row(c, now) for c in rows]


def inbox_section(services: Services, actor: Actor) -> list[dict[str, Any]]:
    """Open cases waiting for the actor or their desk, and those of the actor's deactivated reports."""
    with services.transaction() as session:
        now = datetime.now(UTC)
        return [{**case_row(c, now), **({"assignee": f"{gone} (deactivated)"} if gone else {})}
                for c, gone in waiting_for(session, actor, INBOX_ROWS)]


def report_section(services: Services, actor: Actor, moment: datetime, partner: str | None) -> dict[str, Any]:
    """The ops report's "follow_ups": open cases by type and how many are overdue, in the actor's scope."""
    with services.transaction() as session:
        scope = scope_for(session, actor)
        partners = {partner} if partner else (None if scope.everything else set(scope.partners))
        return open_counts(session, partners, moment)

