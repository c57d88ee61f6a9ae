"""Word handling shared by search and commands (kept apart so neither drags the other in)."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip diacritics, as FTS5's unicode61 tokenizer does."""
    if text.isascii():  # the common case, and ten times faster than decomposing
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of `text`."""
    return re.findall(r"[a-z0-9]+", fold(text))
