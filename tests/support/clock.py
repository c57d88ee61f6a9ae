"""The one fake clock: the code under test reads the time from it, and the test decides what it says.

A `FakeClock` stands still until the test moves it (`clock.now = ...`, `jump`, `advance`), or until
the code under test sleeps on it (`await clock.sleep(...)`): minutes of Retry-After and pacing then
take no real time. Pass the clock itself where the bot wants the time of day (`Callable[[], datetime]`),
`clock.monotonic` where it measures seconds (`time.monotonic`), `clock.timestamp` where it wants
Unix time (`time.time`), and `clock.sleep` where it sleeps (`asyncio.sleep`).

`FakeClock(start, running=True)` also moves with the wall clock, for scenarios whose retries and
stalls really wait (the fake servers answer in real time); the test still jumps it ahead to the
next day, or the next fire time, without waiting for it.
"""

from __future__ import annotations

import asyncio
import math
import time as wall
from datetime import UTC, datetime, timedelta

SOME_MONDAY = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)  # where a clock starts when the date does not matter


class FakeClock:
    """Time as the test says: `start`, plus every jump, advance and sleep since (plus the wall
    time since it was made, when `running`)."""

    def __init__(self, start: datetime = SOME_MONDAY, *, running: bool = False) -> None:
        self._start = start
        # Seconds moved by the test and by sleeps, kept as a float (not a timedelta, which rounds to
        # microseconds): code that sleeps until a float deadline must find it reached.
        self._moved = 0.0
        self._running = running
        self._wall_zero = wall.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    @property
    def now(self) -> datetime:
        return self()

    @now.setter
    def now(self, to: datetime) -> None:
        self.jump(to)

    def jump(self, to: datetime) -> None:
        """Go on from `to` (later or earlier) without waiting; the clock then says exactly `to`."""
        self._moved = (to - self._start).total_seconds() - self._wall_elapsed()

    def advance(self, seconds: float) -> None:
        """Move on by `seconds` without waiting."""
        moved = self._moved + seconds
        if seconds > 0 and moved == self._moved:
            # Too little to show in a float this large: move by the least that shows, or code that
            # sleeps until a token has refilled (the pacer) would find no time passed, and spin.
            moved = math.nextafter(moved, math.inf)
        self._moved = moved

    def monotonic(self) -> float:
        """Seconds since the start, for code that measures intervals (`time.monotonic`'s place)."""
        return self._moved + self._wall_elapsed()

    def timestamp(self) -> float:
        """Unix time, for code that reads the wall clock in seconds (`time.time`'s place)."""
        return self().timestamp()

    async def sleep(self, seconds: float) -> None:
        """`asyncio.sleep`'s place: the time passes at once, and other tasks get their turn."""
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)

    def _wall_elapsed(self) -> float:
        return wall.monotonic() - self._wall_zero if self._running else 0.0
