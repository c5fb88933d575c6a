"""Typed text by kind (#20): real values of each kind pass, markup and invisible characters are refused with a
message that names the field and the character, and a cleaned value is clean for good."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.collisions import check_entry
from domain.errors import InvalidInput
from domain.fields import REPLAYED_REFUSED_CATEGORIES, clean_text
from domain.text import REFUSED_CATEGORIES, RULES, TextKind, check_text

K = TextKind
REAL = [
    (K.LICENSED_NAME, "北京华信电机有限公司"), (K.LICENSED_NAME, "华信（北京）科技有限公司"),
    (K.LICENSED_NAME, "ABC (Beijing) Co., Ltd."), (K.LICENSED_NAME, "美来尔工程技术(北京)有限公司"),
    (K.LICENSED_NAME, "中国〇〇一厂"), (K.LICENSED_NAME, "Société Générale（中国）有限公司"),
    (K.LICENSED_NAME, "A&B 贸易·咨询有限公司"), (K.LICENSED_NAME, "基准测试00001号贸易有限公司"),
    (K.PAYER_NAME, "张*三"), (K.PAYER_NAME, "支付宝（中国）网络技术有限公司"), (K.PAYER_NAME, "Acme, Ltd"),
    (K.PERSON_NAME, "王小明"), (K.PERSON_NAME, "Zoë O'Brien"), (K.PERSON_NAME, "买买提·艾力"),
    (K.PERSON_NAME, "北京华信 (agency account)"), (K.PERSON_NAME, "Jean-Luc Picard"),
    (K.ADDRESS, "北京市海淀区中关村大街1号院3号楼"), (K.ADDRESS, "Room 1203, Tower A, 1 Main St."),
    (K.ADDRESS, "上海市浦东新区世纪大道100号#2-301"), (K.REGION, "北京市"), (K.REGION, "华东"),
    (K.REGION, "East China"), (K.PRODUCT, "Yellow pages"), (K.PRODUCT, "黄页广告 2026版"),
    (K.PRODUCT, "Web+App 套餐 (12个月)"), (K.FILING_LOCATION, "A区3柜-12号"),
    (K.FILING_LOCATION, "Cabinet 3, shelf 2"), (K.FILING_LOCATION, "Archive 2/B:3"),
    (K.FREE_TEXT, "金额写错了，已改为 12,000.00 <见附件>"), (K.FREE_TEXT, "客户说：*下周* 再联系 😀"),
    (K.BANK_REF, "CMB20261120-0001"), (K.PAYER_ACCOUNT, "6222 0000 1111 2222"),
    (K.PAYER_ACCOUNT, "6222****2222"), (K.PHONE, "010-62345678 转 123"), (K.PHONE, "+86 (10) 6234-5678 ext 12"),
    (K.LICENSED_NAME, "华信【北京】科技有限公司"), (K.LICENSED_NAME, "华信［北京］科技有限公司"),
    (K.FILE_NAME, "扫描件 (2).pdf"), (K.FILE_NAME, "招商银行流水_2026-11.csv"), (K.FILE_NAME, "合同【盖章版】.pdf"),
    (K.FILE_NAME, "scan#3 v1,final.PDF"), (K.FILE_NAME, "Ａ公司、Ｂ公司（副本）.pdf"), (K.FILE_NAME, ".pdf"),
]
MARKUP = ["![t](http://x/y.png)", "<script>", "[点我](javascript:alert(3))", "=1+2", "@SUM(1)", "`id`", "a|b"]
INVISIBLE = [
    ("华信\u202e司公限有", "U+202E RIGHT-TO-LEFT OVERRIDE, an invisible format character"),
    ("华\u200b信", "U+200B ZERO WIDTH SPACE, an invisible format character"),
    ("华信\n有限公司", "U+000A LINE FEED, a control character"),
    ("华信\t有限公司", "U+0009 CHARACTER TABULATION, a control character"),
    ("行\u2028分隔", "U+2028 LINE SEPARATOR, a line separator"),
    ("私\ue000用", "U+E000, a private-use character"),
    ("华\u3164信", "U+3164 HANGUL FILLER, a character that shows nothing"),
    ("华\uffa0信", "U+FFA0 HALFWIDTH HANGUL FILLER, a character that shows nothing"),
    ("\u115f\u1160华信", "U+115F HANGUL CHOSEONG FILLER, a character that shows nothing"),
    ("华\u034f信", "U+034F COMBINING GRAPHEME JOINER, a character that shows nothing"),
    ("x" * 10_000, "is 10000 characters long; the limit is"),
]
NAMED_KINDS = [k for k in TextKind if k is not K.FREE_TEXT]


@pytest.mark.parametrize(("kind", "value"), REAL)
def test_real_values_of_each_kind_pass_unchanged(kind: TextKind, value: str) -> None:
    assert check_text(value, kind) == value


@pytest.mark.parametrize("kind", NAMED_KINDS)
@pytest.mark.parametrize("value", MARKUP)
def test_markup_is_refused_in_every_named_kind_naming_the_character(kind: TextKind, value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_text(value, kind, "the field")
    named = re.match(r'the field contains "(.)" \(U\+([0-9A-F]{4}) [A-Z -]+\); an? [a-z ]+ may contain ',
                     caught.value.message)
    assert named, caught.value.message
    assert named[1] in value and f"{ord(named[1]):04X}" == named[2] and named[1] in "!<>[]=@`|:"


@pytest.mark.parametrize("kind", list(TextKind))
@pytest.mark.parametrize(("value", "named"), INVISIBLE)
def test_invisible_characters_line_breaks_and_length_are_refused_in_every_kind(kind: TextKind, value: str,
                                                                                named: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_text(value, kind, "the field")
    assert caught.value.message.startswith("the field ") and named in caught.value.message


def test_a_licensed_name_refusal_says_what_such_a_name_may_contain() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_text("<b>x</b>有限公司", K.LICENSED_NAME, "company name")
    assert caught.value.message == (
        'company name contains "<" (U+003C LESS-THAN SIGN); a licensed company name may contain Chinese characters, '
        "Latin letters, digits and ( ) 【 】 ［ ］ · ・ - — & . , 、 ' space")


@pytest.mark.parametrize("kind", list(TextKind))
def test_what_a_refusal_says_a_kind_may_contain_is_made_from_its_set(kind: TextKind) -> None:
    """Each mark a refusal lists is one the kind takes, and so is its full-width form where the set has one."""
    rule = RULES[kind]
    if " and " not in rule.may:
        return
    listed = rule.may.rsplit(" and ", 1)[1].split(" ")
    for mark in listed:
        assert rule.allowed(" " if mark == "space" else mark), (kind, mark)
    assert (" " in rule.may) and ("[" not in listed or kind is not K.LICENSED_NAME)


def test_ascii_brackets_are_no_part_of_a_name_so_a_markdown_link_is_refused() -> None:
    for kind in (K.LICENSED_NAME, K.PAYER_NAME, K.FILE_NAME):
        with pytest.raises(InvalidInput, match=r'contains "\[" \(U\+005B LEFT SQUARE BRACKET\)'):
            check_text("[点我](evil.example)科技有限公司", kind)


@pytest.mark.parametrize(("kind", "value"), [
    *((kind, value) for kind in (K.PRODUCT, K.FILING_LOCATION, K.FILE_NAME) for value in ("+cmd 套餐", "-2+3")),
    (K.PRODUCT, "＋1 套餐"), (K.FILING_LOCATION, "－1层 A柜"),  # full width: only these kinds take the signs
])
def test_a_product_location_or_file_name_may_not_begin_as_a_formula(kind: TextKind, value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_text(f"  {value}", kind)
    assert caught.value.message.startswith(f'{kind.value} may not begin with "{value[0]}" (U+')
    assert caught.value.message.endswith("a spreadsheet would read it as a formula")
    assert check_text(f"套餐 {value}", kind) == f"套餐 {value}"  # inside the value it is only a sign


def test_variation_selectors_are_dropped_from_free_text_and_refused_in_a_name() -> None:
    """A phone puts U+FE0F after an emoji; in a name a selector only makes two names look the same."""
    assert check_text("好的👍\ufe0f 收到\ufe0e", K.FREE_TEXT) == "好的👍 收到"
    assert check_text("葛\U000e0100城", K.FREE_TEXT) == "葛城"
    assert check_text("e\ufe0f\u0301", K.FREE_TEXT) == "\u00e9"  # dropped before NFC, so the accent composes
    for value, code in (("华\ufe00信有限公司", "U+FE00 VARIATION SELECTOR-1"),
                        ("葛\U000e0100城有限公司", "U+E0100 VARIATION SELECTOR-17")):
        with pytest.raises(InvalidInput, match=f"^licensed company name contains {re.escape(code)}; "):
            check_text(value, K.LICENSED_NAME)
    with pytest.raises(InvalidInput, match=r"^display name contains U\+180B MONGOLIAN FREE VARIATION SELECTOR ONE"):
        check_text("ᠮᠣᠩ\u180bᠭᠣᠯ", K.PERSON_NAME)


def test_clean_text_refuses_a_frozen_subset_of_what_check_text_refuses() -> None:
    assert REPLAYED_REFUSED_CATEGORIES.issubset(REFUSED_CATEGORIES)


@pytest.mark.parametrize("value", ["=1+2", "<script>", "![t](http://x/y.png)", "[a](javascript:b)", "@SUM(1)"])
def test_free_text_keeps_printable_markup_for_the_outputs_to_escape(value: str) -> None:
    assert check_text(value, K.FREE_TEXT) == value


def test_spaces_are_folded_and_collapsed_and_the_ends_trimmed() -> None:
    assert check_text("\u3000北京\u00a0 华信\u2009\u2009电机  ", K.LICENSED_NAME) == "北京 华信 电机"
    assert check_text("  ", K.FREE_TEXT, required=False) == ""
    with pytest.raises(InvalidInput, match="^reason must not be empty$"):
        check_text(" \u3000 ", K.FREE_TEXT, "reason")


def test_the_limit_is_the_kinds_unless_the_field_sets_its_own() -> None:
    check_text("x" * 1000, K.FREE_TEXT)
    with pytest.raises(InvalidInput, match="note is 1001 characters long; the limit is 1000"):
        check_text("x" * 1001, K.FREE_TEXT)
    check_text("x" * 2000, K.FREE_TEXT, max_len=2000)


def test_every_kind_has_one_rule() -> None:
    assert set(RULES) == set(TextKind)


def test_clean_text_keeps_what_it_accepts_and_shares_the_wording() -> None:
    """Workflow plans call clean_text and are replayed: it still takes `<`, a tab refuses as before."""
    assert clean_text(" <b>x</b>\u00a0 ", "note") == "<b>x</b>"
    with pytest.raises(InvalidInput, match=r"^product contains U\+0000 NULL, a control character"):
        clean_text("a\x00b", "product")


def test_customer_entry_refuses_markup_in_the_name_and_names_it() -> None:
    with pytest.raises(InvalidInput, match=r'company name contains "!" \(U\+0021 EXCLAMATION MARK\)'):
        check_entry("![t](http://127.0.0.1:9/track.png)[点我](javascript:alert(3))科技有限公司", "010-62345678",
                    "010-62345679", "北京市海淀区中关村大街1号", "北京", same_phone_fax=False)
    with pytest.raises(InvalidInput, match='phone contains "=" .*; fax contains U\\+202E'):
        check_entry("华信科技有限公司", "=010-62345678", "010-6234\u202e5679", "a", "北京", same_phone_fax=False)


@settings(max_examples=300)
@given(st.sampled_from(list(TextKind)), st.text(alphabet=st.characters(blacklist_categories=()), max_size=60))
def test_a_checked_value_is_stable_and_holds_no_refused_character(kind: TextKind, value: str) -> None:
    try:
        checked = check_text(value, kind, max_len=200)
    except InvalidInput as err:
        assert err.message
        return
    assert check_text(checked, kind, max_len=200) == checked
    assert checked == checked.strip() and "  " not in checked and unicodedata.is_normalized("NFC", checked)
    assert not any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in checked)
    assert all(ch == " " or unicodedata.category(ch) != "Zs" for ch in checked)
    assert all(RULES[kind].allowed(ch) for ch in checked)
    assert clean_text(checked, "x", max_len=200) == checked  # the workflow's own check takes it as it is


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=40))
def test_a_licensed_name_never_holds_a_markup_or_formula_character(value: str) -> None:
    try:
        checked = check_text(value, K.LICENSED_NAME)
    except InvalidInput:
        return
    assert not set(checked) & set("<>!`*_#~|{}\"\\/:;=+@$%^?")
