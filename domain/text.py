"""What typed text may contain, by kind: one generic rule for every field, then each kind's character set.

Generic rule, the same everywhere: NFC, trimmed; control, format (bidi overrides and isolates, zero-width,
BOM, soft hyphen), surrogate, private-use and unassigned characters and line/paragraph separators are refused;
other spaces (NBSP, U+3000, thin spaces) become one ASCII space. A kind then allows only what such a thing can
hold: a licensed company name cannot contain `<`, `!` or `:`, so it can never carry markup or a URL into an
output. Free text (notes, reasons, memos) keeps every printable character: the output surfaces escape it.
A refusal names the field, the character and its code point, and says what the kind may contain.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import InvalidInput

# Refused in every field: invisible or undefined characters that reorder, hide or break text (Trojan Source).
REFUSED_CATEGORIES = {
    "Cc": "a control character", "Cf": "an invisible format character", "Cs": "a surrogate",
    "Co": "a private-use character", "Cn": "an unassigned code point", "Zl": "a line separator",
    "Zp": "a paragraph separator",
}
# unicodedata has no names for C0/C1 controls; these are the ones people meet.
_CONTROL_NAMES = {0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "CHARACTER TABULATION", 0x0A: "LINE FEED",
                  0x0B: "LINE TABULATION", 0x0C: "FORM FEED", 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE",
                  0x7F: "DELETE", 0x85: "NEXT LINE"}
_SPACES = re.compile(" {2,}")


class TextKind(StrEnum):
    LICENSED_NAME = "licensed company name"
    PAYER_NAME = "payer name"
    PERSON_NAME = "display name"
    ADDRESS = "address"
    REGION = "region"
    PRODUCT = "product"
    FILING_LOCATION = "filing location"
    FREE_TEXT = "note"
    BANK_REF = "bank reference"
    PAYER_ACCOUNT = "payer account"
    PHONE = "telephone number"


def cjk(ch: str) -> bool:
    """CJK unified ideographs of every block (the base block, extensions A to H), and 〇."""
    return ch == "〇" or unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH-")


def latin(ch: str) -> bool:
    """Latin letters, with accents and in full width (Ａ): foreign and joint-venture names use them. Not the
    click letters (ǃ ǀ), which only look like punctuation."""
    return unicodedata.name(ch, "").startswith(("LATIN CAPITAL LETTER", "LATIN SMALL LETTER", "FULLWIDTH LATIN"))


def digit(ch: str) -> bool:
    return "0" <= ch <= "9" or "０" <= ch <= "９"


def letter(ch: str) -> bool:
    """A letter of any script, or a combining mark that completes one; not the invisible Hangul fillers and
    variation selectors, which let two different names look the same."""
    category, name = unicodedata.category(ch), unicodedata.name(ch, "")
    if "FILLER" in name or name.startswith("VARIATION SELECTOR") or name == "COMBINING GRAPHEME JOINER":
        return False
    return category in ("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc")


def ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def anything(ch: str) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    allowed: Callable[[str], bool]
    may: str  # what the refusal says the kind may contain
    max_len: int


def _rule(classes: tuple[Callable[[str], bool], ...], extra: str, may: str, max_len: int) -> Rule:
    """Characters of these classes, and the `extra` ones besides."""
    return Rule(lambda ch: ch in extra or any(test(ch) for test in classes), may, max_len)


# One table for every kind of typed text: what it may hold, and why.
_NAME_MARKS = " ()（）[]【】［］·・-—－&＆.．，,、'＇"
_LABEL_MARKS = " -－_/／.．()（）#＃·+＋&＆:：,，、"  # products and filing locations: labels people write on things
_LABEL_SAID = "- _ / . ( ) # · + & : , 、 space"
RULES: dict[TextKind, Rule] = {
    # 营业执照名称: the registry allows Chinese, Latin letters, digits, brackets and a few separators, in half or
    # full width ("华信（北京）科技有限公司", "ABC (Beijing) Co., Ltd."). Nothing that makes markup, a URL or a formula.
    TextKind.LICENSED_NAME: _rule((cjk, latin, digit), _NAME_MARKS,
                                  "a licensed company name may contain Chinese characters, Latin letters, digits, "
                                  "brackets and · - & . , 、 ' space", 200),
    # The payer column of a bank statement: a licensed name, or a person's name the bank masked (张*三).
    TextKind.PAYER_NAME: _rule((cjk, latin, digit), _NAME_MARKS + "*＊",
                               "a payer name may contain Chinese characters, Latin letters, digits, brackets, "
                               "· - & . , 、 ' space and * (a masked name)", 200),
    # A user's display name: a person in any script ("王小明", "Zoë O'Brien", "买买提·艾力"), or an agency
    # account such as "北京华信 (agency account)", hence digits and round brackets too.
    TextKind.PERSON_NAME: _rule((letter, digit), " ·・.'’-()（）",
                                "a display name may contain letters of any script, digits, round brackets "
                                "and · . ' - space", 200),
    # A postal address: "北京市海淀区中关村大街1号院3号楼", "Room 1203, Tower A, 1 Main St." and building/room signs.
    TextKind.ADDRESS: _rule((letter, digit), " -－—–#＃()（）,，.．、/／·'&",
                            "an address may contain letters, Chinese characters, digits and - # ( ) , . 、 / · ' & "
                            "space", 400),
    # A sales region: a place name (北京市, 华东, "East China").
    TextKind.REGION: _rule((letter,), " ·-", "a region may contain letters, Chinese characters and · - space", 64),
    # A product as the order form names it ("黄页广告 2026版", "Web+App 套餐"); bundles are listed with commas.
    TextKind.PRODUCT: _rule((letter, digit), _LABEL_MARKS,
                            f"a product may contain letters, Chinese characters, digits and {_LABEL_SAID}", 200),
    # Where a signed original is filed: a cabinet and shelf ("A区3柜-12号", "Cabinet 3, shelf 2", "Archive 2/B:3").
    TextKind.FILING_LOCATION: _rule((letter, digit), _LABEL_MARKS,
                                    f"a filing location may contain letters, Chinese characters, digits and "
                                    f"{_LABEL_SAID}", 200),
    # Notes, reasons, a bank memo, a token label: anything printable; every output escapes it.
    TextKind.FREE_TEXT: _rule((anything,), "", "", 1000),
    # A bank's transaction reference: identifiers, compared exactly.
    TextKind.BANK_REF: _rule((ascii_alnum,), "-_/. ",
                             "a bank reference may contain ASCII letters, digits and - _ / . space", 64),
    # The payer's account number, often masked by the bank (6222****1234).
    TextKind.PAYER_ACCOUNT: _rule((ascii_alnum,), "-_/. *",
                                  "a payer account may contain ASCII letters, digits and - _ / . * space", 64),
    # A telephone or fax number as people write it: "(010) 6234-5678 转 123", "+86 10 6234 5678 ext 12".
    TextKind.PHONE: _rule((ascii_alnum, digit), " +＋-－()（）.#＃/转分机",
                          "a telephone number may contain digits, + - ( ) . # / space and an extension "
                          "(转, 分机, ext, x)", 64),
}


def describe(ch: str) -> str:
    """'"<" (U+003C LESS-THAN SIGN)'; an invisible or unnamed character by its code point alone."""
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ord(ch), "")
    code = f"U+{ord(ch):04X}" + (f" {name}" if name else "")
    return f'"{ch}" ({code})' if ch.isprintable() and not ch.isspace() else code


def refused(field: str, ch: str) -> InvalidInput:
    """The refusal for a character the generic rule refuses in every field."""
    what = REFUSED_CATEGORIES.get(unicodedata.category(ch), "a control character")
    return InvalidInput(f"{field} contains {describe(ch)}, {what}, which no field may contain")


def check_text(value: str, kind: TextKind, field: str | None = None, *, max_len: int | None = None,
               required: bool = True) -> str:
    """The value cleaned by the generic rule, if every character is one the kind allows; else InvalidInput."""
    rule, name = RULES[kind], field or kind.value
    limit = rule.max_len if max_len is None else max_len
    text = unicodedata.normalize("NFC", value).strip()
    if len(text) > limit:
        raise InvalidInput(f"{name} is {len(text)} characters long; the limit is {limit}")
    for ch in text:
        if unicodedata.category(ch) in REFUSED_CATEGORIES:
            raise refused(name, ch)
    text = _SPACES.sub(" ", "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text)).strip()
    if not text:
        if required:
            raise InvalidInput(f"{name} must not be empty")
        return text
    bad = next((ch for ch in text if not rule.allowed(ch)), None)
    if bad is not None:
        raise InvalidInput(f"{name} contains {describe(bad)}; {rule.may}")
    return text
