"""Customers and warehouses: the collision check and entry."""

from __future__ import annotations

from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Customer, CustomerCorrection, CustomerKey, Ownership, User, UserPartner
from domain.collisions import Entry, Hit, Match, decide_entry
from domain.corrections import APPLIED, PENDING, Correction
from domain.order import CustomerHolding
from domain.people import Role
from domain.permissions import Scope
from domain.warehouse import DEFAULT_CAPS, check_cap

NAME, TEL = "name:", "tel:"


def holder_labels(session: Session, owners: set[str | None]) -> dict[str | None, str]:
    """"bob (Bob Li, partner BJ)" for each owner, in one round trip: the collision check's latency is mostly
    round trips, and a name can be similar to twenty customers."""
    labels: dict[str | None, str] = {None: "the public pool"}
    named = {o for o in owners if o is not None}
    if not named:
        return labels
    rows = session.execute(select(User.username, User.name, UserPartner.partner_code).outerjoin(
        UserPartner, UserPartner.username == User.username).where(User.username.in_(named))).all()
    names = {username: name for username, name, _ in rows}
    for owner in named:
        partners = sorted(code for username, _, code in rows if username == owner and code)
        labels[owner] = f"{owner} ({names.get(owner, owner)}{', partner ' + '/'.join(partners) if partners else ''})"
    return labels


def holder_label(session: Session, owner: str | None) -> str:
    return holder_labels(session, {owner})[owner]


def customer_ref(session: Session, customer: Customer) -> CustomerHolding:
    return CustomerHolding(customer.id, customer.name, customer.owner, holder_label(session, customer.owner))


def find_hits(session: Session, name_key: str, numbers: dict[Match, str], threshold: float) -> list[Hit]:
    """Search by name key, phone and fax in one query, then for similar names; each hit names its holder."""
    found: list[tuple[Customer, Match, float]] = []
    seen: set[int] = set()
    wanted = {NAME + name_key: Match.NAME, **{TEL + number: match for match, number in numbers.items()}}
    rows = session.execute(select(CustomerKey.key, Customer).join(Customer).where(CustomerKey.key.in_(wanted)))
    for key, customer in sorted(rows, key=lambda r: list(wanted).index(r[0])):
        if customer.id not in seen:
            seen.add(customer.id)
            found.append((customer, wanted[key], 100.0))
    if len(name_key) >= 2:
        # Only the keys come back for scoring; whole rows are loaded, in one query, for the few that match.
        # ratio = 2·matches / (len a + len b) ≥ threshold bounds the other key's length: filter on it in SQL.
        share = threshold / 100
        shortest, longest = int(len(name_key) * share / (2 - share)), int(len(name_key) * (2 - share) / share) + 1
        candidates = session.execute(
            select(Customer.id, Customer.name_key)
            .where(or_(Customer.key_head == name_key[:2], Customer.key_tail == name_key[-2:]),
                   func.length(Customer.name_key).between(shortest, longest)).limit(2000)
        ).all()
        scored = [(cid, fuzz.ratio(name_key, key, score_cutoff=threshold))
                  for cid, key in candidates if cid not in seen]
        best = sorted((c for c in scored if c[1]), key=lambda c: -c[1])[:20]
        if best:
            loaded = session.scalars(select(Customer).where(Customer.id.in_([cid for cid, _ in best])))
            by_id = {c.id: c for c in loaded}
            found += [(by_id[cid], Match.SIMILAR, score) for cid, score in best]
    labels = holder_labels(session, {customer.owner for customer, _, _ in found})
    return [Hit(c.id, c.name, c.owner, labels[c.owner], c.region, match, score) for c, match, score in found]


def entry_hits(session: Session, entry: Entry, threshold: float) -> list[Hit]:
    return find_hits(session, entry.name_key,
                     {Match.PHONE: entry.phone_number.e164, Match.FAX: entry.fax_number.e164}, threshold)


def held_by(session: Session, owner: str) -> int:
    return int(session.scalar(select(func.count()).select_from(Customer).where(Customer.owner == owner)) or 0)


def add_customer(
    session: Session, entry: Entry, *, owner: str, role: Role, partner: str | None, at: datetime,
    confirm_distinct: bool = False, threshold: float = 85.0, caps: dict[Role, int] | None = None,
) -> Customer:
    """Enter a customer into the owner's warehouse, or refuse with what it collides with.
    The database's unique keys decide a race: exactly one of several concurrent entries wins."""
    confirmed = decide_entry(entry_hits(session, entry, threshold), owner, entry.region, confirm_distinct)
    check_cap(owner, role, held_by(session, owner), caps or DEFAULT_CAPS)
    flags = list(entry.risk_flags) + [f"confirmed_distinct_from:{h.customer_id}" for h in confirmed]
    customer = Customer(
        name=entry.name, name_key=entry.name_key, key_head=entry.name_key[:2], key_tail=entry.name_key[-2:],
        phone=entry.phone, phone_key=entry.phone_number.e164, phone_ext=entry.phone_number.extension,
        fax=entry.fax, fax_key=entry.fax_number.e164, fax_ext=entry.fax_number.extension, risk_flags=flags,
        address=entry.address, region=entry.region, owner=owner, partner_code=partner, created_by=owner,
        created_at=at, last_contact_at=at,
    )
    try:
        session.add(customer)
        session.flush()
        session.add_all([CustomerKey(key=NAME + entry.name_key, customer_id=customer.id)]
                        + [CustomerKey(key=TEL + n, customer_id=customer.id) for n in entry.number_keys()])
        session.add(Ownership(customer_id=customer.id, previous_owner=None, new_owner=owner,
                              reason="entered" + (" (confirmed distinct)" if confirmed else ""), actor=owner, at=at))
        session.flush()
    except IntegrityError:
        # Another entry of the same company or number won the race: the entry is one transaction, so nothing
        # of it stays; report the winner as the check would have.
        session.rollback()
        decide_entry(entry_hits(session, entry, threshold), owner, entry.region, confirm_distinct=True)
        raise
    return customer


def list_customers(session: Session, scope: Scope, limit: int | None = None, offset: int = 0) -> list[Customer]:
    """The customers in the scope by id: a rep's own warehouse, or the customers of the partners in scope."""
    stmt = select(Customer).order_by(Customer.id).limit(limit).offset(offset)
    if scope.own_only:
        stmt = stmt.where(Customer.owner == scope.own_only)
    elif not scope.everything:
        stmt = stmt.where(Customer.partner_code.in_(scope.partners))
    return list(session.scalars(stmt))


def holding(session: Session, customer_id: int) -> tuple[str | None, str | None] | None:
    """The customer's owner and partner, or None if there is no such customer. Columns only, never the entity:
    a write that follows locks and loads the row itself, and must see what a concurrent claim committed
    meanwhile, not a copy cached in the session."""
    found = session.execute(select(Customer.owner, Customer.partner_code).where(Customer.id == customer_id)).first()
    return None if found is None else (found[0], found[1])


def partners_of(session: Session, customer_ids: set[int]) -> dict[int, str | None]:
    """Each customer's partner, by id."""
    if not customer_ids:
        return {}
    rows = session.execute(select(Customer.id, Customer.partner_code).where(Customer.id.in_(customer_ids)))
    return {cid: partner for cid, partner in rows}


def number_hits(session: Session, numbers: dict[Match, str], exclude: int) -> list[Hit]:
    """The other customers already holding one of these numbers: a correction's collision check. Exact numbers
    only (no name key is looked up: "" is no customer's), so similar names play no part."""
    return [h for h in find_hits(session, "", numbers, 100.0) if h.customer_id != exclude]


def replace_facts(session: Session, customer: Customer, correction: Correction, flags: list[str], *, actor: str,
                  at: datetime) -> list[str]:
    """Apply a checked correction to a locked customer: the new values, the number keys replaced (the caller's
    transaction makes it atomic; a number taken meanwhile fails the unique key), and one record per changed fact.
    Returns the facts that changed."""
    changed: list[str] = []

    def record(field: str, before: str, after: str) -> None:
        changed.append(field)
        session.add(CustomerCorrection(customer_id=customer.id, field=field, before=before, after=after,
                                       reason=correction.reason, status=APPLIED, requested_by=actor,
                                       requested_at=at))

    old_keys = {customer.phone_key, customer.fax_key}
    if correction.phone and (correction.phone.typed, correction.phone.number.e164) != (customer.phone,
                                                                                        customer.phone_key):
        record("phone", customer.phone, correction.phone.typed)
        customer.phone, customer.phone_key = correction.phone.typed, correction.phone.number.e164
        customer.phone_ext = correction.phone.number.extension
    if correction.fax and (correction.fax.typed, correction.fax.number.e164) != (customer.fax, customer.fax_key):
        record("fax", customer.fax, correction.fax.typed)
        customer.fax, customer.fax_key = correction.fax.typed, correction.fax.number.e164
        customer.fax_ext = correction.fax.number.extension
    if correction.address is not None and correction.address != customer.address:
        record("address", customer.address, correction.address)
        customer.address = correction.address
    customer.risk_flags = flags
    new_keys = {customer.phone_key, customer.fax_key}
    if old_keys - new_keys:
        session.execute(delete(CustomerKey).where(CustomerKey.customer_id == customer.id,
                                                  CustomerKey.key.in_([TEL + n for n in old_keys - new_keys])))
    session.add_all([CustomerKey(key=TEL + n, customer_id=customer.id) for n in sorted(new_keys - old_keys)])
    session.flush()
    return changed


def pending_name(session: Session, customer_id: int) -> CustomerCorrection | None:
    return session.scalar(select(CustomerCorrection).where(
        CustomerCorrection.customer_id == customer_id, CustomerCorrection.field == "name",
        CustomerCorrection.status == PENDING))


def pending_names(session: Session, limit: int | None = None, offset: int = 0) -> list[CustomerCorrection]:
    return list(session.scalars(select(CustomerCorrection).where(
        CustomerCorrection.field == "name", CustomerCorrection.status == PENDING)
        .order_by(CustomerCorrection.requested_at, CustomerCorrection.id).limit(limit).offset(offset)))


def rename(session: Session, customer: Customer, name: str, key: str) -> None:
    """An approved licensed name: the name and its key, and the key's row in customer_keys replaced (a key taken
    meanwhile fails the unique constraint; the caller's transaction keeps nothing of it)."""
    if key != customer.name_key:
        session.execute(delete(CustomerKey).where(CustomerKey.customer_id == customer.id,
                                                  CustomerKey.key == NAME + customer.name_key))
        session.add(CustomerKey(key=NAME + key, customer_id=customer.id))
    customer.name, customer.name_key, customer.key_head, customer.key_tail = name, key, key[:2], key[-2:]
    session.flush()
