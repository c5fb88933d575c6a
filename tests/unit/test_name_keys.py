"""The name keys of #19: traditional characters fold to simplified, the brand is the name without its industry
words, and the sound makes a one-character homophone typo meet the company it meant."""

from __future__ import annotations

import unicodedata

import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.names import (
    INDUSTRY_WORDS,
    LEGAL_FORMS,
    MIN_BRAND,
    brand_of,
    industry_of,
    name_key,
    name_keys,
    same_brand_alert,
    similar_brands,
    sound_of,
)
from domain.regions import SUFFIXES

S2T = opencc.OpenCC("s2t")


@pytest.mark.parametrize(("typed", "key"), [
    ("海南航空股份有限公司", "海南航空"), ("四川航空股份有限公司", "四川航空"),  # the region is the brand here
    ("北京科技有限公司", "北京科技"), ("上海科技有限公司", "上海科技"), ("北京有限公司", "北京"),
    ("北京海南航空有限公司", "海南航空"),
    ("華信電機有限公司", "华信电机"),
    ("美來爾工程技術(北京)有限公司", "美来尔工程技术"),
    ("臺灣國際貿易股份有限公司", "台湾国际贸易"),  # 臺灣 folds to 台湾, kept: 国际贸易 alone names no company
    ("北京華信科技有限公司", "华信科技"),
])
def test_traditional_characters_fold_to_simplified(typed: str, key: str):
    assert name_key(typed) == key


@pytest.mark.parametrize(("key", "brand"), [
    ("美来尔工程技术", "美来尔"), ("华信建筑工程技术", "华信"), ("华信", "华信"), ("科技", "科技"),
    ("信息科技", "信息"),  # never shorter than two characters, even when all of it is industry words
    ("abc科技", "abc"), ("宏达", "宏达"), ("恒通国际贸易", "恒通"),
])
def test_the_brand_is_the_key_without_its_industry_words(key: str, brand: str):
    assert brand_of(key) == brand


def test_homophones_sound_the_same_and_other_words_do_not():
    assert sound_of("美莱尔工程技术") == sound_of("美来尔工程技术") == "meilaiergongchengjishu"
    assert sound_of("骅信电机") == sound_of("华信电机")
    assert sound_of("华通电机") != sound_of("华信电机")
    assert sound_of("abc科技12") == "abckeji12"


HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
# A brand may be a region's name (海南航空). One that is an industry word is no brand (工程有限公司), and one that
# starts with a region's suffix is ambiguous after a region (北京区一: 北京区 + 一, or 北京 + 区一?).
BRANDS = st.text(HAN, min_size=2, max_size=4).filter(
    lambda b: b not in INDUSTRY_WORDS and not any(b.startswith(s) for s in SUFFIXES))


@given(brand=BRANDS, industry=st.lists(st.sampled_from(INDUSTRY_WORDS), max_size=2),
       form=st.sampled_from(LEGAL_FORMS), region=st.sampled_from(["", "北京", "上海市", "广东省"]))
def test_a_name_s_keys_are_stable_under_the_foldings(brand: str, industry: list[str], form: str, region: str):
    """Full-width, spacing, a region in front or in brackets, and traditional characters never change a key."""
    name = brand + "".join(industry) + form
    keys = name_keys(name)
    variants = [region + name, f"{brand}{''.join(industry)}({region or '北京'}){form}",
                unicodedata.normalize("NFKC", name).replace("", " ").strip(), S2T.convert(name),
                "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)]
    for variant in variants:
        assert name_keys(variant) == keys, variant
    assert len(keys.brand) >= min(MIN_BRAND, len(keys.name))
    assert keys.name.startswith(keys.brand)


def test_one_brand_alerts_only_in_the_same_trade_with_a_word_dropped_or_added():
    assert industry_of("华信建筑工程技术") == {"建筑", "工程", "技术"}
    assert same_brand_alert("美来尔技术", "美来尔工程技术")  # a word dropped
    assert same_brand_alert("美来尔工程技术咨询", "美来尔工程技术")  # a word added
    assert same_brand_alert("华信", "华信科技")  # no trade named: it may be the same company
    assert not same_brand_alert("华信科技", "华信物流")  # one brand, two trades: two companies


def test_similar_brands_are_close_or_one_begins_the_other():
    assert similar_brands("美来尔工程技木", "美来尔", 85)  # a typo in an industry word keeps the brand at the head
    assert similar_brands("美来尔", "美来尔", 85)
    assert not similar_brands("华通", "华信", 85)
