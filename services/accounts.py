"""The channel hierarchy at work: a team's contact counts and notes, agency sales accounts opened and closed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from db.models import User
from db.order_repo import open_orders_of
from db.org_repo import (
    UserSpec,
    load_actor,
    org_regions,
    partner_codes,
    save_user,
    scope_for,
    set_active,
    subordinates,
)
from db.warehouse_repo import contact_counts, latest_notes, release_leaver
from domain.errors import InvalidInput, NotFound, Refused
from domain.fields import BUSINESS_TZ
from domain.people import Actor, Role, check_partner_code, check_username
from domain.permissions import Perm, check_account_change, require
from domain.regions import known_region
from domain.text import TextKind, check_text
from domain.warehouse import Placement
from services import auth
from services.context import Services

TEAM_NOTES = 20  # the team view shows the latest notes, not a history


def team(services: Services, actor: Actor, since: date | None = None) -> dict[str, Any]:
    """Your subordinates' contact counts (联系量) and latest sales notes (小记) since a day (default 30 days ago)."""
    require(actor, Perm.SEE_TEAM, "see the team's notes and contact counts")
    start = (datetime.combine(since, time(0), BUSINESS_TZ) if since
             else datetime.now(UTC) - timedelta(days=30))
    with services.transaction() as session:
        reps = subordinates(session, actor, scope_for(session, actor))
        names = [u.username for u in reps]
        counts = contact_counts(session, names, start)
        notes = latest_notes(session, names, start, TEAM_NOTES)
        return {"since": start.isoformat(),
                "reps": [{"rep": u.username, "name": u.name, "active": u.active,
                          "contacts": counts.get(u.username, 0)} for u in reps],
                "notes": [{"rep": n.author, "customer": n.customer_id, "at": n.at.isoformat(), "text": n.text}
                          for n in notes]}


def open_account(services: Services, actor: Actor, username: str, name: str, partner: str,
                 regions: Sequence[str], reports_to: str | None = None) -> dict[str, Any]:
    """Open an agency sales account in the actor's scope, with its regions, and issue its one-time setup code.

    The code is returned here and nowhere else (the store keeps only its hash): the manager hands it to the rep,
    who sets a first password with it.

    An existing username is taken, except a closed sales account of a partner in the actor's scope, which this
    reopens (with a new setup code). A rep sees what is held or signed under their name, so reopening any other
    name would hand its new holder orders and credits the actor has no say over. Taken because it is active or
    because it lies outside the scope: the answer is the same, so it tells nothing about other partners' staff."""
    require(actor, Perm.OPEN_ACCOUNT, "open accounts")  # before any lookup: no permission, nothing learnt
    username = check_username(username)
    partner = check_partner_code(partner)
    reports_to = check_username(reports_to, "reports_to") if reports_to is not None else None
    if not regions:
        raise InvalidInput("an account needs at least one region")
    display = check_text(name, TextKind.PERSON_NAME, "name")
    chosen = sorted({check_text(region, TextKind.REGION) for region in regions})
    with services.transaction() as session:
        scope = scope_for(session, actor)
        check_account_change(actor, scope, Role.SALES, partner, chosen, opening=True)
        known = org_regions(session)  # after the permission and the scope: only then is the org's list told
        chosen = sorted({known_region(region, known) for region in chosen})
        if partner not in partner_codes(session):
            raise InvalidInput(f"there is no partner {partner}")
        if session.get(User, username) is not None:
            held = load_actor(session, username)
            if held.active or held.role is not Role.SALES or not held.partners or not all(
                    scope.covers(p) for p in held.partners):
                raise Refused(f"username {username} is taken")
        if reports_to is not None and not _supervises(session, reports_to, partner):
            # A rep reports to a supervisor of their own agency: anyone else would see the rep's notes and
            # contacts in their team view. Every other name gets this one answer, so nothing is learned.
            raise InvalidInput(f"'{reports_to}' is not an active sales supervisor of partner {partner}")
        save_user(session, UserSpec(username, display, Role.SALES, [partner], reports_to, chosen),
                  actor.username, datetime.now(UTC))
        session.flush()  # the setup code refers to the user row
        code = auth.issue_setup_code(session, username, by=actor.username, days=services.settings.setup_code_days)
    return {"username": username, "partner": partner, "regions": chosen, "setup_code": code,
            "setup_code_days": services.settings.setup_code_days}


def close_account(services: Services, actor: Actor, username: str, reason: str) -> dict[str, Any]:
    """Close an agency sales account: it can do nothing more (its tokens die with it, in db.org_repo.set_active),
    and its warehouse goes to the partner's own, up to its cap, then to the pool (db.warehouse_repo.release_leaver,
    as for a user an org reload deactivates)."""
    require(actor, Perm.CLOSE_ACCOUNT, "close accounts")
    username = check_username(username)
    why = check_text(reason, TextKind.FREE_TEXT, "reason", max_len=200)
    now = datetime.now(UTC)
    with services.transaction() as session:
        user = session.get(User, username)
        target = load_actor(session, username) if user is not None else None
        scope = scope_for(session, actor)
        # A sales account of a partner outside the actor's scope answers as a missing one: guessing names across
        # partners learns nothing.
        if target is None or (target.role is Role.SALES and not scope.covers(min(target.partners, default=None))):
            raise NotFound(f"there is no user '{username}'")
        check_account_change(actor, scope, target.role, min(target.partners, default=None), [], opening=False)
        assert user is not None
        if not user.active:
            raise Refused(f"account {username} is already closed")
        set_active(session, user, False, actor.username, now)
        placed, stranded = leave(session, username, why=f"account closed: {why}", actor=actor.username, at=now,
                                 caps=services.settings.caps())
    return {"username": username, "customers_to_partner": len(placed.to_partner),
            "customers_to_pool": len(placed.to_pool), "open_orders": stranded}


def leave(session: Session, username: str, *, why: str, actor: str, at: datetime,
          caps: dict[Role, int]) -> tuple[Placement, list[str]]:
    """What leaving does, whether the account was closed or an org reload deactivated the user (services.org):
    the warehouse is emptied (db.warehouse_repo.release_leaver) and the open orders are listed, for the partner
    account or the manager to reassign (`order reassign`)."""
    placed = release_leaver(session, username, why=why, actor=actor, at=at, caps=caps)
    return placed, open_orders_of(session, username)


def _supervises(session: Session, username: str, partner: str) -> bool:
    try:
        boss = load_actor(session, username)
    except NotFound:
        return False
    return boss.active and boss.role is Role.SUPERVISOR and partner in boss.partners
