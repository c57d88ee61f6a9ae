"""Watching the event loop while a costly search runs: does anything else still get a turn?"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable
from typing import TypeVar

from bot.core.commands import CommandEngine
from bot.core.search import LessonIndex, SearchHit

T = TypeVar("T")
SEARCH_SECONDS = 0.5  # what the stand-in search costs
TICK = 0.01


class SlowIndex(LessonIndex):
    """The real index, whose every search first takes SEARCH_SECONDS: a stand-in for a costly question."""

    def search(self, question: str, limit: int = 5) -> list[SearchHit]:
        time.sleep(SEARCH_SECONDS)
        return super().search(question, limit)


class SlowSearchEngine(CommandEngine):
    """The real engine over a SlowIndex."""

    _slow: SlowIndex | None = None

    @property
    def index(self) -> LessonIndex:
        if self._slow is None:
            self._slow = SlowIndex(self.library.lessons)
        return self._slow


async def longest_stall(work: Awaitable[T]) -> tuple[T, float]:
    """The result of `work`, and the longest the event loop went without a turn meanwhile.

    A ticker asks for a turn every TICK seconds; a loop blocked by `work` answers it late.
    """
    # A full garbage collection owed by earlier tests would stall the loop too, for a reason that is
    # not `work`'s: pay it before watching.
    gc.collect()
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    worst, last = 0.0, loop.time()
    while not task.done():
        await asyncio.sleep(TICK)
        now = loop.time()
        worst, last = max(worst, now - last), now
    return task.result(), worst
