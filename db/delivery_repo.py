"""Who a notification reaches and by which channels: the org file's channels, and one delivery row per
channel of each person, written in the notification's own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.delivery_models import Delivery, UserChannel
from db.models import User
from domain.people import Role, desk_address

if TYPE_CHECKING:
    from db.org_repo import UserSpec

PENDING, SENDING, SENT, FAILED, SKIPPED = "pending", "sending", "sent", "failed", "skipped"
OPEN = (PENDING, SENDING)  # not yet delivered: what the workflow, the sweep and the ops report look at
EMAIL, CHAT, NONE = "email", "chat", "none"


ChannelChange = tuple[str, str, str | None, str | None]


def save_channels(session: Session, users: Sequence[UserSpec], at: datetime) -> list[ChannelChange]:
    """The org file's channels of each listed user, replacing what an earlier load wrote; the channels of a user
    no longer in the file are removed. Returns what changed as (username, "email" | "chat", before, after) with
    "set" or None for the values: an address or robot URL (its token) is not copied into the org's history."""
    changes: list[ChannelChange] = []

    def note(username: str, channel: str, old: object, new: object) -> None:
        if old != new:
            changes.append((username, channel, "set" if old else None, "set" if new else None))

    listed = {person.username for person in users}
    for gone in session.scalars(select(UserChannel).where(UserChannel.username.not_in(listed))):
        note(gone.username, "email", gone.email, None)
        note(gone.username, "chat", gone.chat_url, None)
        session.delete(gone)
    for person in users:
        row = session.get(UserChannel, person.username)
        old_chat = (row.chat_kind, row.chat_url, row.chat_secret) if row is not None else None
        new_chat = (person.chat.kind, person.chat.url, person.chat.secret) if person.chat else None
        note(person.username, "email", row.email if row is not None else None, person.email)
        note(person.username, "chat", old_chat if old_chat and old_chat[1] else None, new_chat)
        if person.email is None and person.chat is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = UserChannel(username=person.username)
            session.add(row)
        row.email, row.updated_at = person.email, at
        row.chat_kind = person.chat.kind if person.chat else None
        row.chat_url = person.chat.url if person.chat else None
        row.chat_secret = person.chat.secret if person.chat else None
    return changes


def _desk_role(recipient: str) -> str | None:
    return next((role.value for role in Role if desk_address(role) == recipient), None)


def plan_deliveries(session: Session, key: str, recipient: str, at: datetime,
                    channels: frozenset[str] | None = None) -> list[Delivery]:
    """One row per channel of each person the recipient resolves to (a desk: its active people). Someone who
    cannot be reached gets one `none` row, skipped with the reason, so the record says why nobody was told; a
    deactivated person's notices go to their manager (reports_to), as their inbox does, and the row says so.
    `channels`: what this server sends (None: all); a person's other channels are recorded as skipped."""
    rows: list[Delivery] = []
    role = _desk_role(recipient)
    if role is not None:
        people = list(session.scalars(select(User).where(User.role == role, User.active.is_(True))
                                      .order_by(User.username)))
        if not people:
            rows.append(_row(key, recipient, NONE, at, SKIPPED, "nobody active at this desk"))
    else:
        user = session.get(User, recipient)
        people = [] if user is None or not user.active else [user]
        if user is None:
            rows.append(_row(key, recipient, NONE, at, SKIPPED, "not a user in the org"))
        elif not user.active:
            manager = active_manager(session, user)
            rows.append(_row(key, recipient, NONE, at, SKIPPED,
                             f"deactivated: handed to {manager.username}" if manager else "deactivated"))
            people = [manager] if manager else []
    for person in people:
        rows += _rows_for(session, key, person, at, channels)
    session.add_all(rows)
    return rows


def active_manager(session: Session, user: User) -> User | None:
    manager = session.get(User, user.reports_to) if user.reports_to else None
    return manager if manager is not None and manager.active else None


def hand_over(session: Session, key: str, manager: User, at: datetime, channels: frozenset[str]) -> list[Delivery]:
    """A person deactivated after the notification was planned: their manager's rows, those not already there
    (the manager may have been told too). Delivered by the sweep, which starts the notification's delivery."""
    have = {(c, p) for c, p in session.execute(select(Delivery.channel, Delivery.person)
                                               .where(Delivery.notification_key == key))}
    rows = [r for r in _rows_for(session, key, manager, at, channels) if (r.channel, r.person) not in have]
    session.add_all(rows)
    return rows


def _row(key: str, person: str, channel: str, at: datetime, status: str, reason: str | None = None) -> Delivery:
    return Delivery(notification_key=key, channel=channel, person=person, status=status, reason=reason,
                    attempts=0, created_at=at)


def _rows_for(session: Session, key: str, user: User, at: datetime,
              channels: frozenset[str] | None) -> list[Delivery]:
    rows = []
    reach = session.get(UserChannel, user.username)
    for channel, address in ((EMAIL, reach.email if reach else None), (CHAT, reach.chat_url if reach else None)):
        if address and (channels is None or channel in channels):
            rows.append(_row(key, user.username, channel, at, PENDING))
        elif address:
            rows.append(_row(key, user.username, channel, at, SKIPPED, f"{channel} is off on this server"))
    if reach is None or not (reach.email or reach.chat_url):
        rows.append(_row(key, user.username, NONE, at, SKIPPED, "no e-mail or chat in the org file"))
    return rows


def has_pending(session: Session, key: str) -> bool:
    return session.scalar(select(Delivery.id).where(Delivery.notification_key == key, Delivery.status.in_(OPEN))
                          .limit(1)) is not None


def pending_ids(session: Session, key: str) -> list[int]:
    return list(session.scalars(select(Delivery.id).where(Delivery.notification_key == key,
                                                          Delivery.status.in_(OPEN)).order_by(Delivery.id)))


def stale_pending_keys(session: Session, created_before: datetime, limit: int, offset: int = 0) -> list[str]:
    """Notifications with a delivery still open since before the given time, the longest waiting first: during
    a long outage the first ones are running workflows (left alone by the sweep), and ordering by key would hand
    the same ones back every time while a later key whose start was lost waits."""
    oldest = func.min(Delivery.created_at)
    return list(session.scalars(select(Delivery.notification_key).where(
        Delivery.status.in_(OPEN), Delivery.created_at < created_before).group_by(Delivery.notification_key)
        .order_by(oldest, Delivery.notification_key).offset(offset).limit(limit)))


def delivery_counts(session: Session, open_before: datetime) -> dict[str, dict[str, int]]:
    """For the ops report, counts only (no people or addresses): failed deliveries by channel, and those still
    open (pending or being sent) since before `open_before`, by channel."""
    def by_channel(*where: Any) -> dict[str, int]:
        rows = session.execute(select(Delivery.channel, func.count()).where(*where).group_by(Delivery.channel))
        return {channel: int(n) for channel, n in rows}

    return {"failed": by_channel(Delivery.status == FAILED),
            "open_too_long": by_channel(Delivery.status.in_(OPEN), Delivery.created_at < open_before)}
