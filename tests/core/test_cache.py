"""BoundedCache beyond its byte cap (tests/core/test_limits.py): counting alone, get_or_put, discard."""

from __future__ import annotations

from bot.core.cache import ENTRY_OVERHEAD, BoundedCache


def test_without_a_byte_cap_only_the_entries_are_counted() -> None:
    cache: BoundedCache[str, str] = BoundedCache(max_entries=2)
    cache.put("a", "x" * 100_000)
    cache.put("b", "x" * 100_000)
    cache.put("a", "y")  # stored again: now the newest
    cache.put("c", "z")  # past two entries: the oldest stored (b) goes
    assert [k for k in "abc" if k in cache] == ["a", "c"]
    assert cache.bytes == 2 * ENTRY_OVERHEAD  # nothing weighed


def test_get_or_put_makes_a_value_once_and_remembers_it() -> None:
    cache: BoundedCache[str, str] = BoundedCache(max_entries=10, max_bytes=10_000, weigh=lambda k, v: len(v))
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    assert cache.get_or_put("kaggle", make) == "KAGGLE"
    assert cache.get_or_put("kaggle", make) == "KAGGLE"
    assert made == ["kaggle"] and cache.get("kaggle") == "KAGGLE"


def test_get_or_put_hands_back_a_value_too_big_to_keep() -> None:
    cache: BoundedCache[str, str] = BoundedCache(max_entries=9, max_bytes=ENTRY_OVERHEAD + 5, weigh=lambda k, v: len(v))
    assert cache.get_or_put("big", lambda key: "x" * 50) == "x" * 50
    assert "big" not in cache and cache.bytes == 0


def test_discard_forgets_one_key_and_its_bytes() -> None:
    cache: BoundedCache[str, str] = BoundedCache(max_entries=10, max_bytes=10_000, weigh=lambda k, v: len(v))
    cache.put("a", "x" * 10)
    cache.put("b", "x" * 20)
    cache.discard("a")
    cache.discard("never stored")
    assert "a" not in cache and cache.get("b") == "x" * 20
    assert cache.bytes == 20 + ENTRY_OVERHEAD
