"""The team view and agency sales accounts, called directly on SQLite and PostgreSQL: scope, permissions, the
one-time setup code, and closing an account (its tokens die, its customers go to the partner's own warehouse up
to its cap, then to the pool, exactly as when an org reload deactivates the rep)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.auth_models import SetupCode
from db.customer_repo import add_customer
from db.engine import unit_of_work
from db.models import Customer, Order, OrgChange, Ownership, User
from db.org_repo import set_active
from db.warehouse_repo import add_note
from domain.errors import InvalidInput, NotAuthenticated, NotFound, NotPermitted, Refused
from domain.people import Actor, Role
from orderflow.settings import Settings
from services import accounts, auth, org, warehouse
from services.context import Services
from tests.helpers import entry
from tests.invariants import _served

PASSWORD = "correct horse battery"
Load = Callable[[str], Actor]


def _users(services: Services) -> tuple[tuple[str, bool], ...]:
    with services.transaction() as session:
        return tuple((u, a) for u, a in session.execute(select(User.username, User.active).order_by(User.username)))


def test_a_supervisor_sees_their_reps_counts_and_notes(services: Services, actor: Load,
                                                       sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        add_note(session, 1, actor("alice"), "called; renewal in March", datetime.now(UTC))
    team = accounts.team(services, actor("sam"))
    assert {r["rep"]: r["contacts"] for r in team["reps"]} == {"alice": 1, "bob": 0}
    assert [(n["rep"], n["customer"], n["text"]) for n in team["notes"]] == [
        ("alice", 1, "called; renewal in March")]
    # Another partner's manager sees none of BJ's reps; a rep has no team at all.
    assert {r["rep"] for r in accounts.team(services, actor("mary"))["reps"]} == {"carol"}
    with pytest.raises(NotPermitted, match="lacks the 'see_team' permission"):
        accounts.team(services, actor("alice"))


def test_opening_an_account_answers_a_setup_code_once_that_sets_the_first_password(services: Services,
                                                                                   actor: Load) -> None:
    opened = accounts.open_account(services, actor("mike"), "dan", "Dan Deng", "BJ", ["天津", "天津"], "sam")
    code = opened.pop("setup_code")
    assert opened == {"username": "dan", "partner": "BJ", "regions": ["天津"], "setup_code_days": 7}
    with services.transaction() as session:
        stored = session.get(SetupCode, "dan")
        assert stored is not None and code not in stored.code_hash and stored.created_by == "mike"
        dan = session.get(User, "dan")
        assert dan is not None and (dan.role, dan.reports_to, dan.active) == ("sales", "sam", True)
    auth.complete_setup(services, "dan", code, PASSWORD, "127.0.0.1")
    assert auth.authenticate(services, auth.login(services, "dan", PASSWORD, "127.0.0.1", "t")["token"]
                             ).actor.username == "dan"
    with pytest.raises(NotAuthenticated):  # the code was for one use
        auth.complete_setup(services, "dan", code, "another good password", "127.0.0.1")
    with pytest.raises(Refused, match="^username dan is taken$"):
        accounts.open_account(services, actor("mike"), "dan", "Dan", "BJ", ["天津"])


@pytest.mark.parametrize(("who", "partner", "regions", "error", "message"), [
    ("mary", "BJ", ["北京"], NotPermitted, "partner BJ: outside the user's scope"),
    ("sam", "BJ", ["北京"], NotPermitted, "lacks the 'open_account' permission"),
    ("mike", "BJ", ["上海"], NotPermitted, "regions outside its own: 上海"),
    # The permission and the scope are checked before any lookup: no partner's existence is told to those who
    # may not open accounts for it.
    ("mike", "XX", ["北京"], NotPermitted, "partner XX: outside the user's scope"),
    ("sam", "XX", ["北京"], NotPermitted, "lacks the 'open_account' permission"),
    ("fay+open_account", "XX", ["北京"], InvalidInput, "there is no partner XX"),  # scope: every partner
])
def test_opening_outside_the_rules_is_refused_and_changes_nothing(services: Services, actor: Load, who: str,
                                                                  partner: str, regions: list[str],
                                                                  error: type[Exception], message: str) -> None:
    before = _users(services)
    name, _, grant = who.partition("+")
    opener = replace(actor(name), grants=frozenset({grant} - {""}))
    with pytest.raises(error, match=message):
        accounts.open_account(services, opener, "eve", "Eve", partner, regions)
    assert _users(services) == before
    with services.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SetupCode)) == 0


def test_only_a_closed_rep_of_a_partner_in_scope_is_reopened_and_any_other_name_is_taken(
        services: Services, actor: Load, sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        for name in ("carol", "bob", "hank"):  # SH's rep, BJ's rep, BJ's HQ representative: all closed
            user = session.get(User, name)
            assert user is not None
            set_active(session, user, False, "dora", datetime.now(UTC))
    before = _users(services)
    # A rep's scope is their own name: taking over another partner's closed rep would show its orders and credits.
    for who, name, partner, region in [("mike", "carol", "BJ", "北京"), ("mary", "bob", "SH", "上海"),
                                       ("mike", "hank", "BJ", "北京"), ("mike", "alice", "BJ", "北京"),
                                       ("mike", "mary", "BJ", "北京")]:
        with pytest.raises(Refused) as taken:
            accounts.open_account(services, actor(who), name, "Someone", partner, [region])
        assert taken.value.message == f"username {name} is taken", (who, name)
    assert _users(services) == before
    with services.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SetupCode)) == 0

    reopened = accounts.open_account(services, actor("mike"), "bob", "Bob Li", "BJ", ["北京"], "sam")
    assert reopened["setup_code"] and dict(_users(services))["bob"] is True
    with services.transaction() as session:
        assert session.get(SetupCode, "bob") is not None


def test_a_malformed_username_or_unknown_supervisor_is_invalid(services: Services, actor: Load) -> None:
    with pytest.raises(InvalidInput, match="lower-case letters"):
        accounts.open_account(services, actor("mike"), "Eve/../x", "Eve", "BJ", ["北京"])
    # A rep reports to an active supervisor of their own partner; any other name gets the same answer.
    for boss in ("ghost", "carol", "mike", "alice"):
        with pytest.raises(InvalidInput, match=f"'{boss}' is not an active sales supervisor of partner BJ"):
            accounts.open_account(services, actor("mike"), "eve", "Eve", "BJ", ["北京"], boss)


def test_a_partner_supervisor_or_closed_name_is_checked_by_its_form_and_never_echoed(services: Services,
                                                                                      actor: Load) -> None:
    """#20: each is a key, typed by whoever calls; a refusal says which form it needs, not what was typed."""
    before = _users(services)
    hostile = "\x1b[2J<b>x</b>\u202e"
    cases = [(lambda: accounts.open_account(services, actor("mike"), "eve", "Eve", hostile, ["北京"]),
              "^partner must be a partner code"),
             (lambda: accounts.open_account(services, actor("mike"), "eve", "Eve", 'BJ" OR 1', ["北京"]),
              "^partner must be a partner code"),
             (lambda: accounts.open_account(services, actor("mike"), "eve", "Eve", "BJ", ["北京"], hostile),
              "^reports_to must be a username"),
             (lambda: accounts.close_account(services, actor("mike"), hostile, "left"), "^username must be a username")]
    for call, message in cases:
        with pytest.raises(InvalidInput, match=message) as caught:
            call()
        assert not set("\x1b<>\"\u202e") & set(caught.value.message), caught.value.message
    assert _users(services) == before


def test_markup_in_a_display_name_or_a_region_is_refused_naming_the_character(services: Services,
                                                                              actor: Load) -> None:
    before = _users(services)
    with pytest.raises(InvalidInput, match=r'^name contains "<" \(U\+003C LESS-THAN SIGN\); a display name may'):
        accounts.open_account(services, actor("mike"), "eve", "<img src=x onerror=alert(1)>", "BJ", ["北京"])
    with pytest.raises(InvalidInput, match=r"^region contains U\+200B ZERO WIDTH SPACE"):
        accounts.open_account(services, actor("mike"), "eve", "Eve Wu", "BJ", ["北\u200b京"])
    with pytest.raises(InvalidInput, match=r"^reason contains U\+000A LINE FEED, a control character"):
        accounts.close_account(services, actor("mike"), "alice", "left\n2026-11-30 INFO forged line")
    assert _users(services) == before


def test_closing_an_account_revokes_its_tokens_and_pools_its_customers(services: Services, actor: Load) -> None:
    auth.set_password(services, "alice", PASSWORD, by="test")
    token = auth.login(services, "alice", PASSWORD, "127.0.0.1", "laptop")["token"]
    assert auth.authenticate(services, token).actor.username == "alice"
    closed = accounts.close_account(services, actor("mike"), "alice", "left the company")
    assert closed == {"username": "alice", "customers_to_partner": 1, "customers_to_pool": 0, "open_orders": []}
    with pytest.raises(NotAuthenticated):
        auth.authenticate(services, token)
    with services.transaction() as session:
        assert session.get(Customer, 1).owner == "bjpartner"  # type: ignore[union-attr]
        change = session.scalars(select(OrgChange).where(OrgChange.username == "alice")
                                 .order_by(OrgChange.id.desc())).first()
        assert change is not None and (change.field, change.after, change.actor) == ("active", "False", "mike")
    with pytest.raises(Refused, match="already closed"):
        accounts.close_account(services, actor("mike"), "alice", "again")


def test_an_account_outside_the_scope_answers_like_a_missing_one(services: Services, actor: Load) -> None:
    before = _users(services)
    with pytest.raises(NotFound) as outside:
        accounts.close_account(services, actor("mary"), "bob", "left")
    with pytest.raises(NotFound) as missing:
        accounts.close_account(services, actor("mary"), "nobody", "left")
    assert outside.value.message.replace("bob", "X") == missing.value.message.replace("nobody", "X")
    with pytest.raises(NotPermitted, match="lacks the 'close_account' permission"):
        accounts.close_account(services, actor("sam"), "bob", "left")
    with pytest.raises(NotPermitted, match="only close accounts of agencies' sales reps"):
        accounts.close_account(services, actor("dora"), "mike", "left")
    assert _users(services) == before


def test_an_accounts_regions_are_the_orgs_in_its_spelling(services: Services, actor: Load) -> None:
    opened = accounts.open_account(services, actor("mike"), "dan", "Dan Deng", "BJ", ["北京市", "天津 市"])
    assert opened["regions"] == sorted(["北京", "天津"])
    before = _users(services)
    with pytest.raises(InvalidInput, match="^region '火星' is not a region of the org; the known regions nearest"):
        accounts.open_account(services, actor("dora"), "eve", "Eve", "BJ", ["火星"])
    assert _users(services) == before


ORG_FILE = Path(__file__).resolve().parents[2] / "examples" / "org.yaml"
ALICE = ("  - {username: alice, name: Alice Wang, role: sales, partner: BJ, reports_to: sam, regions: [北京],\n"
         "     email: alice@bj.example.com}\n")


def _alices_warehouse(sessions: sessionmaker[Session]) -> dict[str, int]:
    """alice holds customer 1 (contacted today) and four more by their last contact; the oldest has an order in
    flight. bjpartner's own warehouse already holds one customer."""
    now, ids = datetime.now(UTC), {"today": 1}
    with unit_of_work(sessions) as session:
        for n, (label, days) in enumerate([("flight", 90), ("recent", 5), ("old", 20), ("older", 40), ("held", 1)]):
            owner, role = ("bjpartner", Role.PARTNER) if label == "held" else ("alice", Role.SALES)
            ids[label] = add_customer(session, entry(f"{'甲乙丙丁戊'[n]}字号商贸有限公司", f"010-6510{n:04d}",
                                                     f"010-6520{n:04d}"), owner=owner, role=role, partner="BJ",
                                      at=now - timedelta(days=days)).id
        session.add(Order(number="BJ100001", partner_code="BJ", rep="alice", status="AWAITING_ORIGINAL",
                          pending_role="assistant", issue_id="i1", customer_id=ids["flight"], status_since=now,
                          issued_at=now, updated_at=now))
    return ids


def _leave(how: str, services: Services, actor: Load) -> str:
    if how == "close":
        accounts.close_account(services, actor("mike"), "alice", "left the company")
        return "mike"
    text = ORG_FILE.read_text(encoding="utf-8")
    assert ALICE in text
    assert org.reload_org(services, actor("dora"), text.replace(ALICE, ""), "org.yaml")["deactivated"] == ["alice"]
    return "dora"


@pytest.mark.parametrize("how", ["close", "reload"])
@pytest.mark.parametrize(("cap", "to_partner"), [
    (1500, {"today", "flight", "recent", "old", "older"}),
    (4, {"today", "flight", "recent"}),  # room for 3 besides the one held: in flight, then the latest contacts
    (1, {"flight"}),  # full already: the customer being served still goes to the partner, never the pool
])
def test_a_leavers_customers_go_to_the_partners_own_warehouse_up_to_its_cap_then_the_oldest_to_the_pool(
        sessions: sessionmaker[Session], actor: Load, tmp_path: Path, how: str, cap: int,
        to_partner: set[str]) -> None:
    """#16 item 3: closing an account and deactivating the rep by an org reload leave the same way."""
    services = Services(Settings(data_dir=tmp_path, cap_partner=cap), sessions)
    ids = _alices_warehouse(sessions)
    by = _leave(how, services, actor)
    with services.transaction() as session:
        owners = {label: session.get(Customer, cid).owner for label, cid in ids.items()}  # type: ignore[union-attr]
        assert owners == {label: "bjpartner" if label in to_partner | {"held"} else None for label in ids}
        assert _served(session) == []
        last = {label: session.scalars(select(Ownership).where(Ownership.customer_id == cid)
                                       .order_by(Ownership.id.desc())).first() for label, cid in ids.items()}
    for label, record in last.items():
        assert record is not None
        if label == "held":
            continue
        assert (record.previous_owner, record.actor) == ("alice", by)
        where = ("to the partner's own warehouse" if label in to_partner
                 else "to the pool (the partner's own warehouse is full)")
        assert record.reason.startswith(f"rep left, {where}: "), record.reason
    # The partner hands a customer from its own warehouse to a rep (转移), within the sales rep's cap as ever.
    assert warehouse.hand_over(services, actor("bjpartner"), ids["flight"], "bob")["owner"] == "bob"


def test_a_partner_without_an_active_account_keeps_the_served_customer_with_the_orders_rep(
        services: Services, actor: Load, sessions: sessionmaker[Session]) -> None:
    ids = _alices_warehouse(sessions)
    with unit_of_work(sessions) as session:
        set_active(session, session.get(User, "bjpartner"), False, "test", datetime.now(UTC))  # type: ignore[arg-type]
    closed = accounts.close_account(services, actor("mike"), "alice", "left")
    assert closed == {"username": "alice", "customers_to_partner": 0, "customers_to_pool": 4,
                      "open_orders": ["BJ100001"]}
    with services.transaction() as session:
        assert session.get(Customer, ids["flight"]).owner == "alice"  # type: ignore[union-attr]
        assert _served(session) == []


@pytest.mark.parametrize("how", ["close", "reload"])
def test_both_ways_of_leaving_list_the_leavers_open_orders(services: Services, actor: Load,
                                                           sessions: sessionmaker[Session], how: str) -> None:
    """#16 item 3: a reload that deactivates a rep answers their open orders as closing the account does (one
    function, services.accounts.leave), so the director knows what the partner or the manager must reassign."""
    _alices_warehouse(sessions)  # alice's BJ100001 is in flight
    now = datetime.now(UTC)
    with unit_of_work(sessions) as session:
        for number, rep, status in (("BJ100002", "alice", "ISSUED"), ("BJ100003", "alice", "EFFECTIVE"),
                                    ("BJ100004", "bob", "ISSUED")):
            session.add(Order(number=number, partner_code="BJ", rep=rep, status=status, issue_id=number,
                              status_since=now, issued_at=now, updated_at=now))
    if how == "close":
        assert accounts.close_account(services, actor("mike"), "alice", "left")["open_orders"] == [
            "BJ100001", "BJ100002"]
        return
    carol = "  - {username: carol, name: Carol Chen, role: sales, partner: SH, regions: [上海]}\n"
    text = ORG_FILE.read_text(encoding="utf-8")
    loaded = org.reload_org(services, actor("dora"), text.replace(ALICE, "").replace(carol, ""), "org.yaml")
    assert loaded["deactivated"] == ["alice", "carol"]
    assert loaded["open_orders"] == {"alice": ["BJ100001", "BJ100002"], "carol": []}
    assert org.reload_org(services, actor("dora"), text, "org.yaml")["open_orders"] == {}  # nobody left this time
