"""Daily fan-out: 5,000 subscriptions due at the same minute (2,500 on Slack over 50 workspaces,
2,500 on Discord over 100 guilds; on each, one in ten is a person's own tip, sent by DM) against
fakes that enforce the platforms' rate limits. Floor: the least time those limits allow (on
Discord, opening a DM is a request under the same global limit). Also duplicates, misses, 429s."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from bench.common import Figure, Report
from bot.adapters.discord import DiscordAdapter
from bot.adapters.slack.poster import SlackPoster
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.core.daily import PERSONAL_SPACE
from bot.core.library import BUILTIN_CONTENT
from bot.core.loading import load_library
from bot.core.weekdays import EVERY_DAY
from bot.daily.fanout import Fanout
from bot.daily.outcomes import DeliveryOutcome
from bot.daily.pacing import DEFAULT_PACES, Pacer
from bot.daily.scheduler import DailyScheduler
from bot.store import ChannelKey, Platform, Store, TargetKind
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.limits import RateLimit
from tests.fakes.slack_server import FakeSlack
from tests.support.clock import FakeClock

SLACK_CHANNELS, SLACK_WORKSPACES = 2500, 50
DISCORD_CHANNELS, DISCORD_GUILDS = 2500, 100
SLACK_LIMIT = (5.0, 10.0)  # per workspace: rate, burst (the fake's model of Slack)
DISCORD_LIMIT = (50.0, 50.0)  # per bot: Discord's global limit
PERSONAL_EVERY = 10  # every tenth subscription is a person's, by DM (conversations.open / POST /users/@me/channels)
FIRE = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)


def subscribe_all(store: Store, discord_channels: list[str]) -> int:
    """The 5,000 subscriptions, all due at 07:00 UTC; how many are people's (per platform)."""
    people = 0
    for n in range(SLACK_CHANNELS):
        personal = n % PERSONAL_EVERY == 0
        people += personal
        target = f"U{n}" if personal else f"C{n}"  # a person's tip: their user id, the DM opened at send time
        key = ChannelKey(platform=Platform.SLACK, workspace_id=f"T{n % SLACK_WORKSPACES}", channel_id=target)
        subscribe(store, key, personal)
    for n, channel in enumerate(discord_channels):
        personal = n % PERSONAL_EVERY == 0
        guild = PERSONAL_SPACE if personal else f"G{n % DISCORD_GUILDS}"
        target = str(2 * 10**17 + n) if personal else channel
        subscribe(store, ChannelKey(platform=Platform.DISCORD, workspace_id=guild, channel_id=target), personal)
    return people


def subscribe(store: Store, key: ChannelKey, personal: bool) -> None:
    store.subscriptions.subscribe(
        key,
        local_time=clock_time(7),
        timezone="UTC",
        weekdays=EVERY_DAY,
        actor="bench",
        now=FIRE - timedelta(days=1),
        kind=TargetKind.PERSON if personal else TargetKind.CHANNEL,
    )


async def measure(report: Report) -> None:
    slack = await FakeSlack(bot_tokens={f"xoxb-bench-T{w}" for w in range(SLACK_WORKSPACES)}).start()
    slack.post_limit = RateLimit(*SLACK_LIMIT)
    discord = FakeDiscord(spec=None)
    await discord.start()
    discord.global_limit = RateLimit(*DISCORD_LIMIT)
    discord_channels = [str(10**17 + n) for n in range(DISCORD_CHANNELS)]
    discord.channels.update(discord_channels)
    folder = tempfile.mkdtemp(prefix="mltip-bench-")
    store = Store.open(f"sqlite:///{folder}/bench.db")
    people = subscribe_all(store, discord_channels)
    engine = CommandEngine(load_library([BUILTIN_CONTENT]))
    settings = Settings(
        discord_token=discord.token, discord_api_url=discord.api_url, discord_gateway_url=discord.gateway_url
    )
    adapter = DiscordAdapter(settings, engine)
    await adapter.start()

    async def token(workspace: str) -> str:
        return f"xoxb-bench-{workspace}"

    clock = FakeClock(FIRE + timedelta(seconds=5), running=True)
    fanout = Fanout(
        store,
        engine,
        {"slack": SlackPoster(slack.api_url, token), "discord": adapter.poster},
        clock=clock,
        pacer=Pacer(DEFAULT_PACES),
        concurrency=256,
    )
    daily = DailyScheduler(
        store,
        fanout,
        clock=clock,
        worker_id="bench",
        grace=timedelta(hours=3),
        platforms=frozenset({"slack", "discord"}),
    )
    start = time.perf_counter()
    finished: dict[str, float] = {}

    async def watch() -> None:
        while len(finished) < 2:
            if len(slack.calls_to("chat.postMessage")) >= SLACK_CHANNELS:
                finished.setdefault("slack", time.perf_counter() - start)
            if len(discord.messages) >= DISCORD_CHANNELS:
                finished.setdefault("discord", time.perf_counter() - start)
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    result = await daily.tick()
    watcher.cancel()
    for platform in ("slack", "discord"):
        finished.setdefault(platform, time.perf_counter() - start)  # done as the tick ended
    seconds = time.perf_counter() - start
    await adapter.close()
    await discord.close()
    await slack.stop()
    store.close()

    slack_posts = Counter(call.params["channel"] for call in slack.calls_to("chat.postMessage") if call.params)
    discord_posts = Counter(m["channel_id"] for m in discord.messages.values())
    wanted = SLACK_CHANNELS + DISCORD_CHANNELS
    delivered = sum(1 for c in slack_posts if slack_posts[c] >= 1) + len(discord_posts)
    duplicates = sum(n - 1 for n in slack_posts.values() if n > 1) + sum(n - 1 for n in discord_posts.values())
    dm_opens = len(discord.requests_to("POST", "/users/@me/channels"))
    requests = (
        len(slack.calls_to("chat.postMessage"))
        + len(discord.requests_to("POST", "/channels/{channel_id}/messages"))
        + dm_opens
    )
    dms = sum(n for c, n in slack_posts.items() if c.startswith("D")) + sum(
        n for c, n in discord_posts.items() if c in set(discord.dms.values())
    )
    refused = slack.post_limit.limited + discord.global_limit.limited
    floor = max(
        RateLimit(*SLACK_LIMIT).seconds_for(SLACK_CHANNELS // SLACK_WORKSPACES),
        RateLimit(*DISCORD_LIMIT).seconds_for(DISCORD_CHANNELS + people),  # each person's DM opened once
    )
    note = (
        f"{wanted} due at once ({dms} of them DMs); sent {result.delivered.get(DeliveryOutcome.SENT, 0)}, "
        f"missed {wanted - delivered}, "
        f"duplicates {duplicates}, 429s {refused} of {requests} requests ({refused / requests:.2%}: "
        f"Slack {slack.post_limit.limited}, Discord {discord.global_limit.limited}, {dm_opens} DM opens); "
        f"Slack done at {finished.get('slack', 0):.1f} s, Discord at {finished.get('discord', 0):.1f} s"
    )
    ok = seconds <= 1.15 * floor and duplicates == 0 and delivered == wanted and refused < 0.01 * requests
    report.add(
        Figure(
            "fan-out",
            "wall time for 5,000 daily posts, 10% by DM",
            seconds,
            floor,
            "s",
            "<= 1.15x, 0 dup, 0 miss, <1% 429",
            ok,
            note,
        )
    )


def run(report: Report) -> None:
    print("daily fan-out", flush=True)
    logging.getLogger("discord").setLevel(logging.ERROR)
    asyncio.run(measure(report))
