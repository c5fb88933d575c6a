"""Input checks: text, money, dates, order numbers and ranges, scan content."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import InvalidInput, ScanRejected
from domain.fields import check_day, clean_text, parse_amount, parse_day
from domain.names import name_key
from domain.numbers import NumberRange, find_overlap, owning_range, parse_number
from domain.scans import JPEG, PDF, PNG, TIFF, file_key, inspect_scan
from tests.helpers import pdf_bytes


@pytest.mark.parametrize(("text", "expected"), [("12000", "12000.00"), ("12,000.5", "12000.50"), (" 0.01 ", "0.01")])
def test_amounts_are_exact_decimals(text: str, expected: str):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(("text", "message"), [
    ("abc", "is not a number"), ("-5", "greater than zero"), ("0", "greater than zero"), ("NaN", "finite"),
    ("1.005", "more than two decimal places"), ("1e12", "above the limit"), ("Infinity", "finite"),
])
def test_bad_amounts_are_refused_with_the_reason(text: str, message: str):
    with pytest.raises(InvalidInput, match=message):
        parse_amount(text)


def test_text_is_trimmed_and_control_characters_refused():
    assert clean_text("  Yellow pages  ", "product") == "Yellow pages"
    with pytest.raises(InvalidInput, match="must not be empty"):
        clean_text("   ", "product")
    with pytest.raises(InvalidInput, match="control character"):
        clean_text("a\x00b", "product")
    with pytest.raises(InvalidInput, match="limit is 5"):
        clean_text("abcdef", "product", max_len=5)


def test_dates():
    today = date(2026, 11, 27)
    assert check_day(date(2026, 11, 20), "d", not_before=date(2026, 11, 1), today=today) == date(2026, 11, 20)
    with pytest.raises(InvalidInput, match="in the future"):
        check_day(date(2026, 11, 28), "d", not_before=None, today=today)
    with pytest.raises(InvalidInput, match="before 2026-11-21"):
        check_day(date(2026, 11, 20), "d", not_before=date(2026, 11, 21), today=today)
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        parse_day("2026-13-01", "payment date")


def test_order_numbers_and_ranges():
    assert str(parse_number(" bj100001 ")) == "BJ100001"
    assert str(parse_number("BJ000123")) == "BJ000123"
    for bad in ("100001", "BJ-1", "TOOLONG1234", "BJ12", "BJ1000010000000"):
        with pytest.raises(InvalidInput, match="malformed"):
            parse_number(bad)
    bj = NumberRange("BJ", "BJ", 100000, 100999)
    sh = NumberRange("SH", "SH", 200000, 200999)
    assert owning_range(parse_number("BJ100999"), [bj, sh]) is bj
    assert owning_range(parse_number("BJ101000"), [bj, sh]) is None
    assert find_overlap([bj, sh]) is None
    clash = NumberRange("TJ", "BJ", 100500, 101500)
    assert find_overlap([bj, sh, clash]) == (bj, clash)
    with pytest.raises(InvalidInput, match="empty"):
        NumberRange("BJ", "BJ", 5, 1)


def test_name_key_folds_width_space_and_case():
    assert name_key("美来尔工程技术有限公司") == name_key(" 美来尔 工程技术有限公司 ")
    assert name_key("ＡＢＣ（北京）有限公司") == name_key("abc(北京)有限公司")


JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 100 + b"\xff\xd9"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 50 + b"IEND\xaeB`\x82"
TIFF_BYTES = b"II*\x00" + b"\x00" * 50


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("a.pdf", pdf_bytes(), PDF), ("a.jpg", JPEG_BYTES, JPEG), ("a.png", PNG_BYTES, PNG), ("a.tif", TIFF_BYTES, TIFF),
    ("noextension", pdf_bytes(), PDF),
])
def test_scans_are_recognised_by_content(name: str, data: bytes, kind: object):
    assert inspect_scan(name, len(data), data[:16], data[-1024:], 10**6) is kind


@pytest.mark.parametrize(("name", "data", "limit", "message"), [
    ("a.pdf", b"", 10**6, "is empty"),
    ("a.pdf", pdf_bytes(5000), 1000, "the limit is 1,000"),
    ("a.pdf", b"MZ\x90\x00 this is an exe", 10**6, "not a PDF, JPEG, PNG or TIFF"),
    ("a.pdf", JPEG_BYTES, 10**6, "named as pdf but its content is jpg"),
    ("a.pdf", pdf_bytes()[:-10], 10**6, "truncated"),
    ("a.jpg", JPEG_BYTES[:-2], 10**6, "truncated"),
    ("a.png", PNG_BYTES[:-4], 10**6, "truncated"),
])
def test_bad_scans_are_refused_with_the_reason(name: str, data: bytes, limit: int, message: str):
    with pytest.raises(ScanRejected, match=message):
        inspect_scan(name, len(data), data[:16], data[-1024:], limit)


def test_scan_keys_are_versioned_per_order():
    assert file_key("BJ", "BJ100001", "scan", 2, PDF) == "orders/BJ/BJ100001/scan-v2.pdf"
    assert file_key("BJ", "BJ100001", "slip", 1, JPEG) == "orders/BJ/BJ100001/slip-v1.jpg"
