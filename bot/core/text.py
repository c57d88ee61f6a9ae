"""Text handling shared by search, commands and every platform's renderer (kept apart so none drags
the others in)."""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"


def fold(text: str) -> str:
    """Lower-case and strip diacritics, as FTS5's unicode61 tokenizer does."""
    if text.isascii():  # the common case, and ten times faster than decomposing
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of `text`."""
    return re.findall(r"[a-z0-9]+", fold(text))


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in an ellipsis when cut (platforms cap every field)."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS
