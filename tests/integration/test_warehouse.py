"""Claims, hand-overs, notes and ownership history on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.customer_repo import add_customer
from db.engine import unit_of_work
from db.models import Customer
from db.org_repo import load_actor
from db.warehouse_repo import add_note, claim, hand_over, history, move, release_leaver
from domain.errors import NotPermitted, Refused
from domain.people import Role
from domain.warehouse import ClaimRules
from tests.helpers import NOW, entry

CAPS = {Role.SALES: 400, Role.PARTNER: 1500}


def _pool(sessions: sessionmaker[Session], name: str, n: int, region: str = "北京", holder: str = "bob") -> int:
    """A customer that `holder` entered and that then went back to the pool."""
    with unit_of_work(sessions) as session:
        c = add_customer(session, entry(name, f"010-6700{n:04d}", f"010-6800{n:04d}", region=region), owner=holder,
                         role=Role.SALES, partner="BJ", at=NOW - timedelta(days=40))
        move(session, c, None, reason="recycled", actor="system", at=NOW - timedelta(days=10))
        return c.id


def _claim(sessions: sessionmaker[Session], cid: int, who: str, rules: ClaimRules = ClaimRules(),
           caps: dict[Role, int] = CAPS, at=NOW) -> Customer:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        return claim(session, cid, load_actor(session, who), at, rules, caps)


def test_a_claim_takes_a_pool_customer_of_the_reps_region(sessions: sessionmaker[Session]):
    cid = _pool(sessions, "长城建材有限公司", 1)
    assert _claim(sessions, cid, "alice").owner == "alice"
    with pytest.raises(Refused, match="already yours"):
        _claim(sessions, cid, "alice")
    with pytest.raises(Refused, match=r"held by alice \(Alice Wang, partner BJ\), not in the pool"):
        _claim(sessions, cid, "bob")
    far = _pool(sessions, "黄河物流有限公司", 2, region="上海")
    with pytest.raises(Refused, match="under region 上海, outside your regions .北京.: file a transfer-in"):
        _claim(sessions, far, "alice")
    with unit_of_work(sessions) as session:
        assert [(h.previous_owner, h.new_owner, h.reason) for h in history(session, cid)] == [
            (None, "bob", "entered"), ("bob", None, "recycled"), (None, "alice", "claimed")]


def test_claims_are_limited_per_day_capped_and_cooled_down(sessions: sessionmaker[Session]):
    names = ["一号贸易有限公司", "二号科技有限公司", "三号物流有限公司"]
    ids = [_pool(sessions, name, i) for i, name in enumerate(names, 10)]
    _claim(sessions, ids[0], "alice", ClaimRules(daily_limit=1))
    with pytest.raises(Refused, match="alice has claimed 1 customers today; the daily limit is 1"):
        _claim(sessions, ids[1], "alice", ClaimRules(daily_limit=1))
    with pytest.raises(Refused, match="alice's warehouse holds 2 customers; the cap for a sales is 2"):
        _claim(sessions, ids[1], "alice", caps={Role.SALES: 2})
    # bob lost ids[2] to the pool 10 days ago: with a 30-day cooldown he waits 20 more days
    with pytest.raises(Refused, match="left bob's warehouse on .*; it may be claimed back from"):
        _claim(sessions, ids[2], "bob")
    assert _claim(sessions, ids[2], "bob", at=NOW + timedelta(days=21)).owner == "bob"


def test_the_partner_hands_over_between_its_own_reps(sessions: sessionmaker[Session]):
    with unit_of_work(sessions) as session:
        moved = hand_over(session, 1, load_actor(session, "bjpartner"), "bob", NOW, CAPS)
        assert moved.owner == "bob"
    for who, to, message, error in [
        ("sam", "alice", "channel partner's transfer right.*lacks the 'hand_over' permission", NotPermitted),
        ("bjpartner", "carol", "only go to an active sales rep of bjpartner or to bjpartner's own warehouse",
         Refused),
        ("bjpartner", "bob", "already in bob's warehouse", Refused),
        ("bjpartner", "zed", "no user 'zed'", Refused),
    ]:
        with unit_of_work(sessions) as session, pytest.raises(error, match=message):
            hand_over(session, 1, load_actor(session, who), to, NOW, CAPS)
    with unit_of_work(sessions) as session:
        assert ("alice", "bob", "handed over from alice", "bjpartner") in [
            (h.previous_owner, h.new_owner, h.reason, h.actor) for h in history(session, 1)]


def test_only_the_holder_notes_a_customer_and_a_note_is_contact(sessions: sessionmaker[Session]):
    with unit_of_work(sessions) as session:
        add_note(session, 1, load_actor(session, "alice"), "visited; renewal likely in March", NOW)
    with unit_of_work(sessions) as session:
        assert session.get(Customer, 1).last_contact_at == NOW  # type: ignore[union-attr]
        with pytest.raises(NotPermitted, match="held by alice"):
            add_note(session, 1, load_actor(session, "bob"), "x", NOW)


def test_an_approved_transfer_in_moves_once_corrects_the_region_and_respects_the_cap(
        sessions: sessionmaker[Session]):
    from temporalio.exceptions import ApplicationError
    from temporalio.testing import ActivityEnvironment

    from activities.customers import CustomerActivities
    from orderflow.customer_contracts import TransferMove
    from orderflow.notify import LogSender

    far = _pool(sessions, "黄河物流有限公司", 30, region="上海")
    run = ActivityEnvironment().run
    move_in = TransferMove(application_id="transfer-in-x", customer_id=far, rep="alice", region="北京", at=NOW)
    with pytest.raises(ApplicationError, match="alice's warehouse holds 1 customers; the cap for a sales is 1"):
        run(CustomerActivities(sessions, {Role.SALES: 1}, LogSender()).transfer_in, move_in)
    acts = CustomerActivities(sessions, CAPS, LogSender())
    assert run(acts.transfer_in, move_in) == "北京"
    assert run(acts.transfer_in, move_in) == "北京"  # a retried attempt
    with unit_of_work(sessions) as session:
        moved = session.get(Customer, far)
        assert moved is not None and (moved.owner, moved.region) == ("alice", "北京")
        assert [h.reason for h in history(session, far)][-1] == "transfer-in approved (transfer-in-x)"
        assert len(history(session, far)) == 3
    taken = move_in.model_copy(update={"rep": "bob"})
    with pytest.raises(ApplicationError, match="left the pool .now held by alice."):
        run(acts.transfer_in, taken)


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_two_leavers_at_once_fill_the_partners_own_warehouse_to_its_cap_not_past_it(
        sessions: sessionmaker[Session]):
    """alice and bob leave at the same moment with two customers each and room for three in bjpartner's own
    warehouse: the partner account's row lock makes the second count the first's moves.
    (PostgreSQL only, like the concurrent claims: SQLite's driver starts its transaction at the first write.)"""
    for i, name in enumerate(["一号贸易有限公司", "二号科技有限公司", "三号物流有限公司"], 40):
        with unit_of_work(sessions) as session:
            add_customer(session, entry(name, f"010-6700{i:04d}", f"010-6800{i:04d}"), owner="bob" if i < 42 else
                         "alice", role=Role.SALES, partner="BJ", at=NOW - timedelta(days=i))
    caps = {Role.SALES: 400, Role.PARTNER: 3}

    def leave(rep: str) -> None:
        with unit_of_work(sessions) as session:
            release_leaver(session, rep, why="left", actor="mike", at=NOW, caps=caps)

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(leave, rep) for rep in ("alice", "bob")]:
            done.result()
    with unit_of_work(sessions) as session:
        owners = sorted(owner or "" for owner in session.scalars(select(Customer.owner)))
    assert owners == ["", "bjpartner", "bjpartner", "bjpartner"]
