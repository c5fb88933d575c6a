"""Telephone numbers as reps type them (撞单 keys): every way of writing one number is one key, an extension is
kept apart, a local number is read with the region's area code or refused asking for the 区号, a letter is
refused. Table-driven over the forms, and property-tested over the formatting variations of one number."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType, geocoder, is_valid_number, number_type
from phonenumbers import parse as parse_number

from domain.collisions import check_entry
from domain.corrections import check_correction
from domain.errors import InvalidInput
from domain.phones import fixed_line, parse_phone
from domain.regions import AREA_CODES, CITIES, PROVINCES, area_code

BEIJING = "+861062345678"
FIXED_LINE, MOBILE = PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE


@pytest.mark.parametrize("spelling", ["010-12345678", "(010)12345678", "+86 10 1234 5678", "0086 10 12345678",
                                      "8610-12345678", "010 1234 5678", "０１０－１２３４５６７８"])
def test_every_way_of_writing_a_number_is_one_number(spelling: str) -> None:
    assert parse_phone(spelling, "phone").e164 == "+861012345678"


@pytest.mark.parametrize(("spelling", "ext"), [("010-12345678 转 123", "123"), ("010-12345678分机123", "123"),
                                               ("010-12345678 ext 123", "123"), ("010-12345678 x12", "12")])
def test_extensions_are_kept_apart(spelling: str, ext: str) -> None:
    phone = parse_phone(spelling, "phone")
    assert (phone.e164, phone.extension) == ("+861012345678", ext)


@pytest.mark.parametrize(("spelling", "shown"), [
    ("010-6234567O", '"O" (U+004F LATIN CAPITAL LETTER O)'),
    ("O10-62345678", '"O" (U+004F LATIN CAPITAL LETTER O)'),  # phonenumbers dropped the O: +861062345678
    ("010-CALLNOW1", '"C" (U+0043 LATIN CAPITAL LETTER C)'),  # phonenumbers read a keypad: +861022556691
    ("０１０－６２３４５６７Ｏ", '"Ｏ" (U+FF2F FULLWIDTH LATIN CAPITAL LETTER O)'),
    ("010-62345678 x", '"x" (U+0078 LATIN SMALL LETTER X)'),  # a marker without an extension is a typo
    ("010-6234567l x12", '"l" (U+006C LATIN SMALL LETTER L)'),
    ("6234567O", '"O" (U+004F LATIN CAPITAL LETTER O)'),  # a local number too: the letter, not the 区号
])
def test_a_number_written_with_letters_is_refused_naming_the_letter(spelling: str, shown: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_phone(spelling, "fax", "北京")
    assert caught.value.message.startswith(f"fax contains the letter {shown}; write the number in digits")


@pytest.mark.parametrize("spelling", ["010-62345678 ext 12", "010-62345678转12", "010-62345678 EXT. 12",
                                      "010-62345678分机 12", "010-62345678x12", "０１０－６２３４５６７８ｘ１２"])
def test_extension_markers_are_the_letters_a_number_may_have(spelling: str) -> None:
    phone = parse_phone(spelling, "phone")
    assert (phone.e164, phone.extension) == ("+861062345678", "12")


@pytest.mark.parametrize("spelling", [
    "010-62345678-8001",  # the most common way to write an extension: refused before as "not a valid number"
    "010 6234 5678-8001", "010-6234 5678 - 8001", "(010)62345678-8001", "（０１０）６２３４５６７８－８００１",
    "+86 10 6234 5678-8001", "+86-10-62345678-8001", "8610-62345678-8001", "0086 10 62345678-8001",
    "+86 10 6234 5678 ext 8001", "010-62345678 转 8001", "010-62345678#8001",
])
def test_an_extension_after_a_dash_or_a_marker_is_kept_apart_and_never_part_of_the_key(spelling: str) -> None:
    phone = parse_phone(spelling, "phone")
    assert (phone.e164, phone.extension, phone.mobile) == (BEIJING, "8001", False)


@pytest.mark.parametrize(("spelling", "region", "e164"), [
    ("010-6234-5678", None, BEIJING),  # 010-6234 is no number: the last group is the number's, not an extension
    ("+86-10-6234-5678", None, BEIJING),
    ("86-10-6234-5678", None, BEIJING),  # 8610-6234 would need the region's area code: the whole wins
    ("86-10-6234-5678", "北京", BEIJING),
    ("0592-623-4567", None, "+865926234567"),
    ("400-8123-123", "厦门", "+864008123123"),  # 400-8123 is a 7-digit local of 厦门 only with its area code
])
def test_dash_groups_of_one_number_are_not_an_extension(spelling: str, region: str | None, e164: str) -> None:
    phone = parse_phone(spelling, "phone", region)
    assert (phone.e164, phone.extension) == (e164, None)


@pytest.mark.parametrize(("spelling", "region"), [("0851-6234567-8", None), ("6234567-8", "贵阳")])
def test_a_dash_that_reads_both_ways_is_refused_not_guessed(spelling: str, region: str | None) -> None:
    # 贵阳 has 7- and 8-digit numbers: 0851-62345678 and 0851-6234567 extension 8 are both complete.
    with pytest.raises(InvalidInput) as caught:
        parse_phone(spelling, "phone", region)
    assert caught.value.message == (
        f"phone '{spelling}' reads as 0851-62345678 or as 0851-6234567 extension 8; write an extension after 转, "
        "分机 or ext (e.g. 0851-6234567 转 8)")


@pytest.mark.parametrize("spelling", ["13812345678-12", "138 1234 5678 转 12", "+86 138-1234-5678 ext 9"])
def test_a_mobile_number_has_no_extension(spelling: str) -> None:
    with pytest.raises(InvalidInput, match=r"is a mobile number, and a mobile number has no extension$"):
        parse_phone(spelling, "phone")
    assert parse_phone("138-1234-5678", "phone") == parse_phone("+86 138 1234 5678", "phone")


@pytest.mark.parametrize(("spelling", "region", "e164", "ext"), [
    ("62345678", "北京", BEIJING, None),
    ("6234 5678", "北京市", BEIJING, None),
    ("６２３４\u3000５６７８", "北京", BEIJING, None),  # full-width digits and space
    ("62345678-8001", "北京", BEIJING, "8001"),
    ("62345678转8001", "北京", BEIJING, "8001"),
    ("6234-5678", "北京", BEIJING, None),
    ("21345678-12", "北京", "+861021345678", "12"),  # not 021-34567812: a fixed line needs its 0 to be read whole
    ("62345678", "上海", "+862162345678", None),
    ("62345678", "深圳", "+8675562345678", None),
    ("6234567", "厦门市", "+865926234567", None),  # a city of 7-digit numbers
    ("62345678", "海南省", "+8689862345678", None),  # one area code for the whole province
    ("010-62345678", "上海", BEIJING, None),  # an area code typed wins over the region's
])
def test_a_local_number_is_read_with_the_area_code_of_the_region(spelling: str, region: str, e164: str,
                                                                  ext: str | None) -> None:
    phone = parse_phone(spelling, "phone", region)
    assert (phone.e164, phone.extension) == (e164, ext)


@pytest.mark.parametrize(("spelling", "local"), [("62345678", "62345678"), ("6234 5678", "62345678"),
                                                 ("６２３４５６７８", "62345678"), ("62345678-8001", "62345678"),
                                                 ("6234567", "6234567")])
def test_a_local_number_without_a_region_asks_for_the_area_code(spelling: str, local: str) -> None:
    # Before: "not a valid telephone number", the same words as for a typo.
    with pytest.raises(InvalidInput) as caught:
        parse_phone(spelling, "phone")
    assert caught.value.message == (f"phone '{spelling}' has no area code (区号); write it with its area code, e.g. "
                                    f"010-{local}")


@pytest.mark.parametrize("region", ["广东", "广东省", "香港", "火星"])
def test_a_region_without_one_area_code_asks_for_it_too(region: str) -> None:
    # A province's capital's code would make another city's number the capital's: a wrong key, not a missed one.
    with pytest.raises(InvalidInput) as caught:
        fixed_line("62345678", "fax", region)
    assert caught.value.message == (f"fax '62345678' has no area code (区号), and region {region} does not say which; "
                                    "write it with the area code of the company's city, as 0XXX-62345678")


def test_a_local_number_too_short_for_the_region_says_which_area_code_it_was_read_with() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_phone("6234567", "phone", "北京")
    assert caught.value.message == ("phone '6234567' is not a valid telephone number in China (read with the area "
                                    "code of 北京, 010)")
    with pytest.raises(InvalidInput, match=r"^phone '12' is not a valid telephone number in China$"):
        parse_phone("12", "phone", "北京")


def test_every_area_code_is_the_region_s_own() -> None:
    """Each code in the table is a fixed line of that very region (phonenumbers' geocoder), and no province but 海南
    (one code for the province) has one."""
    assert set(AREA_CODES) <= set(PROVINCES + CITIES)
    assert {r for r in PROVINCES if r in AREA_CODES} == {"北京", "天津", "上海", "重庆", "海南"}
    for region, code in AREA_CODES.items():
        numbers = [parse_number(code + local, "CN") for local in ("62345678", "6234567")]
        valid = [n for n in numbers if is_valid_number(n)]
        assert valid, region
        assert all(region in geocoder.description_for_number(n, "zh") for n in valid), region
    assert area_code("北京 市") == "010" and area_code("广东省") is None and area_code("Beijing") is None


def test_entry_reads_local_numbers_with_its_region_and_asks_for_the_area_code_without_one() -> None:
    entry = check_entry("美来尔工程技术有限公司", "6234 5678", "62345679-8001", "a", "北京市", False, ["北京", "上海"])
    assert entry.number_keys() == [BEIJING, "+861062345679"] and entry.fax_number.extension == "8001"
    with pytest.raises(InvalidInput) as caught:
        check_entry("美来尔工程技术有限公司", "62345678", "010-62345679", "a", "广东", False)
    assert "phone '62345678' has no area code (区号), and region 广东 does not say which" in caught.value.message
    with pytest.raises(InvalidInput) as caught:  # a region that is not the org's reads no area code
        check_entry("美来尔工程技术有限公司", "62345678", "010-62345679", "a", "火星", False, ["北京"])
    assert "phone '62345678' has no area code (区号); write it with its area code" in caught.value.message


def test_a_correction_reads_local_numbers_with_the_customer_s_region() -> None:
    correction = check_correction("62345678", "021-62345679", None, "from the licence", "北京")
    assert correction.phone is not None and correction.phone.number.e164 == BEIJING
    with pytest.raises(InvalidInput, match=r"^phone '62345678' has no area code \(区号\); write it"):
        check_correction("62345678", None, None, "from the licence")


# ---- Properties: one number, however it is written, is one key.

_FULL_WIDTH = str.maketrans("0123456789+-() ", "０１２３４５６７８９＋－（）\u3000")
_PREFIXES = ["0{c}", "({0c})", "（{0c}）", "+86 {c}", "+86-{c}", "+86({c})", "0086 {c}", "0086-{c}", "86 {c}",
             "86{c}", "86-{c}", "+86 ({c})"]


@st.composite
def fixed_lines(draw: st.DrawFn) -> tuple[str, str, str]:
    """(region, local number, E.164): a valid fixed line of a region in the table."""
    region = draw(st.sampled_from(sorted(AREA_CODES)))
    code = AREA_CODES[region]
    length = 8 if is_valid_number(parse_number(code + "62345678", "CN")) else 7
    local = draw(st.from_regex(rf"[2-8][0-9]{{{length - 1}}}", fullmatch=True))
    assume(is_valid_number(parse_number(code + local, "CN")))  # a range the numbering plan does not hand out
    return region, local, f"+86{code[1:]}{local}"


@st.composite
def groupings(draw: st.DrawFn, local: str) -> str:
    """The local number cut into groups by spaces or dashes, no group shorter than two digits: a last dash group of
    one digit after a complete 7-digit number is an extension (or refused as ambiguous), not a grouping."""
    cuts = sorted(draw(st.sets(st.integers(2, len(local) - 2), max_size=2)))
    parts = [local[a:b] for a, b in zip([0, *cuts], [*cuts, len(local)], strict=True)]
    seps = draw(st.lists(st.sampled_from([" ", "-", " - ", ""]), min_size=len(parts) - 1,
                         max_size=len(parts) - 1))
    return parts[0] + "".join(sep + part for sep, part in zip(seps, parts[1:], strict=True))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), line=fixed_lines())
def test_formatting_variations_of_one_number_give_one_key(data: st.DataObject, line: tuple[str, str, str]) -> None:
    region, local, e164 = line
    code = AREA_CODES[region]
    prefix = data.draw(st.sampled_from(_PREFIXES)).format(c=code[1:], **{"0c": code})
    joint = "" if prefix.endswith(")") or prefix.endswith("）") else data.draw(st.sampled_from(["", " ", "-"]))
    typed = prefix + joint + data.draw(groupings(local))
    if data.draw(st.booleans()):
        typed = typed.translate(_FULL_WIDTH)
    assert parse_phone(typed, "phone").e164 == e164, typed
    assert parse_phone(typed, "phone", data.draw(st.sampled_from([None, "北京", "广东", region]))).e164 == e164


@settings(max_examples=200, deadline=None)
@given(data=st.data(), line=fixed_lines(), ext=st.from_regex(r"[0-9]{1,6}", fullmatch=True))
def test_a_local_number_and_an_extension_keep_the_region_s_key(data: st.DataObject, line: tuple[str, str, str],
                                                               ext: str) -> None:
    region, local, e164 = line
    typed = data.draw(groupings(local))
    marker = data.draw(st.sampled_from([" 转 ", "转", "分机", " ext ", "x", "#", "-", " - "]))
    written = typed + marker + ext
    if data.draw(st.booleans()):
        written = written.translate(_FULL_WIDTH)
    plain = parse_phone(typed, "phone", region)
    assert (plain.e164, plain.extension) == (e164, None)
    if "-" in marker and is_valid_number(parse_number(AREA_CODES[region] + local + ext, "CN")):
        with pytest.raises(InvalidInput, match="write an extension after 转"):  # both readings: never guessed
            parse_phone(written, "phone", region)
        return
    service = parse_number(local + ext, "CN")  # 40000000-00 is the service number 400-000-0000, read whole
    if "-" in marker and is_valid_number(service) and number_type(service) not in (FIXED_LINE, MOBILE):
        assert parse_phone(written, "phone", region).e164 == f"+86{local}{ext}"
        return
    with_ext = parse_phone(written, "phone", region)
    assert (with_ext.e164, with_ext.extension) == (e164, ext), written
