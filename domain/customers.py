"""Customer identity: the keys under which one company, or one number, can only be entered once (撞单)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from domain.errors import InvalidInput
from domain.regions import REGION_NAMES, REGION_PREFIXES
from domain.text import describe

LEGAL_FORMS = sorted(["股份有限公司", "有限责任公司", "有限公司", "集团", "公司"], key=len, reverse=True)
_BRACKETED = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_SPACE_AND_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
# One alternation, longest first, so 黑龙江省 is dropped whole rather than leaving 省 behind.
_LEADING_REGION = re.compile("|".join(map(re.escape, REGION_PREFIXES)))
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|extension|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)


def name_key(name: str) -> str:
    """The key that makes 美来尔工程技术(北京)有限公司 and 北京 美来尔工程技术有限公司 one company.

    NFKC folds full-width to half-width; a region in brackets, a leading province or city, spacing,
    punctuation, Latin case and the legal-form suffix don't make a new company.
    """
    folded = unicodedata.normalize("NFKC", name)
    folded = _BRACKETED.sub(lambda m: "" if _SPACE_AND_PUNCT.sub("", m.group(1)) in REGION_NAMES else m.group(1),
                            folded)
    key = _SPACE_AND_PUNCT.sub("", folded).lower()
    region = _LEADING_REGION.match(key)
    if region and region.end() < len(key):
        key = key[region.end():]
    for form in LEGAL_FORMS:
        if key.endswith(form) and len(key) > len(form):
            key = key[: -len(form)]
            break
    return key


@dataclass(frozen=True)
class Phone:
    e164: str
    extension: str | None
    mobile: bool


def parse_phone(text: str, field: str) -> Phone:
    """Any common way of writing a Chinese number → E.164; an extension is kept apart."""
    raw = unicodedata.normalize("NFKC", text).strip()
    extension = None
    match = _EXTENSION.search(raw)
    if match:
        extension, raw = match.group(1), raw[: match.start()].strip(" -")
    _refuse_letters(text, raw, field)
    digits = re.sub(r"[\s\-().]", "", raw)
    if re.fullmatch(r"86\d{10,11}", digits):  # 8610-12345678: the country code without + or 00
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{field} '{text}' is not a telephone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{field} '{text}' is not a valid telephone number in China")
    mobile = phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), extension, mobile)


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


def fixed_line(text: str, field: str) -> Phone:
    """The deck's four facts need a fixed line: a caller's mobile is not the company's phone or fax."""
    phone = parse_phone(text, field)
    if phone.mobile:
        raise InvalidInput(f"{field} '{text}' is a mobile number; the company's fixed {field} is required")
    return phone


def address_key(address: str) -> str:
    """Two ways of writing one address (full-width, spacing, punctuation, Latin case) compare equal."""
    return _SPACE_AND_PUNCT.sub("", unicodedata.normalize("NFKC", address)).lower()
