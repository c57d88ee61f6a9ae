"""Lanes: a queue per key, each worked in order by its own task, all side by side.

The fan-out keeps one lane per (platform, workspace): a workspace's posts go out one after the
other at its own pace, and a workspace with one post never waits behind another's hundreds.
Items join a lane while it works; a lane's task ends when its queue is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


@dataclass
class _Queue(Generic[T]):
    waiting: deque[T] = field(default_factory=deque)
    working: int = 0  # 1 while the lane's task works on an item

    def __len__(self) -> int:
        return len(self.waiting) + self.working


class Lanes(Generic[K, T]):
    """`work(key, item)` for every submitted item, in order per key; `done(key)` when a lane empties.

    `work` must settle its item and not raise: an exception ends the lane, dropping what waits in it.
    """

    def __init__(self, work: Callable[[K, T], Awaitable[None]], done: Callable[[K], None] | None = None) -> None:
        self._work = work
        self._done = done
        self._queues: dict[K, _Queue[T]] = {}
        self._tasks: dict[K, asyncio.Task[None]] = {}
        self._emptied = asyncio.Event()

    @property
    def idle(self) -> bool:
        """No lane has anything left to do."""
        return not self._tasks

    @property
    def outstanding(self) -> int:
        """Items submitted and not yet worked off, in every lane."""
        return sum(len(queue) for queue in self._queues.values())

    def holding(self, depth: int) -> list[K]:
        """The lanes with at least `depth` items not yet worked off."""
        return [key for key, queue in self._queues.items() if len(queue) >= depth]

    def submit(self, key: K, item: T) -> None:
        """Queue `item` in lane `key`, starting the lane's task if it is idle."""
        self._queues.setdefault(key, _Queue()).waiting.append(item)
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._run(key), name=f"mltip-lane-{key}")

    async def wait(self, timeout: float) -> None:
        """Return when a lane empties, or after `timeout` seconds."""
        self._emptied.clear()
        if self._tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._emptied.wait(), max(0.0, timeout))

    async def drain(self) -> None:
        """Wait until every lane is empty."""
        while self._tasks:
            await asyncio.wait(set(self._tasks.values()))

    async def _run(self, key: K) -> None:
        queue = self._queues[key]
        try:
            while queue.waiting:
                item = queue.waiting.popleft()
                queue.working = 1
                try:
                    await self._work(key, item)
                finally:
                    queue.working = 0
        finally:
            # No await between the last check of the queue and here: nothing can join unseen.
            del self._tasks[key], self._queues[key]
            if self._done is not None:
                self._done(key)
            self._emptied.set()
