"""Building blocks for the daily tests: the fan-out wired to the fakes, fast pacing, many subscriptions."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from bot.adapters.slack.poster import SlackPoster
from bot.core.commands import CommandEngine
from bot.core.weekdays import EVERY_DAY
from bot.daily.fanout import Fanout, Poster, RetryPolicy
from bot.daily.pacing import Pacer, PlatformPace
from bot.store import ChannelKey, Platform, Store, Subscription, TargetKind
from tests.fakes.slack_server import BOT_TOKEN
from tests.support.clock import FakeClock

FAST = {
    "slack": PlatformPace(per_workspace=2000.0, workspace_burst=50.0),
    "discord": PlatformPace(per_workspace=None, overall=2000.0, overall_burst=50.0),
}
QUICK_RETRY = RetryPolicy(base=0.05, cap=0.2, deadline=timedelta(seconds=20))


async def slack_tokens(_workspace: str) -> str:
    return BOT_TOKEN


def slack_poster(api_url: str, timeout: float = 2.0) -> SlackPoster:
    return SlackPoster(api_url, slack_tokens, timeout=timeout)


def make_fanout(
    store: Store, engine: CommandEngine, posters: dict[str, Poster], clock: FakeClock, **kwargs: object
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
