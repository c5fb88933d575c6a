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
from domain.errors import DomainError, InvalidInput, NotFound, NotPermitted, Refused
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


def test_the_pool_lists_what_the_rep_could_claim_newest_first_and_says_why_not(
        services: Services, actor: Load, sessions: sessionmaker[Session]) -> None:
    """公海: a rep sees the pool customers of their own regions (any spelling of one), the last to enter the pool
    first, each with when and why it went there and whether the rep may claim it now; another region's are not
    listed, held ones never."""
    older = _pool(sessions, n=1)
    spelled = _pool(sessions, region="北京市", n=2)
    shanghai = _pool(sessions, region="上海", n=3)
    with unit_of_work(sessions) as session:  # alice released one of them herself a day ago: the cooldown holds it
        c = session.get(Customer, older)
        assert c is not None
        move(session, c, "alice", reason="claimed", actor="alice", at=datetime.now(UTC) - timedelta(days=2))
        move(session, c, None, reason="recycled", actor="system", at=datetime.now(UTC) - timedelta(days=1))
    middle = _pool(sessions, n=4)
    with unit_of_work(sessions) as session:  # a rep left it to the pool a month ago
        c = session.get(Customer, middle)
        assert c is not None
        move(session, c, "bob", reason="claimed", actor="bob", at=datetime.now(UTC) - timedelta(days=31))
        move(session, c, None, reason="rep left, to the pool (the partner has no account): dismissed for fraud",
             actor="mike", at=datetime.now(UTC) - timedelta(days=30))
    rows = warehouse.pool(services, actor("alice"))
    # Why each is in the pool by its kind only: the manager's words on closing bob's account stay in the history.
    assert [(r["id"], r["region"], r["reason"], r["may_claim"]) for r in rows] == [
        (older, "北京", "recycled", False), (middle, "北京", "rep_left", True), (spelled, "北京市", "recycled", True)]
    assert "may be claimed back from" in rows[0]["why_not"] and rows[1]["why_not"] is None
    assert rows[0]["why_not_code"] == "cooldown" and set(rows[0]["why_not_params"]) == {"customer", "left", "back"}
    assert "fraud" not in str(rows)
    assert rows[0]["entered_at"] > rows[1]["entered_at"] > rows[2]["entered_at"]
    assert [r["id"] for r in warehouse.pool(services, actor("carol"))] == [shanghai]
    # Paging, and the search over the name (as typed or by its key) and the phone.
    assert [r["id"] for r in warehouse.pool(services, actor("alice"), limit=1, offset=2)] == [spelled]
    assert [r["id"] for r in warehouse.pool(services, actor("alice"), query="二号")] == [spelled]
    assert [r["id"] for r in warehouse.pool(services, actor("alice"), query="北京长城二号建材")] == [spelled]
    assert [r["id"] for r in warehouse.pool(services, actor("alice"), query="(010) 6666 0203")] == [spelled]
    assert warehouse.pool(services, actor("alice"), query="不存在的公司") == []
    assert [r["id"] for r in warehouse.pool(services, actor("alice"), query="  ")] == [older, middle, spelled]
    # Claimed, it leaves the pool.
    warehouse.claim(services, actor("bob"), spelled)
    assert [r["id"] for r in warehouse.pool(services, actor("alice"))] == [older, middle]


def test_the_pool_says_when_the_daily_limit_or_the_cap_stops_a_claim(
        actor: Load, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    first, second = _pool(sessions, n=1), _pool(sessions, n=2)
    services = Services(Settings(data_dir=tmp_path, claim_daily_limit=1), sessions)
    warehouse.claim(services, actor("bob"), first)
    [row] = warehouse.pool(services, actor("bob"))
    assert (row["id"], row["may_claim"]) == (second, False) and "the daily limit is 1" in row["why_not"]
    capped = Services(Settings(data_dir=tmp_path, cap_sales=1), sessions)
    [row] = warehouse.pool(capped, actor("alice"))  # alice holds customer 1 of the demo data
    assert not row["may_claim"] and row["why_not"] == "alice's warehouse holds 1 customers; the cap for a sales is 1"
    assert warehouse.holdings(capped, actor("alice")) == {"owner": "alice", "held": 1, "cap": 1, "full": True}
    assert warehouse.holdings(services, actor("bob")) == {"owner": "bob", "held": 1, "cap": 400, "full": False}
    assert warehouse.holdings(services, actor("bjpartner"))["cap"] == 1500
    with pytest.raises(Refused, match="has no warehouse"):
        warehouse.holdings(services, actor("sam"))
    with pytest.raises(NotPermitted, match="lacks the 'see_customers' permission"):
        warehouse.holdings(services, actor("olga"))


def test_only_who_may_claim_sees_the_pool_and_odd_input_is_refused(services: Services, actor: Load,
                                                                   sessions: sessionmaker[Session]) -> None:
    _pool(sessions)
    for who in ("sam", "bjpartner", "mike", "gao", "olga", "fay"):
        with pytest.raises(NotPermitted, match="lacks the 'claim' permission"):
            warehouse.pool(services, actor(who))
    with pytest.raises(InvalidInput, match="^the search text is 101 characters long; search with at most 100 "):
        warehouse.pool(services, actor("alice"), query="长" * 101)
    assert warehouse.pool(services, actor("alice"), query="长" * 100) == []
    for limit in (0, 202):
        with pytest.raises(InvalidInput, match="a page of the public pool has 1 to 200 customers"):
            warehouse.pool(services, actor("alice"), limit=limit)
    with pytest.raises(InvalidInput, match="offset"):
        warehouse.pool(services, actor("alice"), offset=-1)
    with pytest.raises(InvalidInput, match="the search text contains"):
        warehouse.pool(services, actor("alice"), query="长城\x00")
