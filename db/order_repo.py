"""The order read model: one row per order, its events, scans and payments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from db.models import Credit, Customer, Notification, Order, OrderEvent, Payment, Scan, Slip, User, UserPartner
from domain.errors import NotFound
from domain.order import PENDING_ROLE
from domain.people import Actor, Role
from domain.permissions import Scope
from domain.warehouse import FINAL_ORDER_STATUSES


@dataclass(frozen=True)
class EventRow:
    order_number: str
    seq: int
    action: str
    actor: str
    source: str | None
    target: str
    at: datetime
    note: str | None
    data: dict[str, str]


@dataclass(frozen=True)
class OrderWrite:
    """The order row's new values after a step (all optional fields already merged)."""

    number: str
    partner: str
    rep: str
    status: str
    pending_role: str | None
    pending_user: str | None
    values: dict[str, object]


def event_exists(session: Session, order_number: str, seq: int) -> bool:
    """Events are written 1..n with the order row's `last_seq` in one transaction, so the row answers: one
    lookup that `write_step` then finds in the session instead of querying again."""
    row = session.get(Order, order_number)
    return row is not None and row.last_seq >= seq


@dataclass(frozen=True)
class PaymentRow:
    amount: Decimal
    paid_on: date
    line_ref: str | None


def write_step(session: Session, event: EventRow, order: OrderWrite, payment: PaymentRow | None) -> None:
    """Write the event, the order row and any payment; the caller has checked the event is new."""
    row = session.get(Order, order.number)
    if row is None:
        row = Order(number=order.number, partner_code=order.partner, rep=order.rep, issued_at=event.at,
                    issue_id=str(order.values.get("issue_id", "")))
        session.add(row)
    row.status, row.pending_role, row.pending_user = order.status, order.pending_role, order.pending_user
    row.rep = order.rep  # a reassigned order's new rep; every other step carries the same one
    for name, value in order.values.items():
        setattr(row, name, value)
    row.last_seq, row.updated_at = event.seq, event.at
    session.flush()
    session.add(
        OrderEvent(
            order_number=event.order_number,
            seq=event.seq,
            action=event.action,
            actor=event.actor,
            source=event.source,
            target=event.target,
            at=event.at,
            note=event.note,
            data=event.data,
        )
    )
    if order.status == "EFFECTIVE" and row.customer_id is not None and session.scalar(
            select(Credit.id).where(Credit.order_number == order.number)) is None:
        # The customer was the rep's own at signing (signing checks it), so the credit is the rep's.
        session.add(Credit(order_number=order.number, customer_id=row.customer_id, rep=row.rep,
                           partner_code=row.partner_code, kind=row.kind or "new", amount=row.amount or Decimal(0),
                           effective_on=row.effective_on or event.at.date()))
    if payment is not None:
        session.add(
            Payment(order_number=event.order_number, seq=event.seq, amount=payment.amount, paid_on=payment.paid_on,
                    recorded_by=event.actor, at=event.at, line_ref=payment.line_ref)
        )




def partner_accounts(session: Session, partner: str) -> frozenset[str]:
    """The partner's agency accounts (its own warehouse), active or not."""
    return frozenset(session.scalars(select(User.username).join(UserPartner, UserPartner.username == User.username)
                                     .where(UserPartner.partner_code == partner, User.role == Role.PARTNER.value)))


def open_orders_of(session: Session, rep: str) -> list[str]:
    """The numbers of a rep's orders not in a final status: what is left to reassign when the rep leaves."""
    open_ = Order.status.not_in(sorted(FINAL_ORDER_STATUSES))
    return list(session.scalars(select(Order.number).where(Order.rep == rep, open_).order_by(Order.number)))


def list_orders(
    session: Session, *, status: str | None = None, partners: set[str] | None = None,
    rep: str | None = None, pending_role: str | None = None, limit: int = 500, offset: int = 0,
) -> list[Order]:
    """Newest first; the number breaks ties, so that pages neither repeat nor skip an order."""
    stmt = select(Order).order_by(Order.updated_at.desc(), Order.number).offset(offset).limit(limit)
    if status:
        stmt = stmt.where(Order.status == status)
    if partners is not None:
        stmt = stmt.where(Order.partner_code.in_(partners))
    if rep:
        stmt = stmt.where(Order.rep == rep)
    if pending_role:
        stmt = stmt.where(Order.pending_role == pending_role)
    return list(session.scalars(stmt))




FileRow = TypeVar("FileRow", Scan, Slip)


def file_by_staging_key(session: Session, model: type[FileRow], staging_key: str) -> FileRow | None:
    """A scan or slip already filed from this upload (a retried promotion finds it here)."""
    return session.scalar(select(model).where(model.staging_key == staging_key))


def next_file_version(session: Session, model: type[FileRow], number: str) -> int:
    latest = session.scalar(select(func.coalesce(func.max(model.version), 0)).where(model.order_number == number))
    return int(latest or 0) + 1


def get_customer(session: Session, customer_id: int) -> Customer:
    row = session.get(Customer, customer_id)
    if row is None:
        raise NotFound(f"there is no customer {customer_id}")
    return row


def notifications_for(session: Session, recipient: str, limit: int = 50) -> list[Notification]:
    stmt = select(Notification).where(Notification.recipient == recipient)
    return list(session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def credits(session: Session, rep: str | None = None, month: tuple[int, int] | None = None,
            partners: set[str] | None = None) -> list[Credit]:
    stmt = select(Credit).order_by(Credit.effective_on, Credit.order_number)
    if rep:
        stmt = stmt.where(Credit.rep == rep)
    if partners is not None:
        stmt = stmt.where(Credit.partner_code.in_(partners))
    if month:
        year, number = month
        first = date(year, number, 1)
        stmt = stmt.where(Credit.effective_on >= first,
                          Credit.effective_on < date(year + number // 12, number % 12 + 1, 1))
    return list(session.scalars(stmt))


def waiting_orders(session: Session, actor: Actor, scope: Scope, per_status: int = 500) -> list[Order]:
    """What waits for the actor: orders in a status that waits for the actor's role, within the actor's scope,
    pending for the actor by name or for the role with nobody named. The inbox's list and the daily digest's;
    by status in the process's order, then newest first, at most `per_status` of each."""
    partners = None if scope.own_only or scope.everything else set(scope.partners)
    found: list[Order] = []
    for status, role in PENDING_ROLE.items():
        if role is not actor.role:
            continue
        rows = list_orders(session, status=status.value, pending_role=role.value, limit=per_status,
                           rep=scope.own_only, partners=partners)
        found += [o for o in rows if (o.pending_user or o.pending_role) in (actor.username, role.value)]
    return found


def waiting_page(session: Session, actor: Actor, scope: Scope, gone: set[str], now: datetime, limit: int,
                 offset: int) -> tuple[list[Order], int, int]:
    """One page of what waits for the actor, the open tasks of their deactivated reports included, ordered in the
    database by deadline (so the longest overdue come first, those with no deadline last): the page, how many wait
    in all and how many of them are overdue. The desk's 我的待办, which must stay fast however long the list.
    `gone`: the actor's deactivated reports (deactivated_reports), named, so that with none (the usual case) the
    query is one plain condition the status index serves, not an OR over every open status."""
    where = _waiting(actor, scope, gone)
    total, overdue = session.execute(select(func.count(), func.count(case((Order.due_at < now, 1))))
                                     .select_from(Order).where(where)).one()
    rows = session.scalars(select(Order).where(where)
                           .order_by(Order.due_at.is_(None), Order.due_at, Order.updated_at, Order.number)
                           .offset(offset).limit(limit))
    return list(rows), int(total), int(overdue)


def _waiting(actor: Actor, scope: Scope, gone: set[str]) -> ColumnElement[bool]:
    """waiting_orders' rule as one condition, or a deactivated report's open task."""
    statuses = [status.value for status, role in PENDING_ROLE.items() if role is actor.role]
    mine: ColumnElement[bool] = false()
    if statuses:
        mine = and_(Order.status.in_(statuses), Order.pending_role == actor.role.value,
                    or_(Order.pending_user.is_(None), Order.pending_user == actor.username), _in_scope(scope))
    return or_(mine, _left_by_reports(gone, scope)) if gone else mine


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.own_only:
        return Order.rep == scope.own_only
    return true() if scope.everything else Order.partner_code.in_(scope.partners)


def _left_by_reports(gone: set[str], scope: Scope) -> ColumnElement[bool]:
    """The open tasks of the manager's deactivated reports, within the manager's scope (a task out of it would
    open as a missing order)."""
    waiting = [status.value for status, role in PENDING_ROLE.items() if role is not None]
    return and_(Order.pending_user.in_(sorted(gone)), Order.status.in_(waiting), _in_scope(scope))


def deactivated_reports(session: Session, manager: str) -> set[str]:
    return set(session.scalars(select(User.username).where(User.reports_to == manager, User.active.is_(False))))


def orders_pending_for_deactivated_reports(session: Session, manager: str, scope: Scope) -> list[Order]:
    gone = deactivated_reports(session, manager)
    if not gone:
        return []
    return list(session.scalars(select(Order).where(_left_by_reports(gone, scope)).order_by(Order.updated_at)))


def issued_numbers(session: Session, prefix: str) -> set[int]:
    numbers = session.scalars(select(Order.number).where(Order.number.like(f"{prefix}%")))
    return {int(n[len(prefix):]) for n in numbers if n[len(prefix):].isdigit()}


def order_status(session: Session, number: str) -> str | None:
    return session.scalar(select(Order.status).where(Order.number == number))
