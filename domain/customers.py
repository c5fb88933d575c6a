"""Customer identity beside the name (domain/names.py) and the numbers (domain/phones.py): the address's key."""

from __future__ import annotations

import re
import unicodedata

_SPACE_AND_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def address_key(address: str) -> str:
    """Two ways of writing one address (full-width, spacing, punctuation, Latin case) compare equal."""
    return _SPACE_AND_PUNCT.sub("", unicodedata.normalize("NFKC", address)).lower()
