"""Every text the desk shows has its Chinese: the templates' `_()`, the Python side's `N_()` (web/), and the
domain's own labels the pages show. A text added without its translation fails here, not in front of a rep."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract

from domain.order import WAITING_FOR
from domain.people import ROLE_LABELS
from domain.rejections import LABELS as REASONS
from web.i18n import LANGUAGES, translations

WEB = Path(__file__).resolve().parents[2] / "web"


def shown_texts() -> set[str]:
    found: set[str] = set()
    sources = [(p, "jinja2.ext.babel_extract", {"_": None}) for p in sorted((WEB / "templates").glob("*.html"))]
    sources += [(p, "python", {"N_": None}) for p in sorted(WEB.glob("*.py"))]
    for path, method, keywords in sources:
        with path.open("rb") as source:
            for _line, message, _comments, _context in extract(method, source, keywords=keywords,
                                                              options={"extensions": "jinja2.ext.i18n"}):
                if isinstance(message, str):
                    found.add(message)
    for labels in (ROLE_LABELS, WAITING_FOR, REASONS):
        found |= set(labels.values())
    return found


def test_the_extraction_finds_the_texts() -> None:
    texts = shown_texts()
    assert {"My tasks", "Record the signing", "the customer's payment", "Effective"} <= texts
    assert len(texts) > 150


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_every_shown_text_is_translated(lang: str) -> None:
    catalogue = translations(lang)
    missing = sorted(t for t in shown_texts() if catalogue.gettext(t) == t)
    assert not missing, f"{len(missing)} texts have no {lang} translation: {missing}"
