"""Customers: entry with the collision check (录入, 撞单), the check on its own, and the scoped list.

Scope (`visible`): a sales rep sees the customers in their own warehouse; every other role the customers of the
partners in its scope; the central groups everything. A customer outside the caller's scope answers exactly
like a missing one (`NotFound`, "there is no customer N"), so guessing ids tells nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from db.customer_repo import add_customer, entry_hits, find_hits, holding, partners_of
from db.customer_repo import list_customers as repo_list_customers
from db.models import Customer
from db.org_repo import org_regions, scope_for
from domain.collisions import Hit, Match, check_entry, decide_entry
from domain.errors import NotFound, Refused, no_customer
from domain.names import keys_of, name_key
from domain.people import Actor
from domain.permissions import Perm, Scope, require
from domain.phones import parse_phone
from domain.text import TextKind, check_text
from services.context import Services

# What a caller learns of a hit outside its scope: that someone holds it, not who, nor under which name.
HIDDEN_HOLDER = "another rep's warehouse (outside your scope)"


def visible(scope: Scope, owner: str | None, partner: str | None) -> bool:
    """May the caller see this customer's details? A rep only their own; others by the customer's partner."""
    if scope.own_only:
        return owner == scope.own_only
    return scope.covers(partner)


def missing(customer_id: int) -> NotFound:
    """The one answer for a customer that does not exist and one the caller may not see."""
    return no_customer(customer_id)


def check_customer_visible(session: Session, actor: Actor, customer_id: int, *, pool: bool = False) -> None:
    """Pass if the caller may see the customer (with `pool`, any customer in the public pool too: claims and
    transfer-ins take from the pool across partners); else `NotFound`, word for word as for a missing id."""
    found = holding(session, customer_id)
    if found is None:
        raise missing(customer_id)
    owner, partner = found
    if pool and owner is None:
        return
    if not visible(scope_for(session, actor), owner, partner):
        raise missing(customer_id)


@dataclass(frozen=True)
class _HiddenHit(Hit):
    """A hit outside the caller's scope. It keeps the owner and region so that the entry rules decide exactly
    as for a visible hit, but says neither the holder nor the name nor the id."""

    def describe(self) -> str:
        # What makes it similar says only what the caller typed (its sound, its brand), never the other's name.
        how = f"a similar name ({self.why or 'similar name'}, {self.score:.0f}%)" if self.match is Match.SIMILAR \
            else f"the same {self.match.value}"
        return f"a customer with {how}, held in {HIDDEN_HOLDER}"

    def shown(self) -> dict[str, str]:
        return {}


def _as_seen(session: Session, actor: Actor, hits: list[Hit]) -> list[tuple[Hit, bool]]:
    """Each hit with whether the caller may see its details. Pool hits are always shown: rule B sends the rep
    to claim or transfer in that very customer, so the rep needs its id."""
    scope = scope_for(session, actor)
    partners: dict[int, str | None] = {}
    if not scope.everything and not scope.own_only:
        partners = partners_of(session, {h.customer_id for h in hits})
    return [(h, h.owner is None or visible(scope, h.owner, partners.get(h.customer_id))) for h in hits]


def masked(session: Session, actor: Actor, hits: list[Hit]) -> list[Hit]:
    """The hits as the caller may see them: one outside its scope says only how it matched."""
    return [h if shown else _HiddenHit(h.customer_id, "", h.owner, HIDDEN_HOLDER, h.region, h.match, h.score,
                                        h.why)
            for h, shown in _as_seen(session, actor, hits)]


def add(services: Services, actor: Actor, *, name: str, phone: str, fax: str, address: str, region: str,
        same_phone_fax: bool = False, confirm_distinct: bool = False) -> dict[str, Any]:
    """Enter a customer into the caller's warehouse after the collision check (rule A and B of the deck).
    A refusal names a colliding customer's holder only when the caller may see that customer: otherwise it says
    only that another rep's warehouse holds it, so entry cannot be used to find out who holds a company."""
    require(actor, Perm.ENTER_CUSTOMER, "enter customers")
    s = services.settings
    with services.transaction() as session:
        # The region is one of the org's, in its spelling: 北京市 typed is 北京 stored and compared.
        entry = check_entry(name, phone, fax, address, region, same_phone_fax, org_regions(session))
        try:
            customer = add_customer(session, entry, owner=actor.username, role=actor.role,
                                    partner=min(actor.partners, default=None), at=datetime.now(UTC),
                                    confirm_distinct=confirm_distinct, threshold=s.similar_name_threshold,
                                    caps=s.caps())
        except Refused:
            # The repository's refusal names every holder. Decide again on what this caller may see: a collision
            # refuses in the same words, hidden where it must be; a full warehouse re-raises the original.
            decide_entry(masked(session, actor, entry_hits(session, entry, s.similar_name_threshold)),
                         actor.username, entry.region, confirm_distinct)
            raise
        return {"id": customer.id, "name": customer.name, "owner": customer.owner, "phone": customer.phone_key,
                "fax": customer.fax_key, "risk_flags": customer.risk_flags}


def check(services: Services, actor: Actor, *, name: str, phone: str | None = None,
          fax: str | None = None) -> list[dict[str, Any]]:
    """Search the name, the phone and the fax one at a time, and similar names (rule A of the deck).

    Needs the 'see_customers' permission. A hit the caller may see (see `visible`), and any hit in the public
    pool, shows as before: customer id, name, match, score, holder and region. A hit held outside the caller's
    scope shows only that there is a collision, how it matched and how closely: its customer id, name and
    region are null and its holder reads "another rep's warehouse (outside your scope)". That is all rule A
    needs ("the customer is already in another rep's warehouse: hand it over"), and it keeps the check from
    telling anyone which rep, or which partner, holds a company."""
    require(actor, Perm.SEE_CUSTOMERS, "check customers for collisions")
    numbers = {}
    if phone:
        numbers[Match.PHONE] = parse_phone(check_text(phone, TextKind.PHONE, "phone"), "phone").e164
    if fax:
        numbers[Match.FAX] = parse_phone(check_text(fax, TextKind.PHONE, "fax"), "fax").e164
    key = name_key(check_text(name, TextKind.LICENSED_NAME, "company name"))
    with services.transaction() as session:
        seen = _as_seen(session, actor, find_hits(session, keys_of(key), numbers,
                                                  services.settings.similar_name_threshold))
    return [{"customer": h.customer_id, "name": h.name, "match": h.match.value, "score": round(h.score), "why": h.why,
             "holder": h.holder, "region": h.region} if shown else
            {"customer": None, "name": None, "match": h.match.value, "score": round(h.score), "why": h.why,
             "holder": HIDDEN_HOLDER, "region": None} for h, shown in seen]


def one_customer(services: Services, actor: Actor, customer_id: int) -> dict[str, Any]:
    """One customer in the caller's scope, as a row of the list; out of scope answers like a missing one."""
    require(actor, Perm.SEE_CUSTOMERS, "see customers")
    with services.transaction() as session:
        check_customer_visible(session, actor, customer_id)
        c = session.get(Customer, customer_id)
        if c is None:
            raise missing(customer_id)
        return {"id": c.id, "name": c.name, "region": c.region, "owner": c.owner}


def list_customers(services: Services, actor: Actor, *, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """The customers in the caller's scope by id: a rep's own warehouse, or the partners in scope."""
    require(actor, Perm.SEE_CUSTOMERS, "see customers")
    with services.transaction() as session:
        return [{"id": c.id, "name": c.name, "region": c.region, "owner": c.owner}
                for c in repo_list_customers(session, scope_for(session, actor), limit, offset)]
