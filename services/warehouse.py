"""The warehouse (仓库) and the public pool (公海): claim, hand-over, sales notes and the ownership history.

Each use case checks the caller's permission first, so a caller without it learns nothing about the id; then a
customer outside the caller's scope answers like a missing one (services.customers.check_customer_visible)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from db import warehouse_repo
from db.customer_repo import held_by
from db.org_repo import load_actor
from db.pool_repo import claims_since, pool_customers, pool_regions, released_by
from domain.errors import InvalidInput, NotFound, Refused
from domain.fields import business_day_start
from domain.people import Actor, check_username
from domain.permissions import Perm, require
from domain.regions import in_regions
from domain.text import TextKind, check_text
from domain.warehouse import PoolCustomer, cap_of, check_cap, check_claim
from services.context import Services
from services.customers import check_customer_visible


def claim(services: Services, actor: Actor, customer_id: int) -> dict[str, Any]:
    """挑入: take a customer from the public pool of the caller's own regions (cap, daily limit, cooldown).
    Any pool customer can be named; one held by someone else outside the caller's scope is not found."""
    require(actor, Perm.CLAIM, "claim customers")
    s = services.settings
    with services.transaction() as session:
        check_customer_visible(session, actor, customer_id, pool=True)
        try:
            c = warehouse_repo.claim(session, customer_id, actor, datetime.now(UTC), s.claim_rules(), s.caps())
        except Refused:
            # A concurrent claim may have taken the customer since the check: then it is someone else's now,
            # and the answer must not name its new holder.
            check_customer_visible(session, actor, customer_id, pool=True)
            raise
        return {"id": c.id, "name": c.name, "owner": c.owner}


# Why a customer is in the pool, as a pool row says it: the kind only. The ownership record's own words (the reason
# a rep's account was closed, typed by a manager) stay in the customer's history, for those in its scope; the pool
# is seen by every rep of the region, of any partner.
POOL_WHY = {"recycled": "recycled", "rep left": "rep_left"}


def _why_pooled(reason: str | None) -> str | None:
    if reason is None:
        return None
    return next((kind for start, kind in POOL_WHY.items() if reason.startswith(start)), "other")


POOL_PAGE_MAX = 200  # the most pool rows one page shows
POOL_SEARCH_MAX = 100  # characters of a search text: a name or a number, never a document


def pool(services: Services, actor: Actor, *, query: str | None = None, limit: int = 50,
         offset: int = 0) -> list[dict[str, Any]]:
    """公海: the pool customers the caller could claim (挑入), i.e. those under one of the caller's regions, by the
    claim's own region rule (domain.regions.in_regions, as domain.warehouse.check_claim applies it), optionally
    those whose name (as stored or by its key) or phone/fax contains `query`. Each row says when and why it went to
    the pool and whether the caller may claim it now (check_claim and check_cap, the claim's rules) and if not why.

    Order: the customer that went to the pool last comes first. A rep browses the pool for leads worth calling, and
    the freshest releases (recycled or left by a rep lately) are the ones whose facts are still current; a rep who
    knows the name searches for it instead, so an alphabetical order would add little.

    `limit` may be one more than a page (POOL_PAGE_MAX), as a list route asks to learn whether a next page exists."""
    require(actor, Perm.CLAIM, "see the public pool to claim customers")
    if not 1 <= limit <= POOL_PAGE_MAX + 1:
        raise InvalidInput(f"a page of the public pool has 1 to {POOL_PAGE_MAX} customers, not {limit}")
    if offset < 0:
        raise InvalidInput(f"the offset must be 0 or more, not {offset}")
    search = None
    if query is not None:
        if len(query.strip()) > POOL_SEARCH_MAX:
            raise InvalidInput(f"the search text is {len(query.strip())} characters long; search with at most "
                               f"{POOL_SEARCH_MAX} characters of a company name or a telephone number")
        search = check_text(query, TextKind.FREE_TEXT, "the search text", max_len=POOL_SEARCH_MAX,
                            required=False) or None
    now = datetime.now(UTC)
    s = services.settings
    rules, caps = s.claim_rules(), s.caps()
    with services.transaction() as session:
        regions = [r for r in pool_regions(session) if in_regions(r, actor.regions)]
        rows = pool_customers(session, regions, search, limit, offset)
        released = released_by(session, actor.username, [r.id for r in rows])
        # The business day's claims, counted as the claim counts them (db.warehouse_repo.claim).
        today = claims_since(session, actor.username, business_day_start(now))
        held = held_by(session, actor.username)
    found = []
    for r in rows:
        why_not: Refused | None = None
        try:
            check_claim(PoolCustomer(r.id, r.name, None, "the public pool", r.region), actor, today,
                        released.get(r.id), now, rules)
            check_cap(actor.username, actor.role, held, caps)
        except Refused as no:
            why_not = no
        found.append({"id": r.id, "name": r.name, "region": r.region,
                      "entered_at": r.entered_at.isoformat() if r.entered_at else None, "reason": _why_pooled(r.reason),
                      "may_claim": why_not is None, "why_not": why_not.message if why_not else None,
                      "why_not_code": why_not.code if why_not else None,
                      "why_not_params": why_not.params if why_not else {}})
    return found


def holdings(services: Services, actor: Actor) -> dict[str, Any]:
    """The caller's own warehouse against its cap (仓库上限): a rep's, or the partner account's own. A role without
    a warehouse is refused (domain.warehouse.cap_of)."""
    require(actor, Perm.SEE_CUSTOMERS, "see customers")
    cap = cap_of(actor.username, actor.role, services.settings.caps())
    with services.transaction() as session:
        held = held_by(session, actor.username)
    return {"owner": actor.username, "held": held, "cap": cap, "full": held >= cap}


def hand_over(services: Services, actor: Actor, customer_id: int, to: str) -> dict[str, Any]:
    """转移: the channel partner moves a customer between its own reps and its own warehouse (`to` = itself), which
    holds up to the partner's cap, e.g. the customers of a rep who left, until it hands them to a rep."""
    require(actor, Perm.HAND_OVER, "hand customers over (the channel partner's transfer right)")
    name = check_username(to, "the rep who takes the customer")
    with services.transaction() as session:
        check_customer_visible(session, actor, customer_id)
        try:
            target: Actor | None = load_actor(session, name)
        except NotFound:
            target = None
        if target is None or not (target.partners & actor.partners):
            # One answer for a missing user and another partner's: the partner learns no one else's staff.
            raise Refused(f"customer {customer_id} can only go to an active sales rep of {actor.username} or to "
                          f"{actor.username}'s own warehouse; '{name}' is neither")
        c = warehouse_repo.hand_over(session, customer_id, actor, name, datetime.now(UTC), services.settings.caps())
        return {"id": c.id, "name": c.name, "owner": c.owner}


def note(services: Services, actor: Actor, customer_id: int, text: str) -> dict[str, Any]:
    """销售小记: the holder records a follow-up; it counts as contact and keeps the customer out of recycling."""
    require(actor, Perm.NOTE, "write sales notes")
    with services.transaction() as session:
        check_customer_visible(session, actor, customer_id)
        n = warehouse_repo.add_note(session, customer_id, actor, check_text(text, TextKind.FREE_TEXT, max_len=2000),
                                    datetime.now(UTC))
        return {"customer": customer_id, "author": n.author, "at": n.at.isoformat()}


def history(services: Services, actor: Actor, customer_id: int, *, limit: int | None = None,
            offset: int = 0) -> list[dict[str, Any]]:
    """Every change of the customer's owner, oldest first: previous and new owner, reason, actor.
    (A customer's history is a handful of rows: the page is cut from it here rather than in SQL.)"""
    require(actor, Perm.SEE_CUSTOMERS, "see customers")
    end = None if limit is None else offset + limit
    with services.transaction() as session:
        check_customer_visible(session, actor, customer_id)
        return [{"at": h.at.isoformat(), "from": h.previous_owner, "to": h.new_owner, "reason": h.reason,
                 "by": h.actor} for h in warehouse_repo.history(session, customer_id)][offset:end]
