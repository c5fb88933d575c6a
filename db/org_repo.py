"""Reference data: partners, their number ranges, and users, with the history of changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.auth_repo import end_sign_in
from db.delivery_repo import save_channels
from db.models import NumberRangeRow, OrgChange, Partner, User, UserPartner
from domain.errors import NotFound
from domain.numbers import NumberRange
from domain.people import Actor, Role
from domain.permissions import PartnerInfo, Scope, scope_of


@dataclass(frozen=True)
class PartnerSpec:
    code: str
    name: str
    ranges: Sequence[NumberRange]
    manager: str | None = None
    regions: Sequence[str] = ()


@dataclass(frozen=True)
class ChatSpec:
    kind: str  # domain.channels.ChatKind
    url: str = field(repr=False)  # carries the robot's access token
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class UserSpec:
    username: str
    name: str
    role: Role
    partners: Sequence[str]
    reports_to: str | None
    regions: Sequence[str] = ()
    grants: Sequence[str] = field(default_factory=list)
    email: str | None = None
    chat: ChatSpec | None = None


@dataclass(frozen=True)
class OrgLoadResult:
    partners: int
    users: int
    deactivated: list[str]
    changes: int


def _partners_of(session: Session, username: str) -> list[str]:
    return sorted(session.scalars(select(UserPartner.partner_code).where(UserPartner.username == username)))


def load_org(session: Session, partners: Sequence[PartnerSpec], users: Sequence[UserSpec],
             actor: str = "org file", at: datetime | None = None) -> OrgLoadResult:
    """Upsert the whole org. A user missing from the file is deactivated, never deleted; every change of a
    user's role, partners, manager, regions, grants or active flag is recorded."""
    at = at or datetime.now(UTC)
    for spec in partners:
        row = session.get(Partner, spec.code)
        if row is None:
            row = Partner(code=spec.code)
            session.add(row)
        row.name, row.manager, row.regions = spec.name, spec.manager, list(spec.regions)
        session.execute(delete(NumberRangeRow).where(NumberRangeRow.partner_code == spec.code))
        for rng in spec.ranges:
            session.add(NumberRangeRow(partner_code=spec.code, prefix=rng.prefix, first=rng.first, last=rng.last))
    session.flush()
    changes = 0
    for person in users:
        changes += save_user(session, person, actor, at)
    # channel changes are recorded by kind only (their values hold addresses and robot tokens)
    for username, channel, before, after in save_channels(session, users, at):
        session.add(OrgChange(username=username, field=channel, before=before, after=after, actor=actor, at=at))
        changes += 1
    deactivated = []
    listed = {u.username for u in users}
    for user in session.scalars(select(User).where(User.active.is_(True))):
        if user.username not in listed:
            changes += set_active(session, user, False, actor, at)
            deactivated.append(user.username)
    return OrgLoadResult(len(partners), len(users), sorted(deactivated), changes)


def save_user(session: Session, person: UserSpec, actor: str, at: datetime) -> int:
    user = session.get(User, person.username)
    before = {} if user is None else {
        "role": user.role, "partners": ",".join(_partners_of(session, user.username)), "reports_to": user.reports_to,
        "regions": ",".join(sorted(user.regions or [])), "grants": ",".join(sorted(user.grants or [])),
        "active": str(user.active)}
    if user is None:
        user = User(username=person.username)
        session.add(user)
    user.name, user.role, user.reports_to, user.active = person.name, person.role.value, person.reports_to, True
    user.regions, user.grants = sorted(person.regions), sorted(person.grants)
    session.execute(delete(UserPartner).where(UserPartner.username == person.username))
    session.flush()
    for code in person.partners:
        session.add(UserPartner(username=person.username, partner_code=code))
    after = {"role": user.role, "partners": ",".join(sorted(person.partners)), "reports_to": person.reports_to,
             "regions": ",".join(user.regions), "grants": ",".join(user.grants), "active": "True"}
    changed = [k for k in after if before[k] != after[k]] if before else ["created"]
    for name in changed:
        session.add(OrgChange(username=person.username, field=name, before=before.get(name),
                              after=after.get(name, "created"), actor=actor, at=at))
    return len(changed)


def set_active(session: Session, user: User, active: bool, actor: str, at: datetime) -> int:
    if user.active == active:
        return 0
    session.add(OrgChange(username=user.username, field="active", before=str(user.active), after=str(active),
                          actor=actor, at=at))
    user.active = active
    if not active:
        # The one place a user is deactivated (org reload, account closed): their tokens, password and setup code
        # go in the same transaction, so reactivating the user later revives none of them.
        end_sign_in(session, user.username, at, f"deactivated by {actor}")
    return 1


def all_ranges(session: Session) -> list[NumberRange]:
    rows = session.scalars(select(NumberRangeRow))
    return [NumberRange(r.partner_code, r.prefix, r.first, r.last) for r in rows]


def partner_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Partner.code)))


def org_regions(session: Session) -> set[str]:
    """The org's regions as its file spells them: the partners' and the active users' (domain.regions.known_region
    checks a typed region against these)."""
    found = {r for regions in session.scalars(select(Partner.regions)) for r in regions or []}
    return found | {r for regions in session.scalars(select(User.regions).where(User.active.is_(True)))
                    for r in regions or []}



def load_actor(session: Session, username: str) -> Actor:
    user = session.get(User, username)
    if user is None:
        raise NotFound(f"there is no user '{username}' in the org; check --as or load the org file")
    return Actor(user.username, Role(user.role), frozenset(_partners_of(session, username)), user.active,
                 user.reports_to, frozenset(user.regions or []), frozenset(user.grants or []))


def scope_for(session: Session, actor: Actor) -> Scope:
    partners = [PartnerInfo(p.code, p.manager, frozenset(p.regions or [])) for p in session.scalars(select(Partner))]
    rows = session.execute(select(User.username, User.reports_to).where(User.role == Role.MANAGER.value)).all()
    managers = {username: boss for username, boss in rows}
    return scope_of(actor, partners, managers)


def subordinates(session: Session, actor: Actor, scope: Scope) -> list[User]:
    """The reps an actor oversees: direct reports, or every rep of the partners in scope."""
    reps = select(User).where(User.role == Role.SALES.value).order_by(User.username)
    found = list(session.scalars(reps))
    if scope.everything:
        return found
    mine = set(session.scalars(select(UserPartner.username).where(UserPartner.partner_code.in_(scope.partners))))
    return [u for u in found if u.reports_to == actor.username or u.username in mine]
