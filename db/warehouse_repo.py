"""Moving customers between warehouses and the public pool; every move leaves an ownership record."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from db.customer_repo import held_by, holder_label
from db.models import Application, Customer, CustomerNote, Order, Ownership, User, UserPartner
from db.org_repo import load_actor
from db.pool_repo import claims_since, released_by
from domain.errors import NotFound, NotPermitted, no_customer
from domain.fields import business_day_start
from domain.people import Actor, Role
from domain.permissions import Scope
from domain.warehouse import (
    EFFECTIVE,
    FINAL_ORDER_STATUSES,
    ClaimRules,
    LeftCustomer,
    Placement,
    PoolCustomer,
    check_cap,
    check_claim,
    check_hand_over,
    place_left_customers,
)


def lock_customer(session: Session, customer_id: int, lock: bool = True) -> Customer:
    stmt = select(Customer).where(Customer.id == customer_id)
    # Two reps claiming one customer at once: the row lock makes the second see the first's claim.
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise no_customer(customer_id)
    return found


def pool_view(session: Session, customer: Customer) -> PoolCustomer:
    return PoolCustomer(customer.id, customer.name, customer.owner, holder_label(session, customer.owner),
                        customer.region)


def move(session: Session, customer: Customer, new_owner: str | None, *, reason: str, actor: str, at: datetime,
         partner: str | None = None) -> None:
    session.add(Ownership(customer_id=customer.id, previous_owner=customer.owner, new_owner=new_owner,
                          reason=reason, actor=actor, at=at))
    customer.owner = new_owner
    if new_owner is not None:
        customer.partner_code = partner
        customer.last_contact_at = at  # a new holder starts a new follow-up period


def claim(session: Session, customer_id: int, actor: Actor, at: datetime, rules: ClaimRules,
          caps: dict[Role, int]) -> Customer:
    """挑入: take a customer from the public pool of the rep's own regions."""
    customer = lock_customer(session, customer_id)
    # The same counts the pool's list shows beside each customer (services.warehouse.pool).
    claims_today = claims_since(session, actor.username, business_day_start(at))
    released = released_by(session, actor.username, [customer_id]).get(customer_id)
    check_claim(pool_view(session, customer), actor, claims_today, released, at, rules)
    check_cap(actor.username, actor.role, held_by(session, actor.username), caps)
    move(session, customer, actor.username, reason="claimed", actor=actor.username, at=at,
         partner=min(actor.partners, default=None))
    return customer


def hand_over(session: Session, customer_id: int, actor: Actor, to: str, at: datetime,
              caps: dict[Role, int]) -> Customer:
    """转移: the channel partner moves a customer between its own reps."""
    customer = lock_customer(session, customer_id)
    owner = load_actor(session, customer.owner) if customer.owner else None
    try:
        target = load_actor(session, to)
    except NotFound:
        target = None
    check_hand_over(pool_view(session, customer), actor, owner, target, to)
    assert target is not None
    check_cap(target.username, target.role, held_by(session, target.username), caps)
    move(session, customer, target.username, reason=f"handed over from {customer.owner}", actor=actor.username,
         at=at, partner=min(target.partners, default=None))
    return customer


def partner_account(session: Session, partner: str | None, leaving: str) -> str | None:
    """The active channel partner account of a partner (its own warehouse), not the one leaving; the first by
    name when a partner has several."""
    if partner is None:
        return None
    return session.scalar(select(User.username).join(UserPartner, UserPartner.username == User.username).where(
        UserPartner.partner_code == partner, User.role == Role.PARTNER.value, User.active.is_(True),
        User.username != leaving).order_by(User.username).limit(1))


def inactive_holders(session: Session) -> list[str]:
    """Deactivated users who still hold customers: left before leaving emptied a warehouse, or kept a served
    customer because their partner had no active account then."""
    return sorted(session.scalars(select(Customer.owner).join(User, User.username == Customer.owner)
                                  .where(User.active.is_(False)).distinct()))


def release_leaver(session: Session, leaver: str, *, why: str, actor: str, at: datetime,
                   caps: dict[Role, int]) -> Placement:
    """The one way a leaver's warehouse is emptied, whether the account was closed or an org reload deactivated
    the user: each customer goes where domain.warehouse.place_left_customers says, each move an ownership record.
    Customers are grouped by their partner: a rep of two partners leaves each partner's customers to its own."""
    customers = list(session.scalars(select(Customer).where(Customer.owner == leaver).order_by(Customer.id)
                                     .with_for_update()))
    in_flight = set(session.scalars(select(Order.customer_id).where(
        Order.customer_id.in_([c.id for c in customers]), Order.status.not_in(sorted(FINAL_ORDER_STATUSES)))))
    fallback = min(session.scalars(select(UserPartner.partner_code).where(UserPartner.username == leaver)),
                   default=None)
    by_partner: dict[str | None, list[Customer]] = {}
    for c in customers:
        by_partner.setdefault(c.partner_code or fallback, []).append(c)
    done = Placement([], [], [])
    for partner, group in sorted(by_partner.items(), key=lambda kv: kv[0] or ""):
        account = partner_account(session, partner, leaver)
        if account is not None:
            # Two leavers of one partner at once: the account's row lock makes the second count the first's moves.
            session.get(User, account, with_for_update=True)
        held = held_by(session, account) if account else 0
        placed = place_left_customers([LeftCustomer(c.id, c.last_contact_at, c.id in in_flight) for c in group],
                                      account, held, caps)
        rows = {c.id: c for c in group}
        for cid in placed.to_partner:
            move(session, rows[cid], account, reason=f"rep left, to the partner's own warehouse: {why}"[:200],
                 actor=actor, at=at, partner=partner)
        for cid in placed.to_pool:
            full = "the partner's own warehouse is full" if account else "the partner has no account"
            move(session, rows[cid], None, reason=f"rep left, to the pool ({full}): {why}"[:200], actor=actor, at=at)
        done = Placement(done.to_partner + placed.to_partner, done.to_pool + placed.to_pool,
                         done.kept + placed.kept)
    return done


def add_note(session: Session, customer_id: int, actor: Actor, text: str, at: datetime) -> CustomerNote:
    """销售小记: only the holder follows a customer up, and a note counts as contact. The 'note' permission is the
    caller's to check (services.warehouse.note), before it looks the customer up."""
    customer = lock_customer(session, customer_id)
    if customer.owner != actor.username:
        raise NotPermitted(f"{actor.describe()} may not note customer {customer_id}: it is held by "
                           f"{holder_label(session, customer.owner)}")
    note = CustomerNote(customer_id=customer_id, author=actor.username, text=text, at=at)
    session.add(note)
    customer.last_contact_at = at
    return note


def history(session: Session, customer_id: int) -> list[Ownership]:
    lock_customer(session, customer_id, lock=False)
    return list(session.scalars(select(Ownership).where(Ownership.customer_id == customer_id)
                                .order_by(Ownership.at, Ownership.id)))


def contact_counts(session: Session, authors: list[str], since: datetime) -> dict[str, int]:
    """联系量: follow-up notes per rep since a date."""
    rows = session.execute(select(CustomerNote.author, func.count()).where(
        CustomerNote.author.in_(authors), CustomerNote.at >= since).group_by(CustomerNote.author))
    return {author: int(n) for author, n in rows}


def latest_notes(session: Session, authors: list[str], since: datetime, limit: int) -> list[CustomerNote]:
    """The newest follow-up notes of these reps since a date, newest first."""
    return list(session.scalars(select(CustomerNote).where(CustomerNote.author.in_(authors), CustomerNote.at >= since)
                                .order_by(CustomerNote.at.desc()).limit(limit)))


def transfer_applications(session: Session, scope: Scope, status: str, limit: int | None = None,
                          offset: int = 0) -> list[Application]:
    """Transfer-in applications with a status in the scope, oldest first: a rep's own, or those of the reps of
    the partners in scope."""
    stmt = select(Application).where(Application.status == status)
    if scope.own_only:
        stmt = stmt.where(Application.rep == scope.own_only)
    elif not scope.everything:
        stmt = stmt.where(Application.rep.in_(select(UserPartner.username)
                                              .where(UserPartner.partner_code.in_(scope.partners))))
    return list(session.scalars(stmt.order_by(Application.filed_at, Application.id).limit(limit).offset(offset)))


def stale_customers(session: Session, contact_before: datetime, protected_since: date,
                    limit: int = 1000) -> list[Customer]:
    """Held customers without contact since `contact_before` and not being served (domain.warehouse's rule): no
    order in flight, none that took effect on or after `protected_since`."""
    served = select(Order.customer_id).where(Order.customer_id.is_not(None), or_(
        Order.status.not_in(sorted(FINAL_ORDER_STATUSES)),
        and_(Order.status == EFFECTIVE, Order.effective_on >= protected_since)))
    return list(session.scalars(select(Customer).where(
        Customer.owner.is_not(None), Customer.last_contact_at < contact_before, Customer.id.not_in(served))
        .order_by(Customer.id).limit(limit)))


def touch_contact(session: Session, customer_id: int, at: datetime) -> None:
    """A step of the customer's order is contact: last_contact_at moves forward to it, never back."""
    session.execute(update(Customer).where(Customer.id == customer_id, Customer.last_contact_at < at)
                    .values(last_contact_at=at))
