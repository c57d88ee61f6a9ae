"""Rate limits never lose the day's tip: Retry-After is honoured and retried until the deadline,
and past it the post is handed back to the ledger, never failed and never sent twice."""

from __future__ import annotations

import asyncio
import itertools
import time as wall
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.daily.fanout import Fanout, Poster, RetryPolicy
from bot.daily.pacing import Pacer
from bot.daily.scheduler import DailyScheduler
from bot.daily.wording import delivery_outcome, skip_reason
from bot.store import DeliveryStatus, Platform, SkipReason, Store
from tests.daily.harness import FAST, make_fanout, slack_poster, subscribe_many
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack, Fault
from tests.support.clock import FakeClock

SUBSCRIBED = datetime(2024, 7, 14, 12, 0, tzinfo=UTC)
NINE_BERLIN = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)
GRACE = timedelta(hours=3)
MESSAGES = "/channels/{channel_id}/messages"


@pytest.fixture
async def discord(engine: CommandEngine) -> AsyncIterator[tuple[FakeDiscord, DiscordAdapter]]:
    fake = FakeDiscord()
    await fake.start()
    settings = Settings(discord_token=fake.token, discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url)
    adapter = DiscordAdapter(settings, engine, identify_delay=0.0, ready_timeout=5.0, post_timeout=5.0)
    await adapter.start()
    yield fake, adapter
    await adapter.close()
    await fake.close()
    assert not fake.schema_errors, fake.schema_errors


def scheduler(
    store: Store, engine: CommandEngine, platform: str, poster: Poster, clock: FakeClock, **kwargs: object
) -> DailyScheduler:
    fanout = make_fanout(store, engine, {platform: poster}, clock, **kwargs)
    return DailyScheduler(store, fanout, clock=clock, worker_id="w", grace=GRACE, platforms=frozenset({platform}))


async def test_a_slack_burst_of_eight_429s_still_posts_the_tip(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    (sub,) = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    fake_slack.rate_limit("chat.postMessage", times=8, retry_after=1)  # ~8 s of 429s; the deadline is 5 min
    poster = slack_poster(fake_slack.api_url)
    daily = scheduler(store, engine, "slack", poster, FakeClock(NINE_BERLIN, running=True), retry=RetryPolicy())
    result = await daily.tick()
    calls = fake_slack.calls_to("chat.postMessage")
    delivery = store.ledger.last_delivery(sub.id)
    assert delivery is not None and (delivery.status, delivery.error) == (DeliveryStatus.SENT, None)
    assert result.delivered == {"sent": 1} and len(calls) == 9
    assert all(later.at - earlier.at >= 0.95 for earlier, later in itertools.pairwise(calls))


@pytest.mark.parametrize("scope", ["user", "global"])
async def test_a_discord_burst_of_429s_still_posts_the_tip(
    store: Store, engine: CommandEngine, discord: tuple[FakeDiscord, DiscordAdapter], scope: str
) -> None:
    fake, adapter = discord
    (sub,) = subscribe_many(store, 1, platform=Platform.DISCORD, workspaces=1, now=SUBSCRIBED, prefix="3" * 18)
    fake.channels.add(sub.channel_id)
    fake.fail("POST", MESSAGES, 429, times=5, retry_after=0.05, scope=scope)  # more than discord.py retries
    daily = scheduler(
        store, engine, "discord", adapter.poster, FakeClock(NINE_BERLIN, running=True), retry=RetryPolicy()
    )
    result = await daily.tick()
    delivery = store.ledger.last_delivery(sub.id)
    assert delivery is not None and (delivery.status, delivery.error) == (DeliveryStatus.SENT, None)
    assert result.delivered == {"sent": 1}
    assert [r.status for r in fake.requests_to("POST", MESSAGES)] == [429] * 5 + [200]
    assert len(fake.messages) == 1


def virtual_scheduler(store: Store, engine: CommandEngine, fake: FakeSlack, time: FakeClock) -> DailyScheduler:
    """The production retry policy (a 5-minute deadline) on virtual time: minutes of waiting take none."""
    pacer = Pacer(FAST, clock=time.monotonic, sleep=time.sleep)
    fanout = Fanout(
        store, engine, {"slack": slack_poster(fake.api_url, timeout=1.0)}, clock=time, pacer=pacer, sleep=time.sleep
    )
    return DailyScheduler(store, fanout, clock=time, worker_id="w", grace=GRACE, platforms=frozenset({"slack"}))


async def test_a_rate_limit_outlasting_the_retry_deadline_hands_the_post_back_and_it_posts_later(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    (sub,) = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    fake_slack.rate_limit("chat.postMessage", times=7, retry_after=60)  # seven minutes of 429s
    time = FakeClock(NINE_BERLIN)
    daily = virtual_scheduler(store, engine, fake_slack, time)
    assert (await daily.tick()).delivered == {"retried": 1}
    calls = fake_slack.calls_to("chat.postMessage")
    assert len(calls) == 6  # at 0, 1, ..., 5 minutes: the next wait would pass the deadline
    handed_back = store.ledger.last_delivery(sub.id)
    assert handed_back is not None and handed_back.status is DeliveryStatus.PENDING
    assert handed_back.retry_at == NINE_BERLIN + timedelta(minutes=6)
    assert handed_back.error == "still rate limited after 6 attempts in 5 min: ratelimited"
    assert delivery_outcome(handed_back, sub) == (
        "due Mon 15 Jul 2024, 09:00 CEST; trying again at Mon 15 Jul 2024, 09:06 CEST"
        " after: still rate limited after 6 attempts in 5 min: ratelimited"
    )
    time.jump(NINE_BERLIN + timedelta(minutes=5, seconds=30))
    assert (await daily.tick()).delivered == {}  # not before its retry time
    time.jump(NINE_BERLIN + timedelta(minutes=6))
    assert (await daily.tick()).delivered == {"sent": 1}
    sent = store.ledger.last_delivery(sub.id)
    assert sent is not None and (sent.status, sent.error) == (DeliveryStatus.SENT, None)
    assert len(fake_slack.calls_to("chat.postMessage")) == 8  # one more 429, then the post


async def test_a_rate_limit_lasting_past_the_grace_window_skips_the_day_and_says_why(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    (sub,) = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    fake_slack.rate_limit("chat.postMessage", times=100, retry_after=600)  # longer than the deadline itself
    time = FakeClock(NINE_BERLIN)
    daily = virtual_scheduler(store, engine, fake_slack, time)
    for _ in range(30):
        await daily.tick()
        delivery = store.ledger.last_delivery(sub.id)
        assert delivery is not None
        if delivery.status is not DeliveryStatus.PENDING:
            break
        assert delivery.retry_at is not None
        time.jump(delivery.retry_at)
    assert delivery is not None and delivery.status is DeliveryStatus.SKIPPED
    last_error = "still rate limited after 1 attempt in 5 min: ratelimited"
    assert (delivery.skip_reason, delivery.grace, delivery.error) == (SkipReason.LATE, timedelta(hours=3), last_error)
    assert skip_reason(delivery) == f"not sent within 3 hours of its time; last error: {last_error}"
    assert len(fake_slack.calls_to("chat.postMessage")) == 18  # every ten minutes for three hours, never posted


async def test_no_answer_during_a_rate_limit_burst_is_unknown_and_never_resent(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    (sub,) = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    fake_slack.rate_limit("chat.postMessage", times=2, retry_after=30)
    fake_slack.script("chat.postMessage", Fault(delay=1.5))  # the third request may have posted: no answer
    time = FakeClock(NINE_BERLIN)
    daily = virtual_scheduler(store, engine, fake_slack, time)
    assert (await daily.tick()).delivered == {"unknown": 1}
    time.jump(NINE_BERLIN + timedelta(minutes=30))
    assert (await daily.tick()).delivered == {}
    delivery = store.ledger.last_delivery(sub.id)
    assert delivery is not None and delivery.status is DeliveryStatus.UNKNOWN
    assert len(fake_slack.calls_to("chat.postMessage")) == 3


async def test_shutdown_while_waiting_out_a_429_hands_the_post_back_at_once(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    (sub,) = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=30)
    poster = slack_poster(fake_slack.api_url)
    daily = scheduler(store, engine, "slack", poster, FakeClock(NINE_BERLIN, running=True), retry=RetryPolicy())
    tick = asyncio.create_task(daily.tick())
    await fake_slack.wait_for(lambda: len(fake_slack.calls_to("chat.postMessage")) == 1)
    await asyncio.sleep(0.2)  # the 429 is answered; the worker now waits its 30 s
    started = wall.monotonic()
    assert await daily.stop(timeout=5.0)
    assert wall.monotonic() - started < 2.0
    assert (await tick).delivered == {"released": 1}
    delivery = store.ledger.last_delivery(sub.id)
    assert delivery is not None and delivery.status is DeliveryStatus.PENDING and delivery.claimed_by is None
    assert delivery.error == "ratelimited; shut down while waiting to retry"
    assert delivery.retry_at is not None and delivery.retry_at >= NINE_BERLIN + timedelta(seconds=30)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
