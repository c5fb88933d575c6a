"""The desk's languages: Chinese by default, English on request. Texts are written in English in the templates
and in the domain's labels, and translated through gettext catalogues (web/locale/<lang>/LC_MESSAGES/*.po),
read with Babel when the app starts, so no compiled catalogue is kept in the tree."""

from __future__ import annotations

import gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locale"
DEFAULT = "zh"
LANGUAGES = {"zh": "中文", "en": "English"}  # each named in itself, as a language switch shows them


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of a language, from every .po file of its folder (one per part of the desk); English is the
    texts as written."""
    folder = LOCALES / lang / "LC_MESSAGES"
    if lang not in LANGUAGES or not folder.is_dir():
        return gettext.NullTranslations()
    merged = Catalog(locale=lang)
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as po:
            for message in read_po(po, locale=lang):
                if message.id and message.string:
                    merged.add(message.id, message.string)
    compiled = BytesIO()
    write_mo(compiled, merged)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def language(asked: str | None) -> str:
    return asked if asked in LANGUAGES else DEFAULT
