"""A corrected licensed name, called directly on SQLite and PostgreSQL: asked by the holder's side, decided by the
order group, checked for collisions when asked and when approved, its key replaced on approval."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select

from db.models import Customer, CustomerCorrection, CustomerKey, Notification
from domain.errors import NotFound, NotPermitted, Refused
from domain.people import Actor
from services import customers
from services.context import Services
from services.customers import HIDDEN_HOLDER
from services.name_corrections import decide_name, request_name, waiting

Load = Callable[[str], Actor]
ADDRESS = "北京市朝阳区建国路88号"


def _bobs(services: Services, actor: Load, name: str = "小李贸易有限公司") -> int:
    return int(customers.add(services, actor("bob"), name=name, phone="010-65550001", fax="010-65550002",
                             address=ADDRESS, region="北京")["id"])


def _name(services: Services, customer_id: int) -> tuple[str, list[str]]:
    with services.transaction() as session:
        c = session.get(Customer, customer_id)
        assert c is not None
        keys = sorted(session.scalars(select(CustomerKey.key).where(CustomerKey.customer_id == customer_id,
                                                                    CustomerKey.key.startswith("name:"))))
        return c.name, keys


def _told(services: Services, kind: str) -> list[str]:
    with services.transaction() as session:
        return sorted(session.scalars(select(Notification.recipient).where(Notification.kind == kind)))


def test_a_name_correction_waits_for_the_order_group_and_replaces_the_key(services: Services, actor: Load) -> None:
    bobs = _bobs(services, actor)
    asked = request_name(services, actor("bob"), bobs, name="小李国际贸易(北京)有限公司", reason="the licence says so")
    assert asked == {"correction": asked["correction"], "customer": bobs, "before": "小李贸易有限公司",
                     "after": "小李国际贸易(北京)有限公司", "reason": "the licence says so", "status": "pending",
                     "requested_by": "bob", "decided_by": None, "decision": None}
    assert _name(services, bobs) == ("小李贸易有限公司", ["name:小李贸易"])
    assert _told(services, "name-correction") == ["olga"]
    assert [w["correction"] for w in waiting(services, actor("olga"), limit=10)] == [asked["correction"]]
    with pytest.raises(Refused, match=f"waiting for the order group .correction {asked['correction']}: '小李国际"):
        request_name(services, actor("sam"), bobs, name="小李商贸有限公司", reason="again")
    with pytest.raises(NotPermitted, match="lacks the 'decide_correction' permission"):
        decide_name(services, actor("bob"), bobs, approve=True, reason="mine")
    done = decide_name(services, actor("olga"), bobs, approve=True, reason="licence checked")
    assert (done["status"], done["decided_by"], done["decision"]) == ("applied", "olga", "licence checked")
    assert _name(services, bobs) == ("小李国际贸易(北京)有限公司", ["name:小李国际贸易"])
    assert _told(services, "name-correction") == ["bob", "olga"]
    assert waiting(services, actor("olga"), limit=10) == []
    with pytest.raises(NotFound, match="has no name correction waiting"):
        decide_name(services, actor("olga"), bobs, approve=True, reason="again")
    # The old name is free for another company to be entered under, once the rep confirms it is not bob's 小李国际贸易
    # (the same brand, 小李: an alert since #19).
    with pytest.raises(Refused, match="same brand 小李"):
        customers.add(services, actor("alice"), name="小李贸易有限公司", phone="010-65550011", fax="010-65550012",
                      address=ADDRESS, region="北京")
    customers.add(services, actor("alice"), name="小李贸易有限公司", phone="010-65550011", fax="010-65550012",
                  address=ADDRESS, region="北京", confirm_distinct=True)


def test_a_name_that_is_another_customers_is_refused_and_both_holders_are_told(services: Services,
                                                                               actor: Load) -> None:
    bobs = _bobs(services, actor)
    with pytest.raises(Refused) as refused:
        request_name(services, actor("bob"), bobs, name="美来尔工程技术(北京)有限公司", reason="the licence")
    assert refused.value.message == (f"customer {bobs} was not corrected: a customer with the same name, held in "
                                     f"{HIDDEN_HOLDER}: pass the lead to its holder (转交) instead of entering "
                                     "it again; only the holder's channel partner account can move the customer to "
                                     "another rep (转移)")
    assert _told(services, "name-collision") == ["alice", "bob"]
    with services.transaction() as session:
        assert session.scalars(select(CustomerCorrection)).all() == []
    with pytest.raises(Refused, match=re.escape("possible collision: a customer with a similar name")):
        request_name(services, actor("bob"), bobs, name="美来尔工程技木有限公司", reason="the licence")
    assert request_name(services, actor("bob"), bobs, name="美来尔工程技木有限公司", reason="the licence",
                        confirm_distinct=True)["status"] == "pending"


def test_a_name_taken_before_approval_is_refused_then_rejected(services: Services, actor: Load) -> None:
    bobs = _bobs(services, actor)
    request_name(services, actor("bjpartner"), bobs, name="长江物流有限公司", reason="licence")
    customers.add(services, actor("alice"), name="长江物流有限公司", phone="010-65550021", fax="010-65550022",
                  address=ADDRESS, region="北京")
    with pytest.raises(Refused, match=r"\(same name\), held by alice"):
        decide_name(services, actor("olga"), bobs, approve=True, reason="licence checked")
    assert _name(services, bobs) == ("小李贸易有限公司", ["name:小李贸易"])
    rejected = decide_name(services, actor("olga"), bobs, approve=False, reason="the name is alice's customer's")
    assert rejected["status"] == "rejected"
    assert _told(services, "name-correction") == ["bjpartner", "bob", "olga"]


def test_who_may_ask(services: Services, actor: Load) -> None:
    bobs = _bobs(services, actor)
    with pytest.raises(NotFound, match=f"^there is no customer {bobs}$"):
        request_name(services, actor("alice"), bobs, name="小李商贸有限公司", reason="x")
    for who in ("gao", "fay", "amy"):
        with pytest.raises(NotPermitted, match="lacks the 'correct_customer' permission"):
            request_name(services, actor(who), bobs, name="小李商贸有限公司", reason="x")
    with pytest.raises(NotPermitted, match="lacks the 'decide_correction' permission"):
        waiting(services, actor("bob"), limit=10)
