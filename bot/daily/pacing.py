"""Pacing for the fan-out: token buckets per workspace and per platform, and a pause on 429."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Sleep = Callable[[float], Awaitable[None]]  # asyncio.sleep, or a test's virtual time


@dataclass
class TokenBucket:
    """At most `rate` takes a second on average, `burst` at once; waiters go in arrival order."""

    rate: float
    burst: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Sleep = asyncio.sleep
    _tokens: float = field(init=False)
    _updated: float = field(init=False)
    _paused_until: float = field(init=False, default=0.0)
    _lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self._tokens = self.burst
        self._updated = self.clock()

    def pause(self, seconds: float) -> None:
        """Take nothing for `seconds` (the platform said Retry-After)."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)
        self._tokens = 0.0

    async def take(self) -> None:
        """Wait for a token."""
        async with self._lock:
            while True:
                now = self.clock()
                if now < self._paused_until:
                    await self.sleep(self._paused_until - now)
                    continue
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await self.sleep((1.0 - self._tokens) / self.rate)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformPace:
    """A platform's limits: per workspace (or guild) and across all of them (None: no limit)."""

    per_workspace: float | None
    workspace_burst: float = 1.0
    overall: float | None = None
    overall_burst: float = 1.0


class Pacer:
    """Hands out the right to send, per (platform, workspace) and per platform."""

    def __init__(
        self,
        paces: dict[str, PlatformPace],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._paces = paces
        self._clock = clock
        self._sleep = sleep
        self._workspaces: dict[tuple[str, str], TokenBucket] = {}
        self._platforms: dict[str, TokenBucket] = {}

    def _buckets(self, platform: str, workspace: str) -> list[TokenBucket]:
        pace = self._paces.get(platform)
        if pace is None:
            return []
        buckets = []
        if pace.per_workspace:
            key = (platform, workspace)
            if key not in self._workspaces:
                self._workspaces[key] = TokenBucket(pace.per_workspace, pace.workspace_burst, self._clock, self._sleep)
            buckets.append(self._workspaces[key])
        if pace.overall:
            if platform not in self._platforms:
                self._platforms[platform] = TokenBucket(pace.overall, pace.overall_burst, self._clock, self._sleep)
            buckets.append(self._platforms[platform])
        return buckets

    async def wait(self, platform: str, workspace: str) -> None:
        """Wait until a post to `workspace` on `platform` fits every limit."""
        for bucket in self._buckets(platform, workspace):
            await bucket.take()

    def pause(self, platform: str, workspace: str, seconds: float) -> None:
        """The platform rate-limited this workspace: hold its posts for `seconds`."""
        for bucket in self._buckets(platform, workspace)[:1]:
            bucket.pause(seconds)


# Slack: chat.postMessage allows about one message per second per channel (each channel gets
# one tip a day) and "several hundred a minute" per workspace: we model 5 a second with short
# bursts and stay a little under it. Discord: 50 requests a second per bot across all guilds; we
# stay a little under that too, and discord.py waits out any 429 itself. A little under: a
# request's arrival jitters by milliseconds, and at the exact limit some would be refused.
DEFAULT_PACES = {
    "slack": PlatformPace(per_workspace=4.8, workspace_burst=5.0),
    "discord": PlatformPace(per_workspace=None, overall=48.0, overall_burst=10.0),
}
