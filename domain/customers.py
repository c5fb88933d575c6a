"""Customer identity. Full collision control (撞单) builds on these keys."""

from __future__ import annotations

import re
import unicodedata

_SPACE_AND_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def name_key(name: str) -> str:
    """NFKC folds full-width to half-width; spacing, punctuation and Latin case don't make a new company."""
    folded = unicodedata.normalize("NFKC", name).lower()
    return _SPACE_AND_PUNCT.sub("", folded)
