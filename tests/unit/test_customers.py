"""Customer keys and entry rules, table-driven over the deck's two cases and many variants."""

from __future__ import annotations

import pytest

from domain.collisions import Hit, Match, check_entry, decide_entry
from domain.errors import InvalidInput, Refused
from domain.names import name_key
from domain.people import Actor, Role
from domain.regions import known_region, region_key
from domain.warehouse import PoolCustomer, StoredFacts, check_cap, check_confirmed_facts, check_transfer_in

SAME_COMPANY = [
    "美来尔工程技术有限公司",  # case 1: entered without a keyword search...
    "美来尔工程技术(北京)有限公司",  # ...collides with this one, in another rep's warehouse
    "美来尔工程技术（北京）有限公司",  # full-width brackets
    "美来尔工程技术（北京市）有限公司",
    "北京美来尔工程技术有限公司",  # a leading city
    "北京市美来尔工程技术有限公司",
    "美来尔 工程技术 有限公司",  # spacing
    "美来尔工程技术有限责任公司",  # another legal form
    "美来尔工程技术股份有限公司",
    "美来尔工程技术公司",
    "美来尔工程技术",
    "美来尔工程技术有限公司。",  # punctuation
]


@pytest.mark.parametrize("variant", SAME_COMPANY)
def test_variants_of_one_company_share_a_key(variant: str):
    assert name_key(variant) == "美来尔工程技术"


@pytest.mark.parametrize(("left", "right"), [
    ("ＡＢＣ Trading 有限公司", "abc trading有限公司"),  # full-width Latin and case
    ("上海东方贸易有限公司", "东方贸易(上海)有限公司"),
    ("黑龙江省北方农业集团", "北方农业集团"),
    ("广西壮族自治区桂林旅游有限公司", "桂林旅游有限公司"),
])
def test_more_variants_share_a_key(left: str, right: str):
    assert name_key(left) == name_key(right)


@pytest.mark.parametrize(("left", "right"), [
    ("美来尔工程技术有限公司", "美来尔建材有限公司"),
    ("华信(集团)有限公司", "华信有限公司"),  # a bracket that is not a region is part of the name
    ("北京", "上海"),
])
def test_different_companies_keep_different_keys(left: str, right: str):
    assert name_key(left) != name_key(right)


def test_entry_needs_four_valid_facts_each_named():
    with pytest.raises(InvalidInput) as caught:
        check_entry(" ", "12", "138 1234 5678", "", "北京", same_phone_fax=False)
    message = caught.value.message
    assert "company name must not be empty" in message
    assert "phone '12' is not a valid telephone number" in message
    assert "fax '138 1234 5678' is a mobile number" in message
    assert "address must not be empty" in message


def test_a_mobile_is_refused_as_the_fixed_phone():
    with pytest.raises(InvalidInput, match="phone '13812345678' is a mobile number"):
        check_entry("美来尔工程技术有限公司", "13812345678", "010-62345679", "a", "北京", same_phone_fax=False)


def test_one_number_as_phone_and_fax_needs_confirmation_and_is_flagged():
    with pytest.raises(InvalidInput, match="phone and fax are the same number; confirm"):
        check_entry("美来尔工程技术有限公司", "010-62345678", "(010)62345678", "a", "北京", same_phone_fax=False)
    entry = check_entry("美来尔工程技术有限公司", "010-62345678", "(010)62345678", "a", "北京", same_phone_fax=True)
    assert entry.risk_flags == ["same_phone_fax"] and entry.number_keys() == ["+861062345678"]


def _hit(owner: str | None, match: Match = Match.NAME, region: str = "北京", score: float = 100) -> Hit:
    holder = "the public pool" if owner is None else f"{owner} (X, partner BJ)"
    return Hit(7, "美来尔工程技术(北京)有限公司", owner, holder, region, match, score)


@pytest.mark.parametrize(("hit", "message"), [
    (_hit("alice"), "already yours"),
    (_hit("bob"), r"held by bob \(X, partner BJ\): pass the lead to its holder \(转交\) instead of entering it "
                  r"again; only the holder's channel partner account can move the customer to another rep \(转移\)"),
    (_hit(None, region="上海"), "under region 上海: file a transfer-in application"),
    (_hit(None), "in your region: claim it"),
    (_hit("bob", Match.PHONE), "same phone"),
    (_hit("bob", Match.FAX), "same fax"),
    (_hit("bob", Match.SIMILAR, score=91), "possible collision: .*similar name, 91%.*--confirm-distinct"),
])
def test_each_outcome_of_the_collision_check(hit: Hit, message: str):
    with pytest.raises(Refused, match=message):
        decide_entry([hit], "alice", "北京", confirm_distinct=False)


def test_no_hit_creates_and_a_confirmed_similar_name_is_returned_for_the_record():
    assert decide_entry([], "alice", "北京", confirm_distinct=False) == []
    similar = _hit("bob", Match.SIMILAR, score=90)
    assert decide_entry([similar], "alice", "北京", confirm_distinct=True) == [similar]
    with pytest.raises(Refused, match="pass the lead to its holder"):  # confirming never overrides an exact collision
        decide_entry([similar, _hit("bob", Match.PHONE)], "alice", "北京", confirm_distinct=True)


def test_caps_by_role():
    caps = {Role.SALES: 400, Role.PARTNER: 1500}
    check_cap("alice", Role.SALES, 399, caps)
    with pytest.raises(Refused, match="holds 400 customers; the cap for a sales is 400"):
        check_cap("alice", Role.SALES, 400, caps)
    check_cap("bjpartner", Role.PARTNER, 1499, caps)
    with pytest.raises(Refused, match="has no warehouse"):
        check_cap("amy", Role.ASSISTANT, 0, caps)


@pytest.mark.parametrize("typed", ["北京", "北京市", "北京 市", "北京\u3000市", "ＢＥＩＪＩＮＧ", "Beijing"])
def test_one_region_however_typed(typed: str):
    assert region_key(typed) == region_key("北京市" if "京" in typed else "beijing")
    assert region_key("内蒙古自治区") == "内蒙古" and region_key("香港特别行政区") == "香港"
    assert known_region(typed, ["上海", "北京", "北京市", "Beijing"]) == ("北京" if "京" in typed else "Beijing")


def test_an_unknown_region_is_refused_naming_the_known_ones_nearest_to_it():
    with pytest.raises(InvalidInput) as refused:
        known_region("北平", ["上海", "天津", "北京市"])
    assert refused.value.message == ("region '北平' is not a region of the org; the known regions nearest to it: "
                                     "北京市, 上海, 天津")
    with pytest.raises(InvalidInput, match="region '火星' is not a region of the org"):
        check_entry("美来尔工程技术有限公司", "010-62345678", "010-62345679", "a", "火星", False, ["北京"])
    assert check_entry("美来尔工程技术有限公司", "010-62345678", "010-62345679", "a", "北京 市", False,
                       ["北京", "上海"]).region == "北京"


def test_a_pool_hit_of_the_same_region_however_spelled_is_claimed_not_transferred_in():
    # Before: 北京 stored against 北京市 typed said "file a transfer-in application".
    with pytest.raises(Refused, match="in your region: claim it"):
        decide_entry([_hit(None, region="北京市")], "alice", "北京", confirm_distinct=False)
    with pytest.raises(Refused, match="in your region: claim it"):
        decide_entry([_hit(None, region="北京")], "alice", "北京 市", confirm_distinct=False)


def test_a_transfer_in_goes_into_the_region_the_rep_names():
    bob = Actor("bob", Role.SALES, frozenset({"BJ"}), regions=frozenset({"北京", "天津"}))
    pooled = PoolCustomer(7, "黄河物流有限公司", None, "the public pool", "上海")
    assert check_transfer_in(pooled, bob, "天津市") == "天津"  # before: always min(regions), 北京
    with pytest.raises(Refused, match=r"^region 上海 is not one of bob's regions \(北京, 天津\)"):
        check_transfer_in(pooled, bob, "上海")


def test_the_four_facts_confirmed_for_a_transfer_in_must_match_however_written():
    stored = StoredFacts("美来尔工程技术", "+861062345678", "+861062345679", "北京市海淀区中关村大街1号")
    same = check_entry("美来尔工程技术（北京）有限公司", "(010) 6234 5678", "+86 10 62345679",
                       "北京市 海淀区 中关村大街 1 号", "北京", True)
    check_confirmed_facts(7, same, stored)
    other = check_entry("美来尔科技有限公司", "010-62345678", "010-62345670", "北京市海淀区中关村大街1号", "北京", True)
    with pytest.raises(Refused, match="^the company name, fax you confirmed do not match customer 7's record"):
        check_confirmed_facts(7, other, stored)
