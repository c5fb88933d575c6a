"""A corrected licensed name (执照公司名): the holder, the holder's supervisor, the partner account or the order group
asks; the order group decides. The new name is checked for collisions like an entry when asked (a similar name
needs the same confirmation) and again, exactly, when approved; a collision refuses and tells both holders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.customer_repo import find_hits, pending_name, pending_names, rename
from db.models import Customer, CustomerCorrection, User
from db.org_repo import load_actor
from db.warehouse_repo import lock_customer
from domain.collisions import Hit, Match, decide_entry
from domain.corrections import APPLIED, PENDING, REJECTED, check_corrector, check_name
from domain.errors import NotFound, Refused
from domain.names import keys_of
from domain.people import Actor, Role
from domain.permissions import Perm, require
from domain.text import TextKind, check_text
from orderflow.contracts import NotifyInput
from services.context import Services
from services.corrections import conflict_notes, refused, tell
from services.customers import check_customer_visible, masked


def request_name(services: Services, actor: Actor, customer_id: int, *, name: str, reason: str,
                 confirm_distinct: bool = False) -> dict[str, Any]:
    """Ask for a corrected licensed name; it waits for the order group (one request per customer at a time)."""
    require(actor, Perm.CORRECT_CUSTOMER, "correct customers")
    clean, key = check_name(name)
    why = check_text(reason, TextKind.FREE_TEXT, "reason")
    with services.transaction() as session:
        check_customer_visible(session, actor, customer_id)
        customer = lock_customer(session, customer_id)
        holder = load_actor(session, customer.owner) if customer.owner else None
        check_corrector(actor, customer_id, holder, customer.partner_code)
        if clean == customer.name:
            raise Refused(f"customer {customer_id} is already named '{clean}'")
        waiting = pending_name(session, customer_id)
        if waiting is not None:
            raise Refused(f"customer {customer_id} already has a name correction waiting for the order group "
                          f"(correction {waiting.id}: '{waiting.after}')")
        hits = _name_hits(session, customer, key, services.settings.similar_name_threshold)
        exact = [h for h in hits if h.match is not Match.SIMILAR]
        if exact:
            notes = conflict_notes(session, actor, customer, exact, {Match.NAME: clean})
            refusal = refused(session, actor, customer, exact)
        else:
            decide_entry(masked(session, actor, hits), customer.owner or "", customer.region, confirm_distinct)
            row = CustomerCorrection(customer_id=customer_id, field="name", before=customer.name, after=clean,
                                     reason=why, status=PENDING, requested_by=actor.username,
                                     requested_at=datetime.now(UTC))
            session.add(row)
            session.flush()
            notes, answer = _to_order_group(session, customer, row), _view(row)
    tell(services, notes)  # after the commit; a refused request wrote nothing but these
    if exact:
        raise refusal
    return answer


def decide_name(services: Services, actor: Actor, customer_id: int, *, approve: bool,
                reason: str) -> dict[str, Any]:
    """The order group approves (the name is checked again, and applied with its key) or rejects the waiting
    request; the requester and the holder are told."""
    require(actor, Perm.DECIDE_CORRECTION, "decide name corrections")
    why = check_text(reason, TextKind.FREE_TEXT, "reason")
    try:
        return _decide(services, actor, customer_id, approve, why)
    except IntegrityError:
        # Another customer took the name key between the check and the write: the second pass finds it.
        return _decide(services, actor, customer_id, approve, why)


def _decide(services: Services, actor: Actor, customer_id: int, approve: bool, why: str) -> dict[str, Any]:
    with services.transaction() as session:
        check_customer_visible(session, actor, customer_id)
        customer = lock_customer(session, customer_id)
        row = pending_name(session, customer_id)
        if row is None:
            raise NotFound(f"customer {customer_id} has no name correction waiting")
        clean, key = check_name(row.after)
        exact = [h for h in _name_hits(session, customer, key, 100.0) if h.match is Match.NAME] if approve else []
        if exact:  # taken since the request: the request stays waiting, for the order group to reject
            notes = conflict_notes(session, actor, customer, exact, {Match.NAME: clean})
            refusal = refused(session, actor, customer, exact)
        else:
            if approve:
                rename(session, customer, clean, key)
            row.status = APPLIED if approve else REJECTED
            row.decided_by, row.decided_at, row.decision = actor.username, datetime.now(UTC), why
            notes, answer = _decided(customer, row), _view(row)
    tell(services, notes)
    if exact:
        raise refusal
    return answer


def waiting(services: Services, actor: Actor, *, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """Name corrections waiting for the order group, oldest first."""
    require(actor, Perm.DECIDE_CORRECTION, "see name corrections")
    with services.transaction() as session:
        return [_view(row) for row in pending_names(session, limit, offset)]


def _name_hits(session: Session, customer: Customer, key: str, threshold: float) -> list[Hit]:
    return [h for h in find_hits(session, keys_of(key), {}, threshold, customer.region)
            if h.customer_id != customer.id]


def _view(row: CustomerCorrection) -> dict[str, Any]:
    return {"correction": row.id, "customer": row.customer_id, "before": row.before, "after": row.after,
            "reason": row.reason, "status": row.status, "requested_by": row.requested_by,
            "decided_by": row.decided_by, "decision": row.decision}


def _to_order_group(session: Session, customer: Customer, row: CustomerCorrection) -> list[NotifyInput]:
    group = session.scalars(select(User.username).where(User.role == Role.ORDER_GROUP.value, User.active.is_(True)))
    return [NotifyInput(key=f"customer:{customer.id}:name-correction:{row.id}:{user}", recipient=user,
                        order_number=f"customer:{customer.id}", kind="name-correction", due_at=None,
                        text=f"{row.requested_by} asks to correct the licensed name of customer {customer.id} "
                             f"'{row.before}' to '{row.after}': {row.reason}") for user in sorted(group)]


def _decided(customer: Customer, row: CustomerCorrection) -> list[NotifyInput]:
    word = "approved" if row.status == APPLIED else "rejected"
    return [NotifyInput(key=f"customer:{customer.id}:name-correction:{row.id}:{word}:{user}", recipient=user,
                        order_number=f"customer:{customer.id}", kind="name-correction", due_at=None,
                        text=f"The name correction of customer {customer.id} '{row.before}' to '{row.after}' was "
                             f"{word} by {row.decided_by}: {row.decision}")
            for user in sorted({row.requested_by, *([customer.owner] if customer.owner else [])})]
