"""Building blocks for the daily tests: a running clock, the scheduler wired to the fakes."""

from __future__ import annotations

import asyncio
import random
import time as wall
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.adapters.slack.poster import SlackPoster
from bot.core.commands import CommandEngine
from bot.core.weekdays import EVERY_DAY
from bot.daily.fanout import Fanout, Poster, RetryPolicy
from bot.daily.pacing import Pacer, PlatformPace
from bot.store import ChannelKey, Platform, Store, Subscription, TargetKind
from tests.fakes.slack_server import BOT_TOKEN

FAST = {
    "slack": PlatformPace(per_workspace=2000.0, workspace_burst=50.0),
    "discord": PlatformPace(per_workspace=None, overall=2000.0, overall_burst=50.0),
}
QUICK_RETRY = RetryPolicy(base=0.05, cap=0.2, deadline=timedelta(seconds=20))


@dataclass
class RunningClock:
    """A scenario's clock: starts at `start` and runs at wall speed (retries wait for real)."""

    start: datetime

    def __post_init__(self) -> None:
        self._t0 = wall.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=wall.monotonic() - self._t0)

    def jump(self, to: datetime) -> None:
        """Continue from `to` (the next day, say) without waiting for it."""
        self.start, self._t0 = to, wall.monotonic()


class VirtualTime:
    """A clock that moves only when the code under test sleeps on it: minutes of Retry-After and
    pacing take no real time. Pass it as the clock, `monotonic` and `sleep` to Pacer and Fanout."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.elapsed = 0.0

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return self.elapsed

    async def sleep(self, seconds: float) -> None:
        self.elapsed += max(0.0, seconds)
        await asyncio.sleep(0)

    def jump(self, to: datetime) -> None:
        """Continue from `to` (later, say the next retry time)."""
        self.elapsed += (to - self()).total_seconds()


async def slack_tokens(_workspace: str) -> str:
    return BOT_TOKEN


def slack_poster(api_url: str, timeout: float = 2.0) -> SlackPoster:
    return SlackPoster(api_url, slack_tokens, timeout=timeout)


def make_fanout(
    store: Store, engine: CommandEngine, posters: dict[str, Poster], clock: RunningClock, **kwargs: object
) -> Fanout:
    options: dict[str, object] = {"pacer": Pacer(FAST), "retry": QUICK_RETRY, "rng": random.Random(3), **kwargs}
    return Fanout(store, engine, posters, clock=clock, **options)  # type: ignore[arg-type]


def subscribe_many(
    store: Store,
    count: int,
    *,
    platform: Platform,
    workspaces: int,
    now: datetime,
    at: time = time(9, 0),
    zone: str = "Europe/Berlin",
    prefix: str = "C",
    kind: TargetKind = TargetKind.CHANNEL,
) -> list[Subscription]:
    """`count` subscriptions over `workspaces`; with kind PERSON, `prefix` + n are user ids."""
    made = []
    for n in range(count):
        key = ChannelKey(platform=platform, workspace_id=f"W{n % workspaces}", channel_id=f"{prefix}{n}")
        made.append(
            store.subscriptions.subscribe(
                key, local_time=at, timezone=zone, weekdays=EVERY_DAY, actor="U", now=now, kind=kind
            )
        )
    return made
