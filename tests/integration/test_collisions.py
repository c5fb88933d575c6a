"""Customer entry against the real databases: every outcome, the recorded confirmation, the cap, history."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.customer_repo import add_customer, find_hits
from db.engine import unit_of_work
from db.models import Customer, Ownership
from domain.collisions import Match
from domain.errors import Refused
from domain.names import keys_of
from domain.people import Role
from tests.helpers import NOW, entry


def _add(sessions: sessionmaker[Session], e, owner: str = "bob", **kw) -> Customer:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        return add_customer(session, e, owner=owner, role=Role.SALES, partner="BJ", at=NOW, **kw)


def test_a_similar_name_needs_confirmation_which_is_recorded(sessions: sessionmaker[Session]):
    similar = entry("美来尔工程技木有限公司", "010-63000001", "010-63000002")  # 木 for 术: a likely typo
    with pytest.raises(Refused, match="possible collision: customer 1 '美来尔工程技术有限公司' .similar name"):
        _add(sessions, similar)
    created = _add(sessions, similar, confirm_distinct=True)
    assert created.risk_flags == ["confirmed_distinct_from:1"]
    with unit_of_work(sessions) as session:
        history = session.scalars(select(Ownership).where(Ownership.customer_id == created.id)).all()
        assert [(h.previous_owner, h.new_owner, h.reason) for h in history] == [
            (None, "bob", "entered (confirmed distinct)")]


def test_the_public_pool_says_claim_or_transfer_in(sessions: sessionmaker[Session]):
    pooled = _add(sessions, entry("长城建材有限公司", "010-63000011", "010-63000012", region="上海"))
    with unit_of_work(sessions) as session:
        session.get(Customer, pooled.id).owner = None  # type: ignore[union-attr]
    with pytest.raises(Refused, match="under region 上海: file a transfer-in application"):
        _add(sessions, entry("长城建材(上海)有限公司", "010-63000013", "010-63000014", region="北京"), owner="alice")
    with pytest.raises(Refused, match="in your region: claim it"):
        _add(sessions, entry("长城建材有限公司", "010-63000015", "010-63000016", region="上海"), owner="alice")


def test_the_same_number_under_another_name_collides(sessions: sessionmaker[Session]):
    with pytest.raises(Refused, match="customer 1 .* .same fax., held by alice"):
        _add(sessions, entry("完全不同贸易有限公司", "010-63000021", "(010)62345679"))
    with unit_of_work(sessions) as session:
        hits = find_hits(session, keys_of("完全不同贸易"), {Match.PHONE: "+861062345678"}, 85)
        assert [(h.customer_id, h.match) for h in hits] == [(1, Match.PHONE)]


def test_an_entry_above_the_cap_is_refused(sessions: sessionmaker[Session]):
    _add(sessions, entry("一号贸易有限公司", "010-63000031", "010-63000032"), caps={Role.SALES: 2})
    _add(sessions, entry("二号科技有限公司", "010-63000033", "010-63000034"), caps={Role.SALES: 2})
    with pytest.raises(Refused, match="bob's warehouse holds 2 customers; the cap for a sales is 2"):
        _add(sessions, entry("三号物流有限公司", "010-63000035", "010-63000036"), caps={Role.SALES: 2})


@pytest.mark.parametrize(("typed", "why"), [
    ("美莱尔工程技术有限公司", "sounds the same"),  # 莱 for 来: a homophone typo on the phone
    ("美来尔技术有限公司", "same brand 美来尔"),  # a trade word dropped
    ("美来尔工程技术咨询有限公司", "same brand 美来尔"),  # one added
])
def test_alerts_say_why_and_are_about_the_entering_rep_s_region(sessions: sessionmaker[Session], typed: str,
                                                                 why: str):
    """Customer 1 (美来尔工程技术, the seed's) is in 北京: the same typo entered in 上海 alerts nothing, since one brand
    in two cities is two companies; an exact key still refuses in every region."""
    with pytest.raises(Refused, match=f"possible collision: customer 1 '美来尔工程技术有限公司' .{why}, "):
        _add(sessions, entry(typed, "010-63000021", "010-63000022"))
    _add(sessions, entry(typed, "021-63000021", "021-63000022", region="上海"))
    with pytest.raises(Refused, match="customer 1 '美来尔工程技术有限公司' .same name."):
        _add(sessions, entry("美来尔工程技术有限公司", "021-63000031", "021-63000032", region="上海"))


def test_one_brand_in_another_trade_and_names_sharing_only_trade_words_alert_nothing(
        sessions: sessionmaker[Session]):
    for i, name in enumerate(["美来尔物流有限公司", "华通工程技术有限公司"]):
        _add(sessions, entry(name, f"010-6300004{i}", f"010-6300005{i}"))
