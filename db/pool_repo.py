"""The public pool (公海) as a rep browses it: the pool's customers of some regions, searched by name, name key or
number, the last released first; and the counts a claim is checked by (the day's claims, the cooldown), which the
claim (db.warehouse_repo.claim) and the pool's list read alike."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from db.models import Customer, Ownership
from domain.names import name_key


def pool_regions(session: Session) -> list[str]:
    """The regions of the public pool's customers as stored (a region can be stored in more than one spelling, e.g.
    北京 and 北京市): the caller picks those that are the actor's with domain.regions.in_regions, the claim's rule."""
    return sorted(session.scalars(select(Customer.region).where(Customer.owner.is_(None)).distinct()))


@dataclass(frozen=True)
class PoolRow:
    id: int
    name: str
    region: str
    entered_at: datetime | None  # when it last went to the pool (None: no ownership record says so)
    reason: str | None  # why, as the ownership record says ("recycled", "rep left, to the pool ...")


# A typed telephone or fax, or part of one: digits and what people write between them.
_PHONE_LIKE = re.compile(r"[0-9 +()\-./]+")
MIN_PHONE_DIGITS = 4  # fewer digits than this would match almost every number


def _search(text: str) -> list[ColumnElement[bool]]:
    """Where a search text may match: the name as stored, the name's key (so 北京美来尔 or 美來爾 finds 美来尔...), and,
    when it looks like a phone number, the stored phone and fax (stored as +86..., so a leading 0 is dropped)."""
    found: list[ColumnElement[bool]] = [Customer.name.contains(text, autoescape=True)]
    key = name_key(text)
    if key:
        found.append(Customer.name_key.contains(key, autoescape=True))
    folded = unicodedata.normalize("NFKC", text)
    digits = "".join(ch for ch in folded if ch.isdigit() and ch.isascii()).lstrip("0")
    if _PHONE_LIKE.fullmatch(folded) and len(digits) >= MIN_PHONE_DIGITS:
        found += [Customer.phone_key.contains(digits), Customer.fax_key.contains(digits)]
    return found


def pool_customers(session: Session, regions: list[str], search: str | None, limit: int,
                   offset: int = 0) -> list[PoolRow]:
    """The public pool's customers under these regions (as stored), optionally matching a search text, the ones
    that went to the pool last first (then the newest customer first)."""
    if not regions:
        return []
    pooled_at = (select(func.max(Ownership.at)).where(Ownership.customer_id == Customer.id,
                                                      Ownership.new_owner.is_(None))
                 .correlate(Customer).scalar_subquery())
    stmt = select(Customer.id, Customer.name, Customer.region, pooled_at.label("entered_at")).where(
        Customer.owner.is_(None), Customer.region.in_(regions))
    if search:
        stmt = stmt.where(or_(*_search(search)))
    rows = session.execute(stmt.order_by(pooled_at.desc().nulls_last(), Customer.id.desc())
                           .limit(limit).offset(offset)).all()
    reasons: dict[int, tuple[datetime, int, str]] = {}
    if rows:
        for cid, at, oid, reason in session.execute(
                select(Ownership.customer_id, Ownership.at, Ownership.id, Ownership.reason).where(
                    Ownership.customer_id.in_([r.id for r in rows]), Ownership.new_owner.is_(None))):
            if cid not in reasons or (at, oid) > reasons[cid][:2]:
                reasons[cid] = (at, oid, reason)
    return [PoolRow(r.id, r.name, r.region, r.entered_at,
                    reasons[r.id][2] if r.id in reasons else None) for r in rows]


def claims_since(session: Session, username: str, since: datetime) -> int:
    """How many customers the user claimed (挑入) since a moment: the daily limit counts them."""
    return int(session.scalar(select(func.count()).select_from(Ownership).where(
        Ownership.new_owner == username, Ownership.reason == "claimed", Ownership.at >= since)) or 0)


def released_by(session: Session, username: str, customer_ids: list[int]) -> dict[int, datetime]:
    """When each of these customers last left the user's warehouse: the claim-back cooldown starts then."""
    if not customer_ids:
        return {}
    rows = session.execute(select(Ownership.customer_id, func.max(Ownership.at)).where(
        Ownership.customer_id.in_(customer_ids), Ownership.previous_owner == username)
        .group_by(Ownership.customer_id))
    return {cid: at for cid, at in rows}
