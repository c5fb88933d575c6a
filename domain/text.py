"""What typed text may contain, by kind: one generic rule for every field, then each kind's character set.

Generic rule, the same everywhere: NFC, trimmed; control, format (bidi overrides and isolates, zero-width,
BOM, soft hyphen), surrogate, private-use and unassigned characters, line/paragraph separators and the letters
that show nothing (Hangul fillers, the grapheme joiner) are refused; other spaces (NBSP, U+3000, thin spaces)
become one ASCII space. Free text drops variation selectors (a phone puts U+FE0F after an emoji); every other
kind refuses them. A kind then allows only what such a thing can
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
# Also refused in every field: Unicode's default-ignorable code points that are letters or marks, not format
# characters, and so slip past REFUSED_CATEGORIES: the combining grapheme joiner, the Hangul fillers and the Khmer
# inherent vowels. Each shows nothing, so "华信" and "华\u3164信" would look the same.
INVISIBLE_MARKS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
# What may not begin a product, a filing location or a file name: a spreadsheet reads the cell as a formula.
FORMULA_LEAD = "=+-@＝＋－＠"
_SPACES = re.compile(" {2,}")


def invisible(ch: str) -> bool:
    """A character the generic rule refuses in every field."""
    return unicodedata.category(ch) in REFUSED_CATEGORIES or ch in INVISIBLE_MARKS


def selector(ch: str) -> bool:
    """A variation selector (VS1-16, VS17-256): it only picks a glyph for the character before it."""
    return "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef"


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
    FILE_NAME = "file name"


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
    """A letter of any script, or a combining mark that completes one; not the invisible marks and fillers nor
    any variation selector (Mongolian's free ones included), which let two different names look the same."""
    category, name = unicodedata.category(ch), unicodedata.name(ch, "")
    if ch in INVISIBLE_MARKS or "FILLER" in name or "VARIATION SELECTOR" in name:
        return False
    return category in ("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc")


def ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def anything(ch: str) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    allowed: Callable[[str], bool]
    may: str  # what the refusal says the kind may contain, built from the sets themselves
    max_len: int
    lead: str = ""  # what the value may not begin with
    drops_selectors: bool = False  # variation selectors are dropped, not refused


def _marks(extra: str) -> str:
    """The `extra` characters as a refusal lists them: an ASCII mark stands for its full-width form too
    ("(" for "（"), and a space is the word."""
    fullwidth_of_ascii = {ch for ch in extra if "！" <= ch <= "～" and chr(ord(ch) - 0xFEE0) in extra}
    shown = [ch for ch in extra if ch != " " and ch not in fullwidth_of_ascii]
    return " ".join(shown + (["space"] if " " in extra else []))


def _rule(classes: tuple[Callable[[str], bool], ...], said: str, extra: str, max_len: int, *, lead: str = "",
          drops_selectors: bool = False) -> Rule:
    """Characters of these classes (`said` in words), and the `extra` ones besides: the refusal's text is made
    from the same characters as the set, so the two cannot drift apart."""
    may = f"{said} and {_marks(extra)}" if extra else said
    return Rule(lambda ch: ch in extra or any(test(ch) for test in classes), may, max_len, lead, drops_selectors)


def _extension(ch: str) -> bool:
    return ch in "转分机"  # "转 123", "分机 123"


# One table for every kind of typed text: what it may hold, and why. No ASCII [ ] in a name: licensed names write
# brackets as （）【】［］, and "[点我](evil.example)科技有限公司" is a Markdown link.
_NAME_MARKS = " ()（）【】［］·・-—－&＆.．，,、'＇"
_LABEL_MARKS = " -－_/／.．()（）#＃·+＋&＆:：,，、"  # products and filing locations: labels people write on things
RULES: dict[TextKind, Rule] = {
    # 营业执照名称: the registry allows Chinese, Latin letters, digits, brackets and a few separators, in half or
    # full width ("华信（北京）科技有限公司", "ABC (Beijing) Co., Ltd."). Nothing that makes markup, a URL or a formula.
    TextKind.LICENSED_NAME: _rule((cjk, latin, digit), "Chinese characters, Latin letters, digits", _NAME_MARKS,
                                  200),
    # The payer column of a bank statement: a licensed name, or a person's name the bank masked (张*三).
    TextKind.PAYER_NAME: _rule((cjk, latin, digit), "Chinese characters, Latin letters, digits", _NAME_MARKS + "*＊",
                               200),
    # A user's display name: a person in any script ("王小明", "Zoë O'Brien", "买买提·艾力"), or an agency
    # account such as "北京华信 (agency account)", hence digits and round brackets too.
    TextKind.PERSON_NAME: _rule((letter, digit), "letters of any script, digits", " ·・.'’-()（）", 200),
    # A postal address: "北京市海淀区中关村大街1号院3号楼", "Room 1203, Tower A, 1 Main St." and building/room signs.
    TextKind.ADDRESS: _rule((letter, digit), "letters of any script, digits", " -－—–#＃()（）,，.．、/／·'&", 400),
    # A sales region: a place name (北京市, 华东, "East China").
    TextKind.REGION: _rule((letter,), "letters of any script", " ·-", 64),
    # A product as the order form names it ("黄页广告 2026版", "Web+App 套餐"); bundles are listed with commas.
    # Products go into exports: a leading = + - @ would be a spreadsheet formula.
    TextKind.PRODUCT: _rule((letter, digit), "letters of any script, digits", _LABEL_MARKS, 200, lead=FORMULA_LEAD),
    # Where a signed original is filed: a cabinet and shelf ("A区3柜-12号", "Cabinet 3, shelf 2", "Archive 2/B:3").
    TextKind.FILING_LOCATION: _rule((letter, digit), "letters of any script, digits", _LABEL_MARKS, 200,
                                    lead=FORMULA_LEAD),
    # Notes, reasons, a bank memo, a token label: anything printable; every output escapes it.
    TextKind.FREE_TEXT: _rule((anything,), "any printable character", "", 1000, drops_selectors=True),
    # A bank's transaction reference: identifiers, compared exactly.
    TextKind.BANK_REF: _rule((ascii_alnum,), "ASCII letters, digits", "-_/. ", 64),
    # The payer's account number, often masked by the bank (6222****1234).
    TextKind.PAYER_ACCOUNT: _rule((ascii_alnum,), "ASCII letters, digits", "-_/. *", 64),
    # A telephone or fax number as people write it: "(010) 6234-5678 转 123", "+86 10 6234 5678 ext 12".
    TextKind.PHONE: _rule((ascii_alnum, digit, _extension), "digits, an extension (转, 分机, ext, x)",
                          " +＋-－()（）.#＃/", 64),
    # The name a person gave an uploaded scan, slip or statement ("扫描件 (2).pdf", "招商银行流水_2026-11.csv",
    # "合同【盖章版】.pdf"): kept for the record and shown, never a path. Round and CJK brackets, not ASCII [ ]
    # ("[点我](evil.example).pdf" is a link); no quotes, & or <>; no leading formula character.
    TextKind.FILE_NAME: _rule((letter, digit), "letters of any script, digits", " -_.()（）［］【】#+,，、", 200,
                              lead=FORMULA_LEAD),
}


def describe(ch: str) -> str:
    """'"<" (U+003C LESS-THAN SIGN)'; an invisible or unnamed character by its code point alone."""
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ord(ch), "")
    code = f"U+{ord(ch):04X}" + (f" {name}" if name else "")
    shown = (ch.isprintable() and not ch.isspace() and ch not in INVISIBLE_MARKS
             and "VARIATION SELECTOR" not in name)
    return f'"{ch}" ({code})' if shown else code


def refused(field: str, ch: str) -> InvalidInput:
    """The refusal for a character the generic rule refuses in every field."""
    what = ("a character that shows nothing" if ch in INVISIBLE_MARKS
            else REFUSED_CATEGORIES.get(unicodedata.category(ch), "a control character"))
    return InvalidInput(f"{field} contains {describe(ch)}, {what}, which no field may contain")


def check_visible(value: str, field: str) -> None:
    """The generic rule's refusal alone: for a value that is not kept as typed (a path, whose folders are
    dropped), or checked by a form of its own."""
    bad = next((ch for ch in value if invisible(ch)), None)
    if bad is not None:
        raise refused(field, bad)


def check_text(value: str, kind: TextKind, field: str | None = None, *, max_len: int | None = None,
               required: bool = True) -> str:
    """The value cleaned by the generic rule, if every character is one the kind allows; else InvalidInput."""
    rule, name = RULES[kind], field or kind.value
    limit = rule.max_len if max_len is None else max_len
    if rule.drops_selectors:  # before NFC: a selector between a letter and its accent would keep them apart
        value = "".join(ch for ch in value if not selector(ch))
    text = unicodedata.normalize("NFC", value).strip()
    if len(text) > limit:
        raise InvalidInput(f"{name} is {len(text)} characters long; the limit is {limit}")
    check_visible(text, name)
    text = _SPACES.sub(" ", "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text)).strip()
    if not text:
        if required:
            raise InvalidInput(f"{name} must not be empty")
        return text
    bad = next((ch for ch in text if not rule.allowed(ch)), None)
    if bad is not None:
        article = "an" if kind.value[0] in "aeiou" else "a"
        raise InvalidInput(f"{name} contains {describe(bad)}; {article} {kind.value} may contain {rule.may}")
    if text[0] in rule.lead:
        raise InvalidInput(f"{name} may not begin with {describe(text[0])}: a spreadsheet would read it as a "
                           "formula")
    return text
