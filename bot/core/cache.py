"""BoundedCache: remembered answers, capped by count and by an estimate of their bytes.

One type for everything the bot remembers in memory: the engine's answers, each platform's
renderings of them, and Slack's installations known to this process.

A cap on entries alone lets memory grow with what people type: 1,200 distinct long questions
once took a process from 121 to 545 MB. Each entry is weighed when stored (its strings and
containers, as sys.getsizeof counts them), and the oldest entries go first once either cap
would be passed. A cache of values whose size does not depend on what people type (one per
workspace, say) may go without the byte cap. Lookups and stores may come from the event loop
and worker threads at once.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

ENTRY_OVERHEAD = 200  # the dict slot, the (value, size) pair and the key's and value's own objects
# What each platform keeps of its renderings (a Slack message, a Discord embed and buttons): replies
# repeat, and building a rendering is most of an answer's own cost.
RENDERED_CACHE_SIZE = 1024
RENDERED_CACHE_BYTES = 8 * 1024 * 1024  # estimated; a lesson's rendering is a few KB on any platform


def text_bytes(value: object) -> int:
    """An estimate of the memory `value` holds: its strings, and the dicts, lists and tuples of them.

    Anything else (numbers, lessons shared by every answer) counts as a pointer. Every answer not
    remembered is weighed, so a plain str, the commonest, is tried first, and the sums run over
    lists rather than generators.
    """
    if type(value) is str:  # most of what is weighed
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum([text_bytes(k) + text_bytes(v) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return sys.getsizeof(value) + sum([text_bytes(item) for item in value])
    if isinstance(value, str | bytes):
        return sys.getsizeof(value)
    return 8


def _weightless(_key: object, _value: object) -> int:
    return 0


class BoundedCache(Generic[K, V]):
    """At most `max_entries` entries and `max_bytes` (by `weigh`); the oldest stored are forgotten first.

    Without `max_bytes` only the entries are counted (and `weigh` is not needed).
    """

    def __init__(
        self, *, max_entries: int, max_bytes: int | None = None, weigh: Callable[[K, V], int] = _weightless
    ) -> None:
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
        """The estimated bytes of everything held now (at most max_bytes, when there is one)."""
        return self._bytes

    def get(self, key: K) -> V | None:
        """The value stored for `key`, or None."""
        with self._lock:
            found = self._entries.get(key)
        return None if found is None else found[0]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def get_or_put(self, key: K, make: Callable[[K], V]) -> V:
        """The value stored for `key`, else `make(key)`, stored (two threads may both make it)."""
        found = self.get(key)
        return self.put(key, make(key)) if found is None else found

    def discard(self, key: K) -> None:
        """Forget `key`, if it is held."""
        with self._lock:
            found = self._entries.pop(key, None)
            if found is not None:
                self._bytes -= found[1]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def put(self, key: K, value: V) -> V:
        """Remember `value` for `key` (unless it alone weighs more than max_bytes); returns `value`.

        Storing a key again makes it the newest.
        """
        size = self._weigh(key, value) + ENTRY_OVERHEAD
        limit = self.max_bytes
        if limit is not None and size > limit:
            return value
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            while self._entries and (
                len(self._entries) >= self.max_entries or (limit is not None and self._bytes + size > limit)
            ):
                oldest = next(iter(self._entries))
                self._bytes -= self._entries.pop(oldest)[1]
            self._entries[key] = (value, size)
            self._bytes += size
        return value
