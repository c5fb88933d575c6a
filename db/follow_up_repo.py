"""Reading and writing the follow-up read model (db/follow_up_models.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from db.digest_sources import DigestItem
from db.follow_up_models import FollowUp, FollowUpAttachment, FollowUpComment, FollowUpEvent
from db.models import Customer, Order, Partner, User
from domain.follow_ups import DESKS, OPEN, TYPE_LABELS, FollowUpType
from domain.people import Actor, Role, desk_address
from domain.permissions import Perm, Scope, allowed


def waiting_addresses(actor: Actor) -> list[str]:
    """Whom a case waits for when it waits for this actor: the actor by name, and the actor's desk."""
    return [actor.username, *([desk_address(actor.role)] if actor.role in DESKS else [])]


def case_partner() -> ColumnElement[Any]:
    """The case's partner NOW: its order's, or its customer's (a customer moved to another partner takes its
    cases along); the stored column only if the subject is gone."""
    return func.coalesce(
        select(Order.partner_code).where(Order.number == FollowUp.order_number).scalar_subquery(),
        select(Customer.partner_code).where(Customer.id == FollowUp.customer_id).scalar_subquery(),
        FollowUp.partner_code)


def current_partner(session: Session, order_number: str | None, customer_id: int | None) -> str | None:
    """The partner of a case's order or customer as it is now (None if neither exists)."""
    if order_number:
        return session.scalar(select(Order.partner_code).where(Order.number == order_number))
    if customer_id is not None:
        return session.scalar(select(Customer.partner_code).where(Customer.id == customer_id))
    return None


def visible_clause(scope: Scope, actor: Actor) -> ColumnElement[bool]:
    """The cases an actor sees (domain/follow_ups.py): their own (opened, assigned, at their desk); those over
    whose partner they are (see_team); and those whose order or customer they may see (see_orders,
    see_customers, in scope). A role with neither (the certification agency) sees only its own."""
    clauses: list[ColumnElement[bool]] = [FollowUp.opener == actor.username,
                                          FollowUp.assignee.in_(waiting_addresses(actor))]
    in_partners = case_partner().in_(scope.partners)
    if allowed(actor, Perm.SEE_TEAM) and not scope.own_only:
        clauses.append(true() if scope.everything else in_partners)
    for perm, column, held in ((Perm.SEE_ORDERS, FollowUp.order_number,
                                select(Order.number).where(Order.rep == scope.own_only)),
                               (Perm.SEE_CUSTOMERS, FollowUp.customer_id,
                                select(Customer.id).where(Customer.owner == scope.own_only))):
        if not allowed(actor, perm):
            continue
        if scope.everything:
            clauses.append(column.is_not(None))
        elif scope.own_only:
            clauses.append(column.in_(held))
        else:
            clauses.append(and_(column.is_not(None), in_partners))
    return or_(*clauses)


def list_cases(session: Session, scope: Scope, actor: Actor, *, status: str | None, kind: str | None,
               waiting: bool, limit: int, offset: int) -> Sequence[FollowUp]:
    stmt = select(FollowUp).where(visible_clause(scope, actor))
    if status:
        stmt = stmt.where(FollowUp.status == status)
    if kind:
        stmt = stmt.where(FollowUp.type == kind)
    if waiting:
        stmt = stmt.where(FollowUp.assignee.in_(waiting_addresses(actor)))
    return session.scalars(stmt.order_by(FollowUp.due_at, FollowUp.id).limit(limit).offset(offset)).all()


def waiting_for(session: Session, actor: Actor, limit: int) -> list[tuple[FollowUp, str | None]]:
    """Open cases waiting for the actor or their desk, and those of the actor's deactivated reports (as the inbox
    moves a deactivated user's tasks to their manager), each with the deactivated assignee or None."""
    stmt = select(FollowUp).where(FollowUp.status == OPEN, FollowUp.assignee.in_(waiting_addresses(actor)))
    own = [(c, None) for c in session.scalars(stmt.order_by(FollowUp.due_at).limit(limit))]
    gone = select(User.username).where(User.reports_to == actor.username, User.active.is_(False))
    left = session.scalars(select(FollowUp).where(FollowUp.status == OPEN, FollowUp.assignee.in_(gone))
                           .order_by(FollowUp.due_at).limit(limit))
    return own + [(c, c.assignee) for c in left]


def open_counts(session: Session, partners: set[str] | None, now: datetime) -> dict[str, Any]:
    """Open cases by type, and how many are past their due time, for the ops report (None: every partner)."""
    where: list[ColumnElement[bool]] = [FollowUp.status == OPEN]
    if partners is not None:
        where.append(case_partner().in_(partners))
    by_type = dict(session.execute(select(FollowUp.type, func.count()).where(*where).group_by(FollowUp.type)).all())
    overdue = session.scalar(select(func.count()).select_from(FollowUp).where(*where, FollowUp.due_at < now))
    return {"open_by_type": {t.value: int(by_type.get(t.value, 0)) for t in FollowUpType}, "overdue": int(overdue or 0)}


def history(session: Session, case_id: str) -> dict[str, list[Any]]:
    events = session.scalars(select(FollowUpEvent).where(FollowUpEvent.case_id == case_id)
                             .order_by(FollowUpEvent.at, FollowUpEvent.id))
    comments = session.scalars(select(FollowUpComment).where(FollowUpComment.case_id == case_id)
                               .order_by(FollowUpComment.at, FollowUpComment.id))
    files = session.scalars(select(FollowUpAttachment).where(FollowUpAttachment.case_id == case_id)
                            .order_by(FollowUpAttachment.version))
    return {
        "events": [{"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "detail": e.detail} for e in events],
        "comments": [{"at": c.at.isoformat(), "author": c.author, "text": c.text} for c in comments],
        "attachments": [{"version": f.version, "filename": f.filename, "size": f.size, "sha256": f.sha256,
                         "content_type": f.content_type, "uploaded_by": f.uploaded_by, "at": f.at.isoformat()}
                        for f in files],
    }


def manager_of(session: Session, username: str) -> str | None:
    user = session.get(User, username)
    return user.reports_to if user is not None else None


def partner_manager(session: Session, partner: str | None) -> str | None:
    row = session.get(Partner, partner) if partner else None
    return row.manager if row is not None else None


def digest_items(session: Session, username: str, now: datetime) -> list[DigestItem]:
    """The digest's source: open cases waiting for the person or their desk, overdue ones as such."""
    user = session.get(User, username)
    if user is None or not user.active:
        return []
    addresses = [username, *([desk_address(Role(user.role))] if Role(user.role) in DESKS else [])]
    items = []
    for case in session.scalars(select(FollowUp).where(FollowUp.status == OPEN, FollowUp.assignee.in_(addresses))
                                .order_by(FollowUp.due_at)):
        on = f"订单 {case.order_number}" if case.order_number else f"客户 {case.customer_id}"
        label = TYPE_LABELS[FollowUpType(case.type)]
        overdue = case.due_at < now
        what = f"跟进 {case.id} {label}（{on}）{'已逾期，' if overdue else ''}到期日 {case.due_on.isoformat()}"
        items.append(DigestItem("overdue" if overdue else "waiting", what, case.due_at, f"/follow-ups/{case.id}"))
    return items
