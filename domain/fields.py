"""Checks for values that people type: text, money and dates."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidInput
from domain.text import refused

# Business dates are China's: a payment at 07:00 in Beijing is dated that day, not the UTC day before.
BUSINESS_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
MAX_AMOUNT = Decimal("100000000.00")  # a paper order above 100 million yuan is a typo
# What clean_text refuses. Frozen: workflow plans and validators call clean_text and are replayed from recorded
# histories, so this set must never change. The rule for new input is domain/text.REFUSED_CATEGORIES (a superset,
# with more besides), applied by check_text at the service door: whatever check_text keeps, this accepts.
REPLAYED_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})


def clean_text(value: str, field: str, max_len: int = 200, required: bool = True) -> str:
    """Normalise to NFC, trim, and refuse control characters and over-long values.

    Workflow plans call this and are replayed: what it accepts and returns must never change. Services check
    typed text first, by kind and more strictly, with `domain.text.check_text`; this only shares its wording."""
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise InvalidInput(f"{field} must not be empty")
    if len(text) > max_len:
        raise InvalidInput(f"{field} is {len(text)} characters long; the limit is {max_len}")
    bad = next((ch for ch in text if unicodedata.category(ch) in REPLAYED_REFUSED_CATEGORIES), None)
    if bad is not None:
        raise refused(field, bad)
    return text


def parse_amount(value: str | Decimal, field: str = "amount") -> Decimal:
    """Money: a positive decimal with at most two places, never a float."""
    if isinstance(value, float):
        raise InvalidInput(f"{field} must be a decimal, not a float")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"{field} '{value}' is not a number", {"value": str(value)},
                           code="amount_not_a_number") from None
    if not amount.is_finite():
        raise InvalidInput(f"{field} '{value}' is not a finite number")
    if amount <= 0:
        raise InvalidInput(f"{field} must be greater than zero, got {amount}", {"value": str(amount)},
                           code="amount_not_positive")
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"{field} {amount} is above the limit of {MAX_AMOUNT}",
                           {"value": str(amount), "limit": str(MAX_AMOUNT)}, code="amount_over_limit")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"{field} {amount} has more than two decimal places", {"value": str(amount)},
                           code="amount_too_precise")
    return amount.quantize(Decimal("0.01"))


def check_day(day: date, field: str, *, not_before: date | None, today: date) -> date:
    """A business date may not lie in the future, nor before the step it depends on."""
    if day > today:
        raise InvalidInput(f"{field} {day.isoformat()} is in the future (today is {today.isoformat()})",
                           {"day": day.isoformat(), "today": today.isoformat()}, code="day_in_future")
    if not_before is not None and day < not_before:
        raise InvalidInput(
            f"{field} {day.isoformat()} is before {not_before.isoformat()}, when the previous step happened",
            {"day": day.isoformat(), "since": not_before.isoformat()}, code="day_before_step")
    return day


def business_date(moment: datetime) -> date:
    return moment.astimezone(BUSINESS_TZ).date()


def business_day_start(moment: datetime) -> datetime:
    """Midnight in Beijing of the business day the moment falls on (a daily limit counts from it)."""
    return datetime.combine(business_date(moment), datetime.min.time(), BUSINESS_TZ)


def parse_day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{field} '{text}' is not a date in the form YYYY-MM-DD") from None
