"""The desk's languages: Chinese by default, English on request. Texts are written in English in the templates
and in the domain's labels, and translated through gettext catalogues (web/locale/<lang>/LC_MESSAGES/desk.po),
read with Babel when the app starts, so no compiled catalogue is kept in the tree."""

from __future__ import annotations

import gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locale"
DEFAULT = "zh"
LANGUAGES = {"zh": "中文", "en": "English"}  # each named in itself, as a language switch shows them


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of a language; English is the texts as written."""
    path = LOCALES / lang / "LC_MESSAGES" / "desk.po"
    if lang not in LANGUAGES or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def language(asked: str | None) -> str:
    return asked if asked in LANGUAGES else DEFAULT
