"""The warehouse (仓库) and the public pool (公海): claim, hand-over, sales notes and the ownership history.

Each use case checks the caller's permission first, so a caller without it learns nothing about the id; then a
customer outside the caller's scope answers like a missing one (services.customers.check_customer_visible)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from db import warehouse_repo
from db.org_repo import load_actor
from domain.errors import NotFound, Refused
from domain.people import Actor, check_username
from domain.permissions import Perm, require
from domain.text import TextKind, check_text
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
