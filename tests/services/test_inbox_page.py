"""我的待办 a page at a time (views.inbox_page), on SQLite and PostgreSQL: the database's order and counts agree
with the inbox the API gives (views.inbox) sorted by the desk's rule, for every kind of person, pages neither
repeat nor skip a task, and a deactivated report's open task is marked as theirs."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from db.engine import unit_of_work
from db.models import Order, User
from db.org_repo import set_active
from domain.order import PENDING_ROLE, OrderParties, OrderStatus, pending_user
from domain.people import Actor
from services import views
from services.context import Services

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
REPS = [("BJ", "alice"), ("BJ", "bob"), ("SH", "carol")]
PEOPLE = ["alice", "bob", "amy", "sue", "olga", "fay", "sam"]


def fill(sessions: sessionmaker[Session], count: int) -> None:
    """Orders in every waiting status, some named for a person and some for the role, due in the past, the future
    or never, some sharing a deadline (the tie is broken by the last change, then the number)."""
    rng = random.Random(18)
    waiting = [s for s in PENDING_ROLE if PENDING_ROLE[s] is not None]
    with unit_of_work(sessions) as session:
        for i in range(count):
            partner, rep = REPS[i % len(REPS)]
            status = waiting[i % len(waiting)]
            role = PENDING_ROLE[status]
            named = pending_user(status, OrderParties(f"{partner}{400000 + i}", partner, rep, None, "sam"))
            due = None if i % 5 == 0 else NOW + timedelta(hours=rng.choice([-48, -1, 3, 3, 72]))
            session.add(Order(number=f"{partner}{400000 + i}", partner_code=partner, rep=rep, status=status.value,
                              pending_role=role.value if role else None,
                              pending_user=named if i % 4 else None, issue_id=f"inbox-{i}",
                              status_since=NOW - timedelta(days=3), issued_at=NOW - timedelta(days=3),
                              updated_at=NOW - timedelta(minutes=rng.randint(1, 9000)), due_at=due))


def by_rule(rows: list[dict[str, Any]]) -> list[str]:
    """The desk's order, said in Python: overdue first (longest overdue on top), then by deadline, then those with
    no deadline; ties by the last change, then the number."""
    far = datetime.max.replace(tzinfo=UTC)

    def key(row: dict[str, Any]) -> tuple[datetime, str, str]:
        return (datetime.fromisoformat(row["due_at"]) if row["due_at"] else far, row["updated_at"], row["number"])

    return [r["number"] for r in sorted(rows, key=key)]


def pages(services: Services, actor: Actor, size: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every page's tasks one after the other, and the first page."""
    first = views.inbox_page(services, actor, NOW, size, 0)
    found = list(first["orders"])
    for offset in range(size, first["total"], size):
        found += views.inbox_page(services, actor, NOW, size, offset)["orders"]
    return found, first


def test_pages_hold_the_same_tasks_as_the_inbox_in_deadline_order(sessions: sessionmaker[Session],
                                                                   services: Services,
                                                                   actor: Callable[[str], Actor]) -> None:
    fill(sessions, 120)
    for who in PEOPLE:
        person = actor(who)
        everything = views.inbox(services, person)["orders"]
        found, first = pages(services, person, 7)
        assert [r["number"] for r in found] == by_rule(everything), who
        assert first["total"] == len(everything), who
        overdue = [r for r in found if r["overdue"]]
        assert first["overdue"] == len(overdue) and found[:len(overdue)] == overdue, who
        assert all(datetime.fromisoformat(r["due_at"]) < NOW for r in overdue), who
        assert len({r["number"] for r in found}) == len(found), who
    assert views.inbox_page(services, actor("amy"), NOW, 7, 0)["total"] > 0  # the check above was not empty
    assert views.inbox_page(services, actor("alice"), NOW, 5, 10_000)["orders"] == []


def test_a_deactivated_reports_tasks_reach_their_manager_marked(sessions: sessionmaker[Session],
                                                                services: Services,
                                                                actor: Callable[[str], Actor]) -> None:
    with unit_of_work(sessions) as session:
        # bob's open task; and two sam must not get: one outside his partners, one that is no longer a task.
        for number, status in (("BJ100002", OrderStatus.ISSUED), ("SH200002", OrderStatus.ISSUED),
                               ("BJ100003", OrderStatus.EFFECTIVE)):
            session.add(Order(number=number, partner_code=number[:2], rep="bob", status=status.value,
                              pending_role="sales", pending_user="bob", issue_id=number, status_since=NOW,
                              issued_at=NOW, updated_at=NOW, due_at=NOW - timedelta(hours=2)))
    assert views.inbox_page(services, actor("sam"), NOW, 50, 0)["total"] == 0
    with unit_of_work(sessions) as session:
        bob = session.get(User, "bob")
        assert bob is not None
        set_active(session, bob, False, "mike", NOW)
    page = views.inbox_page(services, actor("sam"), NOW, 50, 0)
    assert [(r["number"], r["pending"], r["overdue"]) for r in page["orders"]] == [
        ("BJ100002", "bob (deactivated)", True)]
    assert page["orders"][0]["left_by"] == "bob"
    assert (page["total"], page["overdue"]) == (1, 1)
    assert [(r["number"], r["pending"]) for r in views.inbox(services, actor("sam"))["orders"]] == [
        ("BJ100002", "bob (deactivated)")]
