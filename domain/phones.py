"""Telephone numbers as reps type them, read to the one E.164 key a number has in the collision check (撞单).

An extension is kept apart and is never part of the key; a local number is read with the area code (区号) of the
customer's region, or refused asking for it; a letter is refused, never read as a keypad's digit."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from domain.errors import InvalidInput
from domain.regions import area_code
from domain.text import describe

# An extension after a marker: 转 8001, 分机 8001, ext. 8001, x8001, #8001. Only ASCII digits: NFKC has already
# folded the full-width ones, and a digit of another script is no digit of a telephone number.
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|extension|x|#)\s*([0-9]{1,6})\s*$", re.IGNORECASE)
# 010-62345678-8001: the last dash group, when what comes before it is a complete number on its own.
_DASH_EXTENSION = re.compile(r"^(.+?)\s*-\s*([0-9]{1,6})$")
_SEPARATORS = re.compile(r"[\s\-().]")
_WITHOUT_PLUS = re.compile(r"86[0-9]{10,11}")  # 8610-62345678: the country code without + or 00
_LOCAL = re.compile(r"[2-9][0-9]{6,7}")  # a fixed line without its area code: 7 or 8 digits, never 0 or 1 first
_GEOGRAPHIC = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
_EXAMPLE_CODE = "010"  # the area code a refusal shows, when no region says which


@dataclass(frozen=True)
class Phone:
    e164: str
    extension: str | None
    mobile: bool


def parse_phone(text: str, field: str, region: str | None = None) -> Phone:
    """Any common way of writing a Chinese number → E.164; an extension (after 转, 分机, ext, x or #, or after a
    last dash) is kept apart. A local number without its area code is read with the area code of `region` (the
    customer's), when that region has one; otherwise it is refused, asking for the 区号."""
    raw = unicodedata.normalize("NFKC", text).strip()
    extension = None
    match = _EXTENSION.search(raw)
    if match:
        extension, raw = match.group(1), raw[: match.start()].strip(" -")
    _refuse_letters(text, raw, field)
    if extension is None:
        raw, extension = _dash_extension(text, raw, field, region)
    number = _read(text, raw, field, region)
    mobile = phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    if mobile and extension is not None:
        raise InvalidInput(f"{field} '{text}' is a mobile number, and a mobile number has no extension")
    return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), extension, mobile)


def fixed_line(text: str, field: str, region: str | None = None) -> Phone:
    """The deck's four facts need a fixed line: a caller's mobile is not the company's phone or fax."""
    phone = parse_phone(text, field, region)
    if phone.mobile:
        raise InvalidInput(f"{field} '{text}' is a mobile number; the company's fixed {field} is required")
    return phone


def _refuse_letters(text: str, number: str, field: str) -> None:
    """phonenumbers drops a stray letter and reads three or more as a keypad's digits (O = 6), so a typo would
    become somebody's real number in the collision keys. Only the extension markers, already cut off, may be
    letters."""
    letter = next((ch for ch in number if ch.isalpha()), None)
    if letter is None:
        return
    typed = next((ch for ch in text if letter in unicodedata.normalize("NFKC", ch)), letter)  # Ｏ as typed
    raise InvalidInput(f"{field} contains the letter {describe(typed)}; write the number in digits "
                       "(an extension goes at the end, after 转, 分机, ext or x)")


def _dash_extension(text: str, raw: str, field: str, region: str | None) -> tuple[str, str | None]:
    """010-62345678-8001: the last dash group is an extension only when what comes before it is already a
    complete number (or a local one that lacks only its area code), so 010-6234-5678 stays one number.

    When the whole is a number too: a local number before the dash keeps its extension against a whole that is
    only a fixed line written without its 0 (21345678-12 is not 021-34567812); otherwise the whole wins over a part
    that is a number only by the region's area code (86-10-6234-5678, 400-8123-123); and where both are numbers
    in the same way (a city of 7- and 8-digit numbers: 0851-6234567-8), neither is guessed."""
    match = _DASH_EXTENSION.match(raw)
    if not match:
        return raw, None
    head, tail = match.group(1), match.group(2)
    before, whole = _try_read(head, region), _try_read(raw, region)
    if before is None:
        return raw, None
    if not isinstance(whole, phonenumbers.PhoneNumber):
        return head, tail
    if isinstance(before, phonenumbers.PhoneNumber) and _local(head) == _local(raw):
        raise InvalidInput(f"{field} '{text}' reads as {_national(whole)} or as {_national(before)} extension "
                           f"{tail}; write an extension after 转, 分机 or ext (e.g. {_national(before)} 转 {tail})")
    without_its_0 = not _digits(raw).startswith(("+", "0")) and phonenumbers.number_type(whole) in _GEOGRAPHIC
    return (head, tail) if _local(head) and without_its_0 else (raw, None)


class _NoAreaCode(InvalidInput):
    """A local number, and no area code to read it with."""


_NO_AREA_CODE = "no area code"


def _try_read(raw: str, region: str | None) -> phonenumbers.PhoneNumber | str | None:
    """The valid number `raw` is; _NO_AREA_CODE for a local number that lacks only its area code; else None."""
    try:
        return _read(raw, raw, "phone", region)
    except _NoAreaCode:
        return _NO_AREA_CODE
    except InvalidInput:
        return None


def _digits(raw: str) -> str:
    digits = _SEPARATORS.sub("", raw)
    return "+" + digits if _WITHOUT_PLUS.fullmatch(digits) else digits


def _local(raw: str) -> bool:
    return _LOCAL.fullmatch(_digits(raw)) is not None


def _read(text: str, raw: str, field: str, region: str | None) -> phonenumbers.PhoneNumber:
    digits = _digits(raw)
    code = None
    if _LOCAL.fullmatch(digits):
        code = area_code(region) if region else None
        if code is None and region:
            raise _NoAreaCode(f"{field} '{text}' has no area code (区号), and region {region} does not say which; "
                              f"write it with the area code of the company's city, as 0XXX-{digits}")
        if code is None:
            raise _NoAreaCode(f"{field} '{text}' has no area code (区号); write it with its area code, e.g. "
                              f"{_EXAMPLE_CODE}-{digits}")
        digits = code + digits
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{field} '{text}' is not a telephone number") from None
    if not phonenumbers.is_valid_number(number):
        read = f" (read with the area code of {region}, {code})" if code else ""
        raise InvalidInput(f"{field} '{text}' is not a valid telephone number in China{read}")
    return number


def _national(number: phonenumbers.PhoneNumber) -> str:
    """0851-6234567, as a rep writes a fixed line."""
    significant = phonenumbers.national_significant_number(number)
    cut = phonenumbers.length_of_geographical_area_code(number)
    return f"0{significant[:cut]}-{significant[cut:]}"
