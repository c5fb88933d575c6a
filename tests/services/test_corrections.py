"""Corrections of a customer's facts, called directly on SQLite and PostgreSQL: the deck's case 2 (a caller's number
taken as phone and fax, the real number found later is another rep's customer's), who may correct, the record
of each change and the number keys replaced with it."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from db.models import Customer, CustomerCorrection, CustomerKey, Notification
from domain.errors import InvalidInput, NotFound, NotPermitted, Refused
from domain.people import Actor
from services import customers
from services.context import Services
from services.corrections import OUTSIDE, correct_customer
from services.customers import HIDDEN_HOLDER

Load = Callable[[str], Actor]
ADDRESS = "北京市朝阳区建国路88号"
ALICES_PHONE = "010-62345678"  # customer 1's, in the seed


def _callers_number(services: Services, who: Actor, name: str = "小李贸易有限公司",
                    number: str = "010-65550001") -> int:
    """Case 2: a customer phoned in and the rep took the caller's number as both phone and fax."""
    added = customers.add(services, who, name=name, phone=number, fax=number, address=ADDRESS, region="北京",
                          same_phone_fax=True, confirm_distinct=True)
    return int(added["id"])


def _facts(services: Services, customer_id: int) -> tuple[object, ...]:
    with services.transaction() as session:
        c = session.get(Customer, customer_id)
        assert c is not None
        keys = sorted(session.scalars(select(CustomerKey.key).where(CustomerKey.customer_id == customer_id)))
        return c.phone, c.phone_key, c.fax, c.fax_key, c.address, list(c.risk_flags), keys


def _notes(services: Services, kind: str = "number-collision") -> list[tuple[str, str, str]]:
    with services.transaction() as session:
        return [(n.recipient, n.order_number, n.text) for n in session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.recipient))]


def test_case_2_the_real_number_collides_and_both_holders_are_told_once(services: Services, actor: Load) -> None:
    bobs = _callers_number(services, actor("bob"))
    before = _facts(services, bobs)
    for _ in range(2):  # tried twice: refused twice, told once
        with pytest.raises(Refused) as refused:
            correct_customer(services, actor("bob"), bobs, phone=ALICES_PHONE, fax="010-65550002",
                             reason="the real numbers, from the licence")
        assert refused.value.message == (
            f"customer {bobs} was not corrected: a customer with the same phone, held in {HIDDEN_HOLDER}: pass the "
            "lead to its holder (转交) instead of entering it again; only the holder's channel partner account can "
            "move the customer to another rep (转移)")
    assert _facts(services, bobs) == before
    assert _notes(services) == [
        ("alice", "customer:1", "Number collision (撞单): a customer in another rep's warehouse was corrected to "
         "phone +861062345678, which is already the number of customer 1 '美来尔工程技术有限公司', held by alice "
         "(Alice Wang, partner BJ). The correction was refused; settle whose number it is with the partner "
         "account or the order group."),
        ("bob", f"customer:{bobs}", f"Number collision (撞单): bob corrected customer {bobs} '小李贸易有限公司' to "
         f"phone +861062345678, which is already the number of {OUTSIDE}. "
         "The correction was refused; settle whose number it is with the partner account or the order group.")]
    # The order group sees both sides, and is told whose customer it is.
    with pytest.raises(Refused, match=r"held by alice \(Alice Wang, partner BJ\): pass the lead to its holder"):
        correct_customer(services, actor("olga"), bobs, phone=ALICES_PHONE, reason="checked by phone")


def test_a_collision_across_partners_tells_each_holder_only_their_side(services: Services, actor: Load) -> None:
    carols = int(customers.add(services, actor("carol"), name="浦江贸易有限公司", phone="021-66660007",
                               fax="021-66660008", address="上海市浦东新区世纪大道1号", region="上海")["id"])
    with pytest.raises(Refused, match=re.escape(f"the same fax, held in {HIDDEN_HOLDER}")):
        correct_customer(services, actor("carol"), carols, fax="010-62345679", reason="fax from the letterhead")
    texts = {recipient: text for recipient, _, text in _notes(services)}
    assert set(texts) == {"alice", "carol"}
    assert "carol" not in texts["alice"] and "浦江" not in texts["alice"]
    assert "alice" not in texts["carol"] and "美来尔" not in texts["carol"]


def test_a_correction_replaces_the_keys_and_is_recorded(services: Services, actor: Load) -> None:
    bobs = _callers_number(services, actor("bob"))
    done = correct_customer(services, actor("bob"), bobs, phone="(010) 6555 0003", fax="010-65550004 转 12",
                            reason="the real numbers, from the licence")
    assert done == {"id": bobs, "name": "小李贸易有限公司", "phone": "+861065550003", "fax": "+861065550004",
                    "address": ADDRESS, "risk_flags": [], "corrected": ["phone", "fax"]}
    assert _facts(services, bobs) == ("(010) 6555 0003", "+861065550003", "010-65550004 转 12", "+861065550004",
                                      ADDRESS, [], ["name:小李贸易", "tel:+861065550003", "tel:+861065550004"])
    # The caller's number is free again: another company may have it.
    customers.add(services, actor("alice"), name="大李商行有限公司", phone="010-65550001", fax="010-65550009",
                  address=ADDRESS, region="北京")
    with services.transaction() as session:
        rows = [(r.field, r.before, r.after, r.reason, r.status, r.requested_by) for r in session.scalars(
            select(CustomerCorrection).where(CustomerCorrection.customer_id == bobs).order_by(CustomerCorrection.id))]
    why = "the real numbers, from the licence"
    assert rows == [("phone", "010-65550001", "(010) 6555 0003", why, "applied", "bob"),
                    ("fax", "010-65550001", "010-65550004 转 12", why, "applied", "bob")]
    assert correct_customer(services, actor("sam"), bobs, address="北京市朝阳区建国路99号",
                            reason="moved")["corrected"] == ["address"]
    with pytest.raises(Refused, match="already has these facts"):
        correct_customer(services, actor("bjpartner"), bobs, address="北京市朝阳区建国路99号", reason="again")


def test_who_may_correct(services: Services, actor: Load) -> None:
    bobs = _callers_number(services, actor("bob"))
    for n, who in enumerate(("bob", "sam", "bjpartner", "olga")):
        correct_customer(services, actor(who), bobs, address=f"北京市朝阳区建国路{n}0号", reason=who)
    with pytest.raises(NotFound, match=f"^there is no customer {bobs}$"):  # another rep's: as if missing
        correct_customer(services, actor("alice"), bobs, address="x路1号", reason="mine now")
    with pytest.raises(NotFound):
        correct_customer(services, actor("shpartner"), bobs, address="x路1号", reason="not ours")
    for who in ("gao", "amy", "fay", "mike"):
        with pytest.raises(NotPermitted, match="correct customers: .* lacks the 'correct_customer' permission"):
            correct_customer(services, actor(who), bobs, address="x路1号", reason="not mine")


def test_each_new_value_is_checked_as_at_entry(services: Services, actor: Load) -> None:
    bobs = _callers_number(services, actor("bob"))
    before = _facts(services, bobs)
    with pytest.raises(InvalidInput, match="^phone '13912345678' is a mobile number; .*; fax '12' is not a valid"):
        correct_customer(services, actor("bob"), bobs, phone="13912345678", fax="12", reason="typo")
    with pytest.raises(InvalidInput, match="^nothing to correct"):
        correct_customer(services, actor("bob"), bobs, reason="nothing")
    with pytest.raises(InvalidInput, match="^phone and fax would be the same number; confirm"):
        correct_customer(services, actor("bob"), bobs, phone="010-65550005", fax="010-65550005", reason="both")
    with pytest.raises(InvalidInput, match=r"^reason contains U\+000A LINE FEED"):
        correct_customer(services, actor("bob"), bobs, address="北京市", reason="a\nb")
    assert _facts(services, bobs) == before
    kept = correct_customer(services, actor("bob"), bobs, phone="010-65550005", fax="010-65550005",
                            same_phone_fax=True, reason="one line for both, confirmed")
    assert kept["risk_flags"] == ["same_phone_fax"]


def test_a_local_number_is_read_with_the_area_code_of_the_customer_s_region(services: Services,
                                                                             actor: Load) -> None:
    bobs = _callers_number(services, actor("bob"))  # a customer of 北京
    done = correct_customer(services, actor("bob"), bobs, phone="6555 0007", fax="65550008-12",
                            reason="the numbers from the licence, written without the 区号")
    assert (done["phone"], done["fax"]) == ("+861065550007", "+861065550008")


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_of_two_concurrent_corrections_to_one_number_one_wins(services: Services, actor: Load) -> None:
    """Two customers locked by two transactions, each checked before the other wrote: the unique key decides,
    and the loser's second pass answers as the check would have."""
    for n in range(3):
        ids = [_callers_number(services, actor("bob"), f"{w}号{n}贸易有限公司", f"010-6556{n}{i}01")
               for i, w in enumerate(("甲", "乙"))]
        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(correct_customer, services, actor(who), cid, fax=f"010-6557{n}001",
                                   reason="the same fax") for who, cid in zip(("bob", "sam"), ids, strict=True)]
        won = [f.result() for f in futures if f.exception() is None]
        lost = [f.exception() for f in futures if f.exception() is not None]
        assert len(won) == 1 and len(lost) == 1, lost
        assert isinstance(lost[0], Refused) and "(same fax), held by bob" in lost[0].message
        with services.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Customer).where(
                Customer.fax_key == f"+86106557{n}001")) == 1
