"""What hostile input costs the core: typo repair of a long word, and the answer caches' bytes."""

from __future__ import annotations

import random
import string
import threading
import tracemalloc

import pytest

from bot.core.cache import ENTRY_OVERHEAD, BoundedCache
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


def test_a_bounded_cache_forgets_the_oldest_past_its_bytes_or_its_entries() -> None:
    cache: BoundedCache[str, str] = BoundedCache(
        max_entries=3, max_bytes=1000 + 2 * ENTRY_OVERHEAD, weigh=lambda k, v: len(v)
    )
    cache.put("a", "x" * 500)
    cache.put("b", "x" * 500)
    assert len(cache) == 2 and cache.bytes == 1000 + 2 * ENTRY_OVERHEAD
    cache.put("c", "x" * 10)  # over the bytes: the oldest goes
    assert cache.get("a") is None and cache.get("b") is not None and cache.get("c") == "x" * 10
    cache.put("d", "")
    cache.put("e", "")  # over the entries: the oldest goes
    assert [k for k in "abcde" if k in cache] == ["c", "d", "e"]
    cache.put("e", "y")  # storing again replaces, and counts once
    assert len(cache) == 3 and cache.bytes == 10 + 0 + 1 + 3 * ENTRY_OVERHEAD
    assert cache.put("huge", "x" * 5000) == "x" * 5000 and "huge" not in cache  # never kept at all


def test_a_bounded_cache_keeps_count_under_threads() -> None:
    cache: BoundedCache[int, str] = BoundedCache(max_entries=50, max_bytes=20_000, weigh=lambda k, v: len(v))

    def hammer(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(3000):
            key = rng.randrange(200)
            if cache.get(key) is None:
                cache.put(key, "x" * rng.randrange(300))

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    held = [cache.get(key) for key in range(200)]
    assert len(cache) <= 50 and cache.bytes <= 20_000
    assert cache.bytes == sum(len(v) + ENTRY_OVERHEAD for v in held if v is not None)
