"""Reading orders within the actor's scope: one order, a page of them, a link to one of their files.

Outside the scope answers exactly like missing (the same `NotFound`, word for word), so a guessed order number
or scan key tells a caller nothing about another partner's business."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from db.models import Order
from db.order_repo import list_orders as stored_orders
from db.org_repo import scope_for
from domain.errors import InvalidInput, NotFound, no_order
from domain.numbers import parse_number
from domain.order import OrderStatus
from domain.people import Actor
from domain.permissions import Perm, Scope, require
from orderflow.contracts import OrderView
from services.context import Services


def sees(scope: Scope, partner: str | None, holder: str | None) -> bool:
    """A rep sees only what they hold or signed; everyone else the partners in their scope, or everything."""
    if scope.own_only:
        return holder == scope.own_only
    return scope.covers(partner)


def check_visible(session: Session, actor: Actor, partner: str | None, holder: str | None,
                  missing: NotFound) -> None:
    """Refuse what lies outside the actor's scope with `missing`: the answer a missing object gets."""
    if not sees(scope_for(session, actor), partner, holder):
        raise missing


def visible_number(session: Session, actor: Actor, number_text: str) -> str:
    """The order's number, if it exists and lies within the actor's scope; `NotFound` alike otherwise."""
    number = str(parse_number(number_text))
    row = session.get(Order, number)
    missing = no_order(number)
    if row is None:
        raise missing
    check_visible(session, actor, row.partner_code, row.rep, missing)
    return number


def show_order(services: Services, actor: Actor, number: str) -> OrderView:
    """The order from the read model: never behind the workflow, and it answers while Temporal is down."""
    from orderflow.read_view import order_view

    require(actor, Perm.SEE_ORDERS, "see orders")
    with services.transaction() as session:
        number = visible_number(session, actor, number)
        view = order_view(session, number)
        row = session.get(Order, number)
        if row is not None and row.service_starts_on is not None:  # 认证: set once the certification passed
            view = view.model_copy(update={"service_starts_on": row.service_starts_on})
        return view


def list_orders(services: Services, actor: Actor, status: str | None = None, pending_role: str | None = None,
                limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Orders within the actor's scope (a rep's own, the partners in scope, or all), newest first, as rows.
    The scope and the page are applied in the query."""
    require(actor, Perm.SEE_ORDERS, "see orders")
    if status is not None:
        if status.upper() not in OrderStatus.__members__:
            raise InvalidInput(f"status '{status}' is not one of: {', '.join(OrderStatus.__members__)}")
        status = status.upper()
    with services.transaction() as session:
        scope = scope_for(session, actor)
        limits: dict[str, Any] = {}
        if scope.own_only:
            limits["rep"] = scope.own_only
        elif not scope.everything:
            limits["partners"] = set(scope.partners)
        found = stored_orders(session, **limits, status=status, pending_role=pending_role, limit=limit,
                              offset=offset)
        return [order_row(o) for o in found]


def order_row(o: Order) -> dict[str, Any]:
    return {"number": o.number, "partner": o.partner_code, "rep": o.rep, "status": o.status,
            "pending": o.pending_user or o.pending_role, "customer": o.customer_name,
            "amount": str(o.amount) if o.amount is not None else None, "updated_at": o.updated_at.isoformat(),
            "due_at": o.due_at.isoformat() if o.due_at is not None else None}


def file_link(services: Services, actor: Actor, number: str, slip: bool = False,
              version: int | None = None) -> dict[str, Any]:
    """A short-lived link to a scan or slip of an order in scope, given only after the scope check, and the
    file's legal hold."""
    from orderflow.s3 import legal_hold, presigned_get

    view = show_order(services, actor, number)
    what = "remittance slip" if slip else "scan"
    files = list(view.slips) if slip else list(view.scans)
    chosen = files[-1] if files and version is None else next((f for f in files if f.version == version), None)
    if chosen is None:
        have = ", ".join(f"v{f.version}" for f in files) or "none yet"
        raise NotFound(f"order {view.number} has no {what}{f' v{version}' if version else ''} (it has: {have})")
    s3, bucket, seconds = services.s3(), services.settings.s3_bucket, services.settings.presign_seconds
    return {"order": view.number, "what": what, "version": chosen.version, "key": chosen.key,
            "url": presigned_get(s3, bucket, chosen.key, seconds), "expires_in_seconds": seconds,
            "legal_hold": legal_hold(s3, bucket, chosen.key)}
