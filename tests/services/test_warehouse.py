"""Claims, hand-overs, notes and the ownership history, called directly on SQLite and PostgreSQL: a customer id
outside the caller's scope answers exactly like a missing one, and a refused call changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.customer_repo import add_customer
from db.engine import unit_of_work
from db.models import Customer, CustomerNote, Ownership
from db.warehouse_repo import move
from domain.errors import DomainError, NotFound, NotPermitted, Refused
from domain.people import Actor, Role
from orderflow.settings import Settings
from services import warehouse
from services.context import Services
from tests.helpers import entry

Load = Callable[[str], Actor]


def _store(services: Services) -> tuple[object, ...]:
    with services.transaction() as session:
        return (tuple(session.execute(select(Customer.id, Customer.owner).order_by(Customer.id)).all()),
                session.scalar(select(func.count()).select_from(Ownership)),
                session.scalar(select(func.count()).select_from(CustomerNote)))


def _pool(sessions: sessionmaker[Session], region: str = "北京", n: int = 0) -> int:
    long_ago = datetime.now(UTC) - timedelta(days=60)
    name = "长城建材有限公司" if n == 0 else f"长城{'一二三四五'[n - 1]}号建材有限公司"
    with unit_of_work(sessions) as session:
        c = add_customer(session, entry(name, f"010-6666{n:02d}03", f"010-6666{n:02d}04", region=region),
                         owner="bob", role=Role.SALES, partner="BJ", at=long_ago)
        move(session, c, None, reason="recycled", actor="system", at=long_ago)
        return c.id


def _message(call: Callable[..., Any], *args: Any) -> str:
    with pytest.raises(DomainError) as failed:
        call(*args)
    assert isinstance(failed.value, NotFound), failed.value
    return failed.value.message


def test_another_partners_customer_answers_like_a_missing_one(services: Services, actor: Load) -> None:
    before = _store(services)
    calls: dict[str, Callable[[int], Any]] = {
        "history": lambda cid: warehouse.history(services, actor("carol"), cid),
        "history (manager)": lambda cid: warehouse.history(services, actor("mary"), cid),
        "note": lambda cid: warehouse.note(services, actor("carol"), cid, "called"),
        "claim": lambda cid: warehouse.claim(services, actor("carol"), cid),
        "hand-over": lambda cid: warehouse.hand_over(services, actor("shpartner"), cid, "carol"),
        # Within one partner a rep sees only their own warehouse.
        "a colleague's history": lambda cid: warehouse.history(services, actor("bob"), cid),
        "a colleague's note": lambda cid: warehouse.note(services, actor("bob"), cid, "called"),
        "a colleague's claim": lambda cid: warehouse.claim(services, actor("bob"), cid),
    }
    for what, call in calls.items():
        assert _message(call, 1) == "there is no customer 1", what
        assert _message(call, 999) == "there is no customer 999", what
    assert _store(services) == before


def test_permission_comes_before_the_lookup(services: Services, actor: Load) -> None:
    before = _store(services)
    for who in ("sam", "alice", "mike"):
        with pytest.raises(NotPermitted, match="lacks the 'hand_over' permission"):
            warehouse.hand_over(services, actor(who), 999, "bob")
    for who in ("sam", "bjpartner", "gao"):
        with pytest.raises(NotPermitted, match="lacks the 'note' permission"):
            warehouse.note(services, actor(who), 1, "called")
        with pytest.raises(NotPermitted, match="lacks the 'claim' permission"):
            warehouse.claim(services, actor(who), 1)
    for who in ("olga", "fay"):
        with pytest.raises(NotPermitted, match="lacks the 'see_customers' permission"):
            warehouse.history(services, actor(who), 1)
    assert _store(services) == before


def test_the_holder_notes_the_partner_hands_over_and_the_history_shows_it(services: Services,
                                                                          actor: Load) -> None:
    noted = warehouse.note(services, actor("alice"), 1, "visited; likes the renewal offer")
    assert (noted["customer"], noted["author"]) == (1, "alice") and noted["at"].startswith(str(datetime.now(UTC).year))
    assert warehouse.hand_over(services, actor("bjpartner"), 1, "bob") == {
        "id": 1, "name": "美来尔工程技术有限公司", "owner": "bob"}
    # alice no longer holds it: for her it is now outside her scope.
    assert _message(lambda: warehouse.note(services, actor("alice"), 1, "again")) == "there is no customer 1"
    history = warehouse.history(services, actor("sam"), 1)
    assert [(h["from"], h["to"], h["reason"], h["by"]) for h in history] == [
        (None, "alice", "entered", "alice"), ("alice", "bob", "handed over from alice", "bjpartner")]
    assert warehouse.history(services, actor("bob"), 1, limit=1, offset=1) == history[1:]
    # Another partner's rep and no one at all: the same answer.
    for name in ("carol", "nobody"):
        with pytest.raises(Refused) as refused:
            warehouse.hand_over(services, actor("bjpartner"), 1, name)
        assert refused.value.message == (f"customer 1 can only go to an active sales rep of bjpartner or to "
                                         f"bjpartner's own warehouse; '{name}' is neither")
    with pytest.raises(Refused, match="sam .sales supervisor. is neither"):
        warehouse.hand_over(services, actor("bjpartner"), 1, "sam")


def test_a_rep_claims_from_the_pool_of_any_partner(services: Services, actor: Load,
                                                   sessions: sessionmaker[Session]) -> None:
    pooled = _pool(sessions)
    # The pool is everyone's: carol is told to file a transfer-in, not that the customer does not exist.
    with pytest.raises(Refused, match="outside your regions .上海.: file a transfer-in"):
        warehouse.claim(services, actor("carol"), pooled)
    assert warehouse.claim(services, actor("alice"), pooled) == {"id": pooled, "name": "长城建材有限公司",
                                                                 "owner": "alice"}
    with pytest.raises(Refused, match="already yours"):
        warehouse.claim(services, actor("alice"), pooled)


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_of_two_concurrent_claims_one_wins_and_the_other_learns_nothing(services: Services, actor: Load,
                                                                        sessions: sessionmaker[Session]) -> None:
    for n in range(1, 6):
        pooled = _pool(sessions, n=n)
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(warehouse.claim, services, actor(rep), pooled) for rep in ("alice", "bob")]
        won = [f.result() for f in futures if f.exception() is None]
        lost = [f.exception() for f in futures if f.exception() is not None]
        assert len(won) == 1 and len(lost) == 1, lost
        assert isinstance(lost[0], NotFound) and lost[0].message == f"there is no customer {pooled}"
        with services.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Ownership).where(
                Ownership.customer_id == pooled, Ownership.reason == "claimed")) == 1


def test_a_pool_customer_stored_under_another_spelling_of_the_reps_region_is_claimed(
        services: Services, actor: Load, sessions: sessionmaker[Session]) -> None:
    pooled = _pool(sessions, region="北京市")  # as typed before regions were checked
    assert warehouse.claim(services, actor("alice"), pooled)["owner"] == "alice"


def test_the_partners_own_warehouse_holds_customers_up_to_its_cap_and_hands_them_to_its_reps(
        actor: Load, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """The partner account's warehouse (上限1500, here 1) is a real one: the partner takes a customer into it, its cap
    refuses a second, and it hands the customer on to a rep (转移) with an ownership record each time."""
    services = Services(Settings(data_dir=tmp_path, cap_partner=1), sessions)
    pooled = _pool(sessions)
    warehouse.claim(services, actor("bob"), pooled)
    assert warehouse.hand_over(services, actor("bjpartner"), 1, "bjpartner")["owner"] == "bjpartner"
    before = _store(services)
    with pytest.raises(Refused, match="^bjpartner's warehouse holds 1 customers; the cap for a partner is 1$"):
        warehouse.hand_over(services, actor("bjpartner"), pooled, "bjpartner")
    with pytest.raises(Refused, match="^customer 1 is already in bjpartner's warehouse$"):
        warehouse.hand_over(services, actor("bjpartner"), 1, "bjpartner")
    assert _store(services) == before
    # Another partner's account neither sees it nor can take it.
    assert _message(lambda: warehouse.hand_over(services, actor("shpartner"), 1, "shpartner")) == (
        "there is no customer 1")
    assert warehouse.hand_over(services, actor("bjpartner"), 1, "bob")["owner"] == "bob"
    assert [(h["from"], h["to"], h["by"]) for h in warehouse.history(services, actor("sam"), 1)][1:] == [
        ("alice", "bjpartner", "bjpartner"), ("bjpartner", "bob", "bjpartner")]
