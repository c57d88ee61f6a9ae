"""Fairness of the daily fan-out: one Slack workspace with 600 posts due, and lone posts elsewhere.

Against the fake Slack enforcing its per-workspace limit (5 posts a second), the 600 take about
two minutes. A lone post in another workspace due at the same minute, and another due a minute
into that backlog, must each leave within 5 s of their time. As the scheduler runs in
production: a tick at 07:00, and at 07:01 the fire-time tick APScheduler would start (it waits
for the running one). Floor: the lone post's delay with nothing else due, measured first.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from bench.common import Figure, Report
from bot.adapters.slack.poster import SlackPoster
from bot.core.commands import CommandEngine
from bot.core.library import BUILTIN_CONTENT
from bot.core.loading import load_library
from bot.core.weekdays import EVERY_DAY
from bot.daily.fanout import Fanout
from bot.daily.pacing import DEFAULT_PACES, Pacer
from bot.daily.scheduler import DailyScheduler
from bot.store import ChannelKey, Platform, Store
from tests.fakes.limits import RateLimit
from tests.fakes.slack_server import FakeSlack
from tests.support.clock import FakeClock

BACKLOG = 600
SLACK_LIMIT = (5.0, 10.0)  # per workspace: rate, burst (the fake's model of Slack)
FIRE = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)
LATER = FIRE + timedelta(minutes=1)
TARGET = 5.0  # seconds after its time a lone post must have left by


def subscribe(store: Store, workspace: str, channel: str, at: datetime) -> None:
    key = ChannelKey(platform=Platform.SLACK, workspace_id=workspace, channel_id=channel)
    store.subscriptions.subscribe(
        key,
        local_time=clock_time(at.hour, at.minute),
        timezone="UTC",
        weekdays=EVERY_DAY,
        actor="bench",
        now=at - timedelta(days=1),
    )


class Scenario:
    """A fresh database and fake Slack; `run` ticks as production would and times each post."""

    def __init__(self, engine: CommandEngine) -> None:
        self.engine = engine
        self.store = Store.open(f"sqlite:///{tempfile.mkdtemp(prefix='mltip-bench-')}/fairness.db")

    async def run(self, ticks_at: list[datetime]) -> FakeSlack:
        slack = await FakeSlack(bot_tokens={f"xoxb-bench-{w}" for w in ("BIG", "SAME", "LATER")}).start()
        slack.post_limit = RateLimit(*SLACK_LIMIT)

        async def token(workspace: str) -> str:
            return f"xoxb-bench-{workspace}"

        self.clock = FakeClock(FIRE, running=True)
        self.t0 = time.monotonic()  # FIRE on the fake's clock (it stamps calls with time.monotonic)
        fanout = Fanout(
            self.store,
            self.engine,
            {"slack": SlackPoster(slack.api_url, token)},
            clock=self.clock,
            pacer=Pacer(DEFAULT_PACES),
        )
        daily = DailyScheduler(
            self.store,
            fanout,
            clock=self.clock,
            worker_id="bench",
            grace=timedelta(hours=3),
            platforms=frozenset({"slack"}),
        )
        ticks = []
        for at in ticks_at:
            await asyncio.sleep(max(0.0, (at - self.clock()).total_seconds()))
            ticks.append(asyncio.create_task(daily.tick()))
        await asyncio.gather(*ticks)
        await slack.stop()
        self.store.close()
        return slack

    def delay(self, slack: FakeSlack, channel: str, due: datetime) -> float:
        """Seconds from `due` until the post to `channel` reached Slack (inf if it never did)."""
        call = next((c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == channel), None)
        return float("inf") if call is None else call.at - (self.t0 + (due - FIRE).total_seconds())


async def measure(report: Report) -> None:
    engine = CommandEngine(load_library([BUILTIN_CONTENT]))
    alone = Scenario(engine)
    subscribe(alone.store, "SAME", "S1", FIRE)
    slack = await alone.run([FIRE])
    floor = alone.delay(slack, "S1", FIRE)

    busy = Scenario(engine)
    for n in range(BACKLOG):
        subscribe(busy.store, "BIG", f"B{n}", FIRE)
    subscribe(busy.store, "SAME", "S1", FIRE)
    subscribe(busy.store, "LATER", "L1", LATER)
    slack = await busy.run([FIRE, LATER])  # the 07:01 tick is APScheduler's fire-time job
    same, later = busy.delay(slack, "S1", FIRE), busy.delay(slack, "L1", LATER)
    calls = slack.calls_to("chat.postMessage")
    posts = Counter(c.params["channel"] for c in calls)
    big_done = max(c.at for c in calls if c.params["channel"].startswith("B")) - busy.t0
    duplicates = sum(n - 1 for n in posts.values() if n > 1)
    missed = BACKLOG + 2 - len(posts)
    backlog_floor = RateLimit(*SLACK_LIMIT).seconds_for(BACKLOG)
    note = (
        f"{BACKLOG} due in one workspace sent in {big_done:.1f} s (its rate-limit floor {backlog_floor:.0f} s); "
        f"duplicates {duplicates}, missed {missed}, 429s {slack.post_limit.limited if slack.post_limit else 0}"
    )
    clean = duplicates == 0 and missed == 0
    target = f"<= {TARGET:g} s after its time"
    report.add(
        Figure(
            "fairness",
            "lone post's delay, due with 600 in another workspace",
            same,
            floor,
            "s",
            target,
            same <= TARGET and clean,
            note,
        )
    )
    report.add(
        Figure(
            "fairness",
            "lone post's delay, due a minute into that backlog",
            later,
            floor,
            "s",
            target,
            later <= TARGET and clean,
        )
    )


def run(report: Report) -> None:
    print("daily fan-out fairness", flush=True)
    logging.getLogger("mltip").setLevel(logging.ERROR)
    asyncio.run(measure(report))
