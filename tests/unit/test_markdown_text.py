"""Typed text in the Temporal Web UI's Markdown (summaries, current details) renders as that text and nothing else."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from orderflow.markdown import MARKUP, md_text
from tests.hostile import HOSTILE

# CommonMark with GFM tables, strikethrough and bare-URL autolinks (www.…, https://…, a@b.c): what a UI adds.
RENDER = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough", "linkify"])


def rendered(text: str) -> str:
    return RENDER.render(md_text(text))


def test_every_hostile_string_renders_as_one_paragraph_of_text():
    for text in HOSTILE:
        out = rendered(text)
        tags = set(re.findall(r"</?([a-zA-Z0-9]+)", out))
        assert tags <= {"p"}, (text[:60], out[:300])
        assert "javascript:" not in out.lower() or "<a" not in out
        assert out.count("\n") <= 1


def test_the_text_survives_unchanged_apart_from_folding():
    out = rendered("![t](http://127.0.0.1:9/track.png)[点我](javascript:alert(3))科技有限公司")
    text = html.unescape(re.sub(r"</?p>", "", out)).strip()
    assert text == "![t](http://127.0.0.1:9/track.png)[点我](javascript:alert(3))科技有限公司"


def test_bare_addresses_do_not_become_links():
    assert "<a" in RENDER.render("see www.evil.example or https://evil.example/x and a@evil.example")  # it would
    for text in ("www.evil.example", "https://evil.example/登录", "mail a@evil.example", "ftp://evil.example"):
        assert "<a" not in rendered(text), rendered(text)


def test_line_breaks_fold_and_invisible_characters_show_their_code_point():
    assert md_text("a\nb\r\n\tc") == "a b c"
    assert md_text("华信\u202e司公") == "华信\\\\u202e司公"  # shown as \u202e: the backslash escaped
    assert md_text("x" * 500).endswith("…") and len(md_text("x" * 500)) == 200


@given(st.text(max_size=300))
@settings(max_examples=400)
def test_any_text_renders_as_exactly_its_folded_self(text: str):
    out = rendered(text)
    body = re.sub(r"^<p>|</p>\n?$", "", out)
    assert "<" not in body, out  # no tag at all: every typed "<" arrives as &lt;
    # What the reader sees is the text itself: md_text's escapes gone, line breaks folded, invisibles spelt out.
    escaped = "[" + re.escape("".join(sorted(MARKUP))) + "]"
    assert html.unescape(body) == re.sub(r"\\(" + escaped + ")", r"\1", md_text(text))
