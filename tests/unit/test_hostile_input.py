"""Property tests: whatever people or files type, each check either accepts a sound value or refuses with a
clear InvalidInput/DomainError; nothing else escapes."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.collisions import check_entry
from domain.errors import DomainError
from domain.fields import MAX_AMOUNT, check_day, clean_text, parse_amount, parse_day
from domain.names import name_key
from domain.numbers import parse_number
from domain.phones import parse_phone
from domain.rejections import parse_reasons
from domain.scans import inspect_scan

HOSTILE = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(blacklist_categories=())),
    st.sampled_from(["'; DROP TABLE orders; --", "$(rm -rf /)", "`id`", "\x00", "\u202e", "１２３", "NaN", "-0",
                     "1e309", "9" * 400, "", " ", "\ufeff12", "０１０－１２３４５６７８", "+86 10 1234 5678"]),
)


@given(HOSTILE)
@settings(max_examples=300)
def test_amounts(text: str):
    try:
        amount = parse_amount(text)
    except DomainError:
        return
    assert isinstance(amount, Decimal) and Decimal("0") < amount <= MAX_AMOUNT
    assert amount == amount.quantize(Decimal("0.01"))


@given(HOSTILE)
@settings(max_examples=300)
def test_text(text: str):
    try:
        cleaned = clean_text(text, "note", max_len=50)
    except DomainError:
        return
    assert cleaned and len(cleaned) <= 50 and cleaned == cleaned.strip()
    assert not any(ord(ch) < 32 for ch in cleaned)


@given(HOSTILE)
@settings(max_examples=300)
def test_numbers_dates_phones_reasons_names(text: str):
    for check in (lambda: parse_number(text), lambda: parse_day(text, "date"), lambda: parse_phone(text, "phone"),
                  lambda: parse_reasons([text])):
        with contextlib.suppress(DomainError):
            check()
    assert isinstance(name_key(text), str)


@given(HOSTILE, HOSTILE, HOSTILE, HOSTILE, st.booleans())
@settings(max_examples=200)
def test_customer_entry(name: str, phone: str, fax: str, address: str, same: bool):
    try:
        entry = check_entry(name, phone, fax, address, "北京", same)
    except DomainError:
        return
    assert len(entry.name_key) >= 2 and entry.phone_number.e164.startswith("+86")


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_dates_far_in_the_past_or_future(day: date):
    try:
        check_day(day, "payment date", not_before=date(2026, 1, 1), today=date(2026, 11, 27))
    except DomainError:
        assert not date(2026, 1, 1) <= day <= date(2026, 11, 27)


@given(st.binary(max_size=64), st.binary(max_size=64), st.integers(min_value=0, max_value=10**12), HOSTILE)
@settings(max_examples=300)
def test_scan_inspection(head: bytes, tail: bytes, size: int, name: str):
    with contextlib.suppress(DomainError):
        inspect_scan(name, size, head, tail, 10**9)
