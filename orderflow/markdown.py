"""Typed text inside Markdown that someone else renders: the Temporal Web UI's summaries and current details.

The UI renders those fields as Markdown, so a customer name like `![t](http://host/x.png)` would become an image the
ops user's browser fetches. Every piece of typed text goes through `md_text` on its way there: a backslash before each
character that can start markup turns every link, image, emphasis, heading, HTML tag, entity
and autolink into plain characters; line breaks fold into spaces, so typed text cannot start a block of its own;
invisible characters are spelt out (`\\u202e`) as on every other surface, by `domain.printable`.
"""

from __future__ import annotations

from domain.printable import printable

# The punctuation that can start or end Markdown: emphasis, code, links and images, headings, lists, HTML and
# entities, tables, strikethrough, math, and the ":" and "." that bare-URL and e-mail autolinks need. CommonMark
# allows every ASCII punctuation character to be escaped, but the Temporal UI's renderer honours the escape only
# for these (a "\/" would show its backslash), and the rest (" % ' , / ; = ? @) start nothing on their own.
MARKUP = frozenset("\\`*_{}[]()#+-.!<>&|~:$^")
MAX_SHOWN = 200  # a summary line, not a document: longer text is cut with an ellipsis


def md_text(value: object, limit: int = MAX_SHOWN) -> str:
    """`value` as literal text in Markdown: no markup, one line, at most `limit` characters before escaping."""
    text = " ".join(str(value).split())  # every run of whitespace, newlines included, becomes one space
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join("\\" + ch if ch in MARKUP else ch for ch in printable(text))
