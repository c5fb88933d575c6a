"""Reference data: partners, their number ranges, and users."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import NumberRangeRow, Partner, User, UserPartner
from domain.errors import NotFound
from domain.numbers import NumberRange
from domain.people import Actor, Role


@dataclass(frozen=True)
class PartnerSpec:
    code: str
    name: str
    ranges: Sequence[NumberRange]


@dataclass(frozen=True)
class UserSpec:
    username: str
    name: str
    role: Role
    partners: Sequence[str]
    reports_to: str | None
    regions: Sequence[str] = ()


@dataclass(frozen=True)
class OrgLoadResult:
    partners: int
    users: int
    deactivated: list[str]


def load_org(session: Session, partners: Sequence[PartnerSpec], users: Sequence[UserSpec]) -> OrgLoadResult:
    """Upsert the whole org. A user missing from the file is deactivated, never deleted."""
    for spec in partners:
        row = session.get(Partner, spec.code)
        if row is None:
            session.add(Partner(code=spec.code, name=spec.name))
        else:
            row.name = spec.name
        session.execute(delete(NumberRangeRow).where(NumberRangeRow.partner_code == spec.code))
        for rng in spec.ranges:
            session.add(NumberRangeRow(partner_code=spec.code, prefix=rng.prefix, first=rng.first, last=rng.last))
    session.flush()
    listed = {u.username for u in users}
    for person in users:
        user = session.get(User, person.username)
        if user is None:
            user = User(username=person.username)
            session.add(user)
        user.name, user.role, user.reports_to, user.active = person.name, person.role.value, person.reports_to, True
        user.regions = list(person.regions)
        session.execute(delete(UserPartner).where(UserPartner.username == person.username))
        session.flush()
        for code in person.partners:
            session.add(UserPartner(username=person.username, partner_code=code))
    deactivated = []
    for user in session.scalars(select(User).where(User.active.is_(True))):
        if user.username not in listed:
            user.active = False
            deactivated.append(user.username)
    return OrgLoadResult(len(partners), len(users), sorted(deactivated))


def all_ranges(session: Session) -> list[NumberRange]:
    rows = session.scalars(select(NumberRangeRow))
    return [NumberRange(r.partner_code, r.prefix, r.first, r.last) for r in rows]


def partner_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Partner.code)))


def known_usernames(session: Session) -> set[str]:
    return set(session.scalars(select(User.username)))


def load_actor(session: Session, username: str) -> Actor:
    user = session.get(User, username)
    if user is None:
        raise NotFound(f"there is no user '{username}' in the org; check --as or load the org file")
    partners = frozenset(session.scalars(select(UserPartner.partner_code).where(UserPartner.username == username)))
    return Actor(user.username, Role(user.role), partners, user.active, user.reports_to, frozenset(user.regions or []))
