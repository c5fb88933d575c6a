"""Customers and warehouses: the collision check and entry."""

from __future__ import annotations

from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Customer, CustomerCorrection, CustomerKey, Ownership, User, UserPartner
from domain.collisions import Entry, Hit, Match, decide_entry
from domain.corrections import APPLIED, PENDING, Correction
from domain.names import NO_NAME, NameKeys, keys_of, same_brand_alert, similar_brands
from domain.order import CustomerHolding
from domain.people import Role
from domain.permissions import Scope
from domain.warehouse import DEFAULT_CAPS, check_cap

NAME, TEL = "name:", "tel:"
MAX_ALERTS = 20  # a rep reads the alerts: the twenty closest say enough
BRAND_ROWS = 2000  # the customers of one brand looked at for a dropped or added industry word
SIMILAR_ROWS = 1000  # the keys sharing a head, and those sharing a tail, scored for a similar name


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


def key_columns(key: str) -> dict[str, str]:
    """The customer's columns that its name key decides: the key, where similar names are looked for, its brand and
    its sound."""
    keys = keys_of(key)
    return {"name_key": key, "key_head": key[:2], "key_tail": key[-2:], "brand_key": keys.brand,
            "sound_key": keys.sound}


def find_hits(session: Session, keys: NameKeys, numbers: dict[Match, str], threshold: float,
              region: str | None = None) -> list[Hit]:
    """Search by name key, phone and fax in one query (exact: a collision, in any region), then for alerts the rep
    confirms: the same sound (a homophone typo), the same brand with a trade word dropped or added, or a similar name
    whose brand is similar too (sharing 科技 with ten thousand companies is not similarity). With a `region` (an
    entry's), alerts are about companies of that region: one brand in two cities is, as Chinese registers allow, two
    companies, and an alert a rep sees on every entry is one the rep stops reading. Each hit names its holder."""
    found: list[tuple[Customer, Match, float, str]] = []
    seen: set[int] = set()
    wanted = {NAME + keys.name: Match.NAME, **{TEL + number: match for match, number in numbers.items()}}
    rows = session.execute(select(CustomerKey.key, Customer).join(Customer).where(CustomerKey.key.in_(wanted)))
    for key, customer in sorted(rows, key=lambda r: list(wanted).index(r[0])):
        if customer.id not in seen:
            seen.add(customer.id)
            found.append((customer, wanted[key], 100.0, ""))
    if len(keys.name) >= 2:
        alerts = _alerts(session, keys, threshold, seen, region)
        if alerts:
            # Only keys come back for scoring; whole rows are loaded, in one query, for the few that alert.
            loaded = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(list(alerts))))}
            found += [(loaded[cid], Match.SIMILAR, score, why) for cid, (score, why) in alerts.items()]
    labels = holder_labels(session, {customer.owner for customer, _, _, _ in found})
    return [Hit(c.id, c.name, c.owner, labels[c.owner], c.region, match, score, why)
            for c, match, score, why in found]


def _alerts(session: Session, keys: NameKeys, threshold: float, seen: set[int],
            region: str | None) -> dict[int, tuple[float, str]]:
    """The customers an entry of `keys` should make the rep look at, best first, at most MAX_ALERTS."""
    scored: dict[int, tuple[float, str]] = {}
    here = (Customer.region == region,) if region is not None else ()
    sounding = session.execute(select(Customer.id, Customer.name_key).where(Customer.sound_key == keys.sound, *here)
                               .limit(MAX_ALERTS * 5)).all()
    scored.update({cid: (fuzz.ratio(keys.name, key), "sounds the same") for cid, key in sounding if cid not in seen})
    # A common brand (华信) is many companies' at a million customers; only the same trade, a word dropped or added,
    # alerts (same_brand_alert), so the rows are filtered here, a bounded number of them.
    branded = session.execute(select(Customer.id, Customer.name_key).where(Customer.brand_key == keys.brand, *here)
                              .limit(BRAND_ROWS)).all()
    scored.update({cid: (fuzz.ratio(keys.name, key), f"same brand {keys.brand}") for cid, key in branded
                   if cid not in seen and cid not in scored and same_brand_alert(keys.name, key)})
    # ratio = 2·matches / (len a + len b) ≥ threshold bounds the other key's length: filter on it in SQL.
    share = threshold / 100
    shortest, longest = int(len(keys.name) * share / (2 - share)), int(len(keys.name) * (2 - share) / share) + 1
    # Two queries, not one OR: each is one range of its (region, key_head|key_tail) index whatever the planner knows
    # (SQLite without statistics would read the whole region for the OR).
    candidates = [row for column, part in ((Customer.key_head, keys.name[:2]), (Customer.key_tail, keys.name[-2:]))
                  for row in session.execute(
                      select(Customer.id, Customer.name_key, Customer.brand_key)
                      .where(column == part, func.length(Customer.name_key).between(shortest, longest), *here)
                      .limit(SIMILAR_ROWS)).all()]
    for cid, key, brand in candidates:
        if cid in seen or cid in scored:
            continue
        score = fuzz.ratio(keys.name, key, score_cutoff=threshold)
        if score and similar_brands(keys.brand, brand, threshold):
            scored[cid] = (score, "similar name")
    best = sorted(scored.items(), key=lambda item: -item[1][0])[:MAX_ALERTS]
    return dict(best)


def entry_hits(session: Session, entry: Entry, threshold: float) -> list[Hit]:
    return find_hits(session, keys_of(entry.name_key),
                     {Match.PHONE: entry.phone_number.e164, Match.FAX: entry.fax_number.e164}, threshold, entry.region)


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
        name=entry.name, **key_columns(entry.name_key),
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
    return [h for h in find_hits(session, NO_NAME, numbers, 100.0) if h.customer_id != exclude]


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
    customer.name = name
    for column, value in key_columns(key).items():
        setattr(customer, column, value)
    session.flush()
