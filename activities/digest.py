"""The daily digest's reads: who has something waiting, and the digest of one person as a notification.

Both only read; the notification is written (once, by its key) by the notify activity the workflow calls next."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from db.digest_sources import SOURCES, DigestItem, active_people
from db.engine import unit_of_work
from domain.digest import digest_text
from orderflow.contracts import NotifyInput
from orderflow.digest_contracts import DigestFor, DigestPeople, DigestRun

DIGEST_KIND = "digest"


def digest_key(day: str, username: str) -> str:
    return f"digest:{day}:{username}"


class DigestActivities:
    def __init__(self, sessions: sessionmaker[Session], desk_url: str) -> None:
        self._sessions, self._desk_url = sessions, desk_url

    @staticmethod
    def _items(session: Session, username: str, run: DigestRun | DigestFor) -> list[DigestItem]:
        return [item for source in SOURCES for item in source(session, username, run.as_of)]

    @activity.defn(name="digest_people")
    def digest_people(self, run: DigestRun) -> DigestPeople:
        """The active people with at least one item, by username: only they get a digest."""
        with unit_of_work(self._sessions) as session:
            return DigestPeople(usernames=[u for u in active_people(session) if self._items(session, u, run)])

    @activity.defn(name="digest_note")
    def digest_note(self, who: DigestFor) -> NotifyInput | None:
        """The person's digest for the day as a notification, or None when nothing waits for them (any more)."""
        with unit_of_work(self._sessions) as session:
            items = self._items(session, who.username, who)
        if not items:
            return None
        day = who.day.isoformat()
        return NotifyInput(key=digest_key(day, who.username), recipient=who.username, order_number=f"digest:{day}",
                           kind=DIGEST_KIND, due_at=None,
                           text=digest_text(who.day, items, self._desk_url, who.per_section))
