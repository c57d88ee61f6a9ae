"""BoundedCache: remembered answers, capped by count and by an estimate of their bytes.

A cap on entries alone lets memory grow with what people type: 1,200 distinct long questions
once took a process from 121 to 545 MB. Each entry is weighed when stored (its strings and
containers, as sys.getsizeof counts them), and the oldest entries go first once either cap
would be passed. Lookups and stores may come from the event loop and worker threads at once.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

ENTRY_OVERHEAD = 200  # the dict slot, the (value, size) pair and the key's and value's own objects


def text_bytes(value: object) -> int:
    """An estimate of the memory `value` holds: its strings, and the dicts, lists and tuples of them.

    Anything else (numbers, lessons shared by every answer) counts as a pointer.
    """
    if isinstance(value, str | bytes):
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(text_bytes(k) + text_bytes(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return sys.getsizeof(value) + sum(text_bytes(item) for item in value)
    return 8


class BoundedCache(Generic[K, V]):
    """At most `max_entries` entries and `max_bytes` (by `weigh`); the oldest stored are forgotten first."""

    def __init__(self, *, max_entries: int, max_bytes: int, weigh: Callable[[K, V], int]) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._weigh = weigh
        self._entries: dict[K, tuple[V, int]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """The estimated bytes of everything held now (at most max_bytes)."""
        return self._bytes

    def get(self, key: K) -> V | None:
        """The value stored for `key`, or None."""
        with self._lock:
            found = self._entries.get(key)
        return None if found is None else found[0]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def put(self, key: K, value: V) -> V:
        """Remember `value` for `key` (unless it alone weighs more than max_bytes); returns `value`."""
        size = self._weigh(key, value) + ENTRY_OVERHEAD
        if size > self.max_bytes:
            return value
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            while self._entries and (len(self._entries) >= self.max_entries or self._bytes + size > self.max_bytes):
                oldest = next(iter(self._entries))
                self._bytes -= self._entries.pop(oldest)[1]
            self._entries[key] = (value, size)
            self._bytes += size
        return value
