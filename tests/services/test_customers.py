"""Customer entry, the collision check and the list, called directly on SQLite and PostgreSQL: the deck's rules,
the permissions, and the scope (a hit or an id outside the caller's scope tells nothing about its holder)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.customer_repo import add_customer
from db.engine import unit_of_work
from db.models import Customer, CustomerKey, Ownership
from db.warehouse_repo import move
from domain.errors import InvalidInput, NotPermitted, Refused
from domain.people import Actor, Role
from services import customers
from services.context import Services
from services.customers import HIDDEN_HOLDER
from tests.helpers import entry

Load = Callable[[str], Actor]
ADDRESS = "北京市海淀区中关村大街1号"
ALICES = {"customer": 1, "name": "美来尔工程技术有限公司", "match": "name", "score": 100, "why": "",
          "holder": "alice (Alice Wang, partner BJ)", "region": "北京"}
HIDDEN = {"customer": None, "name": None, "match": "name", "score": 100, "why": "", "holder": HIDDEN_HOLDER,
          "region": None}


def _add(services: Services, who: Actor, name: str, phone: str = "010-63330001", fax: str = "010-63330002",
         **flags: bool) -> dict[str, object]:
    return customers.add(services, who, name=name, phone=phone, fax=fax, address=ADDRESS, region="北京", **flags)


def _store(services: Services) -> tuple[int, int, int]:
    with services.transaction() as session:
        return (session.scalar(select(func.count()).select_from(Customer)) or 0,
                session.scalar(select(func.count()).select_from(CustomerKey)) or 0,
                session.scalar(select(func.count()).select_from(Ownership)) or 0)


def _pool(sessions: sessionmaker[Session], name: str, phone: str, fax: str, region: str = "北京") -> int:
    """A customer bob entered that then went back to the public pool."""
    long_ago = datetime.now(UTC) - timedelta(days=60)
    with unit_of_work(sessions) as session:
        c = add_customer(session, entry(name, phone, fax, region=region), owner="bob", role=Role.SALES,
                         partner="BJ", at=long_ago)
        move(session, c, None, reason="recycled", actor="system", at=long_ago)
        return c.id


def test_an_entry_goes_in_and_answers_what_the_cli_printed(services: Services, actor: Load) -> None:
    added = _add(services, actor("bob"), "长城建材有限公司")
    assert added == {"id": 2, "name": "长城建材有限公司", "owner": "bob", "phone": "+861063330001",
                     "fax": "+861063330002", "risk_flags": []}
    same = _add(services, actor("bob"), "小小商店有限公司", "010-63330004", "(010)63330004", same_phone_fax=True)
    assert same["risk_flags"] == ["same_phone_fax"]
    with pytest.raises(InvalidInput, match="--same-phone-fax"):
        _add(services, actor("bob"), "大大商店有限公司", "010-63330005", "010-63330005")


def test_a_collision_outside_the_callers_scope_is_refused_without_naming_the_holder(services: Services,
                                                                                    actor: Load) -> None:
    before = _store(services)
    # The deck's case 1, entered by another rep: refused, but bob learns neither alice nor the stored name.
    with pytest.raises(Refused) as refused:
        _add(services, actor("bob"), "美来尔工程技术(北京)有限公司")
    assert refused.value.message == (f"a customer with the same name, held in {HIDDEN_HOLDER}: pass the lead to "
                                     "its holder (转交) instead of entering it again; only the holder's channel "
                                     "partner account can move the customer to another rep (转移)")
    # Nor do the refusal's code and facts (what a client words it by): the kind of match only.
    assert (refused.value.code, refused.value.params) == ("entry_held", {"match": "name"})
    with pytest.raises(Refused) as similar:
        _add(services, actor("bob"), "美来尔工程技木有限公司")
    assert (similar.value.code, similar.value.params) == ("entry_similar", {})
    assert similar.value.message.startswith("possible collision: a customer with a similar name (")
    assert "alice" not in similar.value.message and "美来尔" not in similar.value.message
    assert "--confirm-distinct" in similar.value.message
    assert _store(services) == before
    confirmed = _add(services, actor("bob"), "美来尔工程技木有限公司", confirm_distinct=True)
    assert confirmed["risk_flags"] == ["confirmed_distinct_from:1"]


def test_a_collision_in_scope_or_in_the_pool_is_named_as_before(services: Services, actor: Load,
                                                                 sessions: sessionmaker[Session]) -> None:
    with pytest.raises(Refused, match="^already yours: customer 1 '美来尔工程技术有限公司' .same name., held by alice"):
        _add(services, actor("alice"), "美来尔工程技术(北京)有限公司")
    # A supervisor given the entry right sees its partner's holders (and has no warehouse of its own).
    sam = actor("sam")
    entering = Actor(sam.username, sam.role, sam.partners, grants=frozenset({"enter_customer"}))
    with pytest.raises(Refused, match=r"held by alice \(Alice Wang, partner BJ\): pass the lead to its holder"):
        _add(services, entering, "美来尔工程技术(北京)有限公司")
    with pytest.raises(Refused, match="sam is a supervisor and has no warehouse"):
        _add(services, entering, "全新公司有限公司")
    # Rule B: the pool's customer is everyone's to claim or transfer in, so its id is given.
    pooled = _pool(sessions, "黄河物流有限公司", "010-64440001", "010-64440002", region="上海")
    with pytest.raises(Refused, match=f"under region 上海: file a transfer-in .*transfer-in {pooled} --reason"):
        _add(services, actor("alice"), "黄河物流有限公司")


def test_entering_needs_the_entry_right(services: Services, actor: Load) -> None:
    before = _store(services)
    for who in ("amy", "sam", "bjpartner", "gao", "olga"):
        with pytest.raises(NotPermitted, match="lacks the 'enter_customer' permission"):
            _add(services, actor(who), "新新科技有限公司")
    assert _store(services) == before


def test_markup_in_a_company_name_is_refused_at_the_door_naming_the_character(services: Services,
                                                                              actor: Load) -> None:
    before = _store(services)
    with pytest.raises(InvalidInput, match=r'^company name contains "<" \(U\+003C LESS-THAN SIGN\); a licensed'):
        _add(services, actor("bob"), "<b>x</b>有限公司")
    with pytest.raises(InvalidInput, match=r"^company name contains U\+202E RIGHT-TO-LEFT OVERRIDE"):
        _add(services, actor("bob"), "华信\u202e司公限有")
    with pytest.raises(InvalidInput, match=r'^company name contains "!" \(U\+0021 EXCLAMATION MARK\)'):
        _check(services, actor("bob"), name="![t](http://127.0.0.1:9/track.png)科技有限公司")
    assert _store(services) == before


def _check(services: Services, who: Actor, name: str = "北京美来尔工程技术有限公司",
           **numbers: str) -> list[dict[str, object]]:
    return customers.check(services, who, name=name, **numbers)


def test_the_check_shows_holders_in_scope_and_hides_the_rest(services: Services, actor: Load) -> None:
    for who in ("alice", "sam", "bjpartner", "amy", "hank", "mike", "dora", "gao"):
        assert _check(services, actor(who)) == [ALICES], who
    # Another rep of the same partner, another partner's rep, its manager and its agency: only the match.
    for who in ("bob", "carol", "mary", "shpartner"):
        assert _check(services, actor(who)) == [HIDDEN], who
    by_number = _check(services, actor("carol"), name="某某有限公司", phone="(010)62345678", fax="010 6234 5679")
    assert by_number == [{**HIDDEN, "match": "phone"}]
    similar = _check(services, actor("carol"), name="美来尔工程技木有限公司")
    assert [(h["customer"], h["name"], h["match"], h["holder"]) for h in similar] == [
        (None, None, "similar name", HIDDEN_HOLDER)]


def test_the_check_shows_a_pool_customer_to_anyone_and_needs_the_see_customers_right(
        services: Services, actor: Load, sessions: sessionmaker[Session]) -> None:
    pooled = _pool(sessions, "长城建材有限公司", "010-64440003", "010-64440004")
    assert _check(services, actor("carol"), name="长城建材有限公司") == [
        {"customer": pooled, "name": "长城建材有限公司", "match": "name", "score": 100, "why": "",
         "holder": "the public pool", "region": "北京"}]
    assert _check(services, actor("carol"), name="无关公司有限公司") == []
    for who in ("olga", "fay"):
        with pytest.raises(NotPermitted, match="lacks the 'see_customers' permission"):
            _check(services, actor(who))
    with pytest.raises(InvalidInput):
        _check(services, actor("alice"), phone="not a number")


def test_the_list_is_scoped_and_paged(services: Services, actor: Load, sessions: sessionmaker[Session]) -> None:
    for n in range(3):
        _add(services, actor("carol"), f"上海{'甲乙丙'[n]}贸易有限公司", f"021-6555000{n}", f"021-6556000{n}")
    _add(services, actor("bob"), "长城建材有限公司")

    def ids(who: str, limit: int = 100, offset: int = 0) -> list[object]:
        return [c["id"] for c in customers.list_customers(services, actor(who), limit=limit, offset=offset)]

    assert ids("alice") == [1] and ids("bob") == [5] and ids("carol") == [2, 3, 4]
    assert ids("sam") == [1, 5] and ids("mary") == ids("shpartner") == [2, 3, 4]
    assert ids("gao") == [1, 2, 3, 4, 5] and ids("dora") == [1, 2, 3, 4, 5]
    assert ids("gao", limit=2) == [1, 2] and ids("gao", limit=2, offset=2) == [3, 4] and ids("gao", offset=5) == []
    assert customers.list_customers(services, actor("alice"), limit=10) == [
        {"id": 1, "name": "美来尔工程技术有限公司", "region": "北京", "owner": "alice"}]
    for who in ("olga", "fay"):
        with pytest.raises(NotPermitted, match="lacks the 'see_customers' permission"):
            ids(who)


def test_a_region_is_one_of_the_orgs_however_spelled(services: Services, actor: Load,
                                                      sessions: sessionmaker[Session]) -> None:
    # Before: bob's recycled customer under 北京, entered again by alice as 北京市, said "file a transfer-in".
    pooled = _pool(sessions, "黄河物流有限公司", "010-64440001", "010-64440002", region="北京")
    for typed in ("北京市", "北京 市"):
        with pytest.raises(Refused, match=f"in your region: claim it .*claim {pooled}"):
            customers.add(services, actor("alice"), name="黄河物流有限公司", phone="010-64440011",
                          fax="010-64440012", address=ADDRESS, region=typed)
    added = customers.add(services, actor("alice"), name="长江物流有限公司", phone="010-64440021",
                          fax="010-64440022", address=ADDRESS, region="北京市")
    with services.transaction() as session:
        stored = session.get(Customer, added["id"])
        assert stored is not None and stored.region == "北京"  # the org's spelling
    before = _store(services)
    with pytest.raises(InvalidInput) as unknown:
        customers.add(services, actor("alice"), name="珠江物流有限公司", phone="010-64440031", fax="010-64440032",
                      address=ADDRESS, region="北平")
    assert unknown.value.message == ("region '北平' is not a region of the org; the known regions nearest to it: "
                                     "北京, 上海, 天津")
    assert _store(services) == before
