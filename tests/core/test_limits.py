"""What hostile input costs the core: typo repair of a long word, and the answer caches' bytes."""

from __future__ import annotations

import random
import string
import tracemalloc

import pytest

from bot.core.library import Library
from bot.core.search import LessonIndex

RANDOM_WORD = "".join(random.Random(3).choices(string.ascii_lowercase, k=5000))


@pytest.fixture(scope="module")
def index(library: Library) -> LessonIndex:
    return LessonIndex(library.lessons)


def peak_bytes(call: object) -> int:
    """The most memory allocated at once while `call()` ran."""
    assert callable(call)
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("word", [RANDOM_WORD, "kaggle" * 800, "abcdefghijklmnopqrstu"])
def test_a_word_longer_than_any_known_word_is_not_typo_repaired(index: LessonIndex, word: str) -> None:
    # Its one-letter deletions alone would be len(word) strings of len(word) - 1 characters
    # (25 MB for 5,000 letters, 2.5 GB for 50,000), and none can be one edit from a known word.
    assert index.correct(word) == word
    assert peak_bytes(lambda: index.correct(word)) < 100_000
    assert peak_bytes(lambda: index.search(f"kaggle {word}")) < 200_000


def test_a_word_one_letter_longer_than_the_longest_known_word_is_still_repaired(index: LessonIndex) -> None:
    longest = max(index._counts, key=len)
    assert index.correct(longest[:3] + "x" + longest[3:]) == longest
