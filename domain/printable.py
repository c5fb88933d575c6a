"""Typed text shown on a line-oriented surface (a terminal, a log) with every invisible character spelt out.

A line break in a note would start a forged log line; an ESC would drive the reader's terminal (clear it, draw a
link); a bidi override would reorder what follows; a zero-width character hides itself. `printable` writes each of
them as the escape Python would (`\\n`, `\\x1b`, `\\u202e`), so the line shows what was typed and does nothing else.
It is pure and idempotent (a backslash stays as it is), so the CLI, the API's access log and the log formatter all
use this one rule.
"""

from __future__ import annotations

from domain.text import INVISIBLE_MARKS, invisible

# What input refuses (control and format characters, surrogates, private-use and unassigned code points, line and
# paragraph separators, marks that show nothing): text stored before the rules, or from elsewhere, may hold them.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(ch: str) -> str:
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with every invisible character written as its escape; everything else, CJK included, unchanged."""
    if text.isprintable() and not INVISIBLE_MARKS.intersection(text):  # the common case: nothing to do
        return text
    return "".join(escape(ch) if invisible(ch) else ch for ch in text)
