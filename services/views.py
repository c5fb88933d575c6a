"""What waits for the signed-in user (inbox), and commission credits."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Credit, Notification
from db.order_repo import (
    deactivated_reports,
    notifications_for,
    orders_pending_for_deactivated_reports,
    waiting_orders,
    waiting_page,
)
from db.org_repo import scope_for
from domain.errors import InvalidInput
from domain.order import PENDING_ROLE
from domain.people import Actor, desk_address
from domain.permissions import EVERYWHERE, Perm, require
from services.context import Services
from services.order_reads import order_row

INBOX_ROWS = 500  # per waiting status: an inbox that long is a backlog for the ops report, not a to-do list


def inbox(services: Services, actor: Actor) -> dict[str, Any]:
    """Orders waiting for the actor (by name, or by role within the actor's scope), the open tasks of the actor's
    deactivated reports, and the actor's latest notifications."""
    _may_see(actor)
    with services.transaction() as session:
        scope = scope_for(session, actor)
        rows = [order_row(o) for o in waiting_orders(session, actor, scope, INBOX_ROWS)]
        # A deactivated user's open tasks move to their manager.
        for order in orders_pending_for_deactivated_reports(session, actor.username, scope):
            rows.append({**order_row(order), "pending": f"{order.pending_user} (deactivated)"})
        notes = _notes(session, actor)
    return {"orders": rows, "notifications": notes, **_other_tasks(services, actor)}


def inbox_page(services: Services, actor: Actor, now: datetime, limit: int, offset: int) -> dict[str, Any]:
    """The same inbox a page at a time, every waiting order counted and sorted in the database by deadline (the
    longest overdue first, those with no deadline last): the desk's 我的待办, with no cap on what waits."""
    _may_see(actor)
    with services.transaction() as session:
        gone = deactivated_reports(session, actor.username)
        found, total, overdue = waiting_page(session, actor, scope_for(session, actor), gone, now, limit, offset)
        rows = [{**order_row(o), "overdue": o.due_at is not None and o.due_at < now,
                 **({"pending": f"{o.pending_user} (deactivated)", "left_by": o.pending_user}
                    if o.pending_user in gone else {"left_by": None})}
                for o in found]
        notes = _notes(session, actor)
    return {"orders": rows, "total": total, "overdue": overdue, "notifications": notes,
            **_other_tasks(services, actor)}


def _may_see(actor: Actor) -> None:
    if actor.role in PENDING_ROLE.values():
        require(actor, Perm.SEE_ORDERS, "see orders")


def _notes(session: Session, actor: Actor) -> list[dict[str, Any]]:
    return [{"order": n.order_number, "kind": n.kind, "text": n.text, "at": n.created_at.isoformat(),
             "due_at": n.due_at.isoformat() if n.due_at else None} for n in _notifications(session, actor)]


def _other_tasks(services: Services, actor: Actor) -> dict[str, Any]:
    """The certifications and follow-ups waiting for the actor (their own services, each its own transaction)."""
    from services.certifications import inbox as certifications_waiting
    from services.follow_up_reads import inbox_section

    return {"certifications": certifications_waiting(services, actor), "follow_ups": inbox_section(services, actor)}


def _notifications(session: Session, actor: Actor) -> list[Notification]:
    """The actor's own, and for an all-partner desk (order group, finance) those addressed to the desk itself."""
    mine = notifications_for(session, actor.username)
    if actor.role not in EVERYWHERE:
        return mine
    both = [*mine, *notifications_for(session, desk_address(actor.role))]
    return sorted(both, key=lambda n: (n.created_at, n.id), reverse=True)[:50]  # as many as notifications_for gives


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of a YYYY-MM text, in the years every date input accepts (api.deps.Day: 1900..9000), which
    both databases store and compare alike; the month after December 9999 would not be a date at all."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput(f"month '{text}' is not in the form YYYY-MM")
    year = int(match.group(1))
    if not 1900 <= year <= 9000:
        raise InvalidInput(f"month '{text}' must lie between 1900-01 and 9000-12")
    return year, int(match.group(2))


def credits(services: Services, actor: Actor, rep: str | None = None, month: str | None = None,
            limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Commission credits of effective orders in the actor's scope, oldest effective first: a rep sees only their
    own (whatever `rep` says), a scoped role its partners', the all-partner roles everyone's."""
    require(actor, Perm.SEE_CREDITS, "see commission credits")
    period = parse_month(month) if month else None
    with services.transaction() as session:
        visible = scope_for(session, actor)
        stmt = select(Credit).order_by(Credit.effective_on, Credit.order_number)
        who = visible.own_only or rep
        if who:
            stmt = stmt.where(Credit.rep == who)
        if not visible.everything and not visible.own_only:
            stmt = stmt.where(Credit.partner_code.in_(visible.partners))
        if period:
            year, number = period
            stmt = stmt.where(Credit.effective_on >= date(year, number, 1),
                              Credit.effective_on < date(year + number // 12, number % 12 + 1, 1))
        return [{"order": c.order_number, "rep": c.rep, "partner": c.partner_code, "kind": c.kind,
                 "amount": str(c.amount), "effective_on": c.effective_on.isoformat(), "customer": c.customer_id}
                for c in session.scalars(stmt.limit(limit).offset(offset))]
