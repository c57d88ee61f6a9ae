"""A person's own tip of the day (`/mltip me`), end to end: the command, the scheduler, the DM.

Commands go through the real engine and DailyService; posts through the real posters to the
fake Slack (conversations.open, then chat.postMessage) and the fake Discord (POST
/users/@me/channels, then the message), both checked against the platforms' specs.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.core.commands import CommandEngine
from bot.core.daily import PERSONAL_SPACE, Invocation
from bot.core.library import Library
from bot.core.platform import Platform
from bot.core.replies import ActionKind
from bot.daily.fanout import Poster
from bot.daily.scheduler import DailyScheduler
from bot.daily.service import DailyService
from bot.errors import CommandError
from bot.store import ChannelKey, DeliveryStatus, Store
from tests.daily.harness import make_fanout, slack_poster
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import TEAM_ID, FakeSlack
from tests.support.clock import FakeClock

SET_AT = datetime(2024, 7, 14, 12, 0, tzinfo=UTC)  # Sunday
EIGHT_BERLIN = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)  # Monday 08:00 CEST
GRACE = timedelta(hours=3)
ADA = "U0ADA"
DISCORD_ADA = "4242424242424242"


def invocation(platform: Platform, user: str, workspace: str = TEAM_ID, **extra: object) -> Invocation:
    return Invocation(
        platform=platform,
        workspace_id=workspace,
        channel_id="C0SOMEWHERE",
        user_id=user,
        user_name=user.lower(),
        can_manage=False,  # nobody needs to administer anything for their own tip
        **extra,  # type: ignore[arg-type]
    )


def engine_at(library: Library, store: Store, clock: FakeClock) -> CommandEngine:
    return CommandEngine(library, rng=random.Random(5), daily=DailyService(store, clock=clock, default_zone="UTC"))


def scheduler(store: Store, engine: CommandEngine, platform: str, poster: Poster, clock: FakeClock) -> DailyScheduler:
    fanout = make_fanout(store, engine, {platform: poster}, clock)
    return DailyScheduler(store, fanout, clock=clock, worker_id="w", grace=GRACE, platforms=frozenset({platform}))


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()  # fails on any call Slack's spec would refuse


def dm_posts(fake: FakeSlack) -> Counter[str]:
    return Counter(call.params["channel"] for call in fake.calls_to("chat.postMessage"))


async def test_a_personal_tip_arrives_once_by_dm_at_the_local_time(
    store: Store, library: Library, fake_slack: FakeSlack
) -> None:
    clock = FakeClock(SET_AT, running=True)
    engine = engine_at(library, store, clock)
    reply = engine.run("me 08:00 Europe/Berlin", platform="slack", invocation=invocation(Platform.SLACK, ADA))
    assert "by direct message" in reply.text
    daily = scheduler(store, engine, "slack", slack_poster(fake_slack.api_url), clock)

    clock.jump(EIGHT_BERLIN - timedelta(seconds=2))
    assert (await daily.tick()).planned == 0 and not fake_slack.calls_to("chat.postMessage")
    clock.jump(EIGHT_BERLIN)
    assert (await daily.tick()).delivered == {"sent": 1}
    assert (await daily.tick()).delivered == {}  # another wake-up sends nothing more
    (opened,) = fake_slack.calls_to("conversations.open")
    assert opened.params["users"] == ADA
    assert dm_posts(fake_slack) == Counter({fake_slack.dm_of(ADA): 1})
    blocks = fake_slack.calls_to("chat.postMessage")[0].params["blocks"]
    labels = [e["text"]["text"] for b in _as_list(blocks) if b["type"] == "actions" for e in b["elements"]]
    assert {"Another", "Share", "Skip tomorrow"} <= set(labels)


async def test_the_time_follows_the_person_s_clock_across_a_dst_change(
    store: Store, library: Library, fake_slack: FakeSlack
) -> None:
    clock = FakeClock(datetime(2024, 10, 25, 12, 0, tzinfo=UTC), running=True)
    engine = engine_at(library, store, clock)
    engine.run("me 08:00 Europe/Berlin", platform="slack", invocation=invocation(Platform.SLACK, ADA))
    daily = scheduler(store, engine, "slack", slack_poster(fake_slack.api_url), clock)
    clock.jump(datetime(2024, 10, 26, 6, 0, tzinfo=UTC))  # Saturday 08:00 CEST (UTC+2)
    assert (await daily.tick()).delivered == {"sent": 1}
    clock.jump(datetime(2024, 10, 27, 6, 0, tzinfo=UTC))  # Sunday, clocks went back: 07:00 CET
    assert (await daily.tick()).delivered == {}
    clock.jump(datetime(2024, 10, 27, 7, 0, tzinfo=UTC))  # 08:00 CET (UTC+1)
    assert (await daily.tick()).delivered == {"sent": 1}
    assert dm_posts(fake_slack) == Counter({fake_slack.dm_of(ADA): 2})


async def test_skip_tomorrow_skips_the_next_date_only_and_status_says_so(
    store: Store, library: Library, fake_slack: FakeSlack
) -> None:
    clock = FakeClock(SET_AT, running=True)
    engine = engine_at(library, store, clock)
    ada = invocation(Platform.SLACK, ADA)
    engine.run("me 08:00 Europe/Berlin", platform="slack", invocation=ada)
    daily = scheduler(store, engine, "slack", slack_poster(fake_slack.api_url), clock)
    clock.jump(EIGHT_BERLIN)
    await daily.tick()
    tip = engine.personal_tip(library.lessons[0])
    (skip,) = [a for a in tip.actions if a.kind is ActionKind.SKIP]

    clock.jump(EIGHT_BERLIN + timedelta(hours=2))  # Monday 10:00, after today's tip
    answer = engine.press(skip.payload, user="ada", platform="slack", invocation=ada)
    assert answer.visibility.value == "private" and "Tue 16 Jul 2024, 08:00 CEST" in answer.text
    again = engine.press(skip.payload, user="ada", platform="slack", invocation=ada)
    assert "already skipped" in again.text  # a double press skips nothing more
    status = engine.run("me status", platform="slack", invocation=ada)
    shown = {f.name: f.value for f in status.fields}
    assert shown["Skipped"].startswith("Tue 16 Jul 2024") and shown["Next tips"].startswith("Wed 17 Jul 2024")

    clock.jump(EIGHT_BERLIN + timedelta(days=1))  # Tuesday 08:00: skipped
    assert (await daily.tick()).delivered == {}
    clock.jump(EIGHT_BERLIN + timedelta(days=2))  # Wednesday 08:00: back
    assert (await daily.tick()).delivered == {"sent": 1}
    assert dm_posts(fake_slack) == Counter({fake_slack.dm_of(ADA): 2})


async def test_nobody_can_touch_another_person_s_tip(store: Store, library: Library) -> None:
    clock = FakeClock(SET_AT, running=True)
    engine = engine_at(library, store, clock)
    engine.run("me 08:00 Europe/Berlin", platform="slack", invocation=invocation(Platform.SLACK, ADA))
    engine.run("me off", platform="slack", invocation=invocation(Platform.SLACK, "U0BOB"))
    mine = store.subscriptions.get(ChannelKey(platform=Platform.SLACK, workspace_id=TEAM_ID, channel_id=ADA))
    assert mine is not None and mine.personal  # Bob's "off" was about Bob's own (none)
    status = engine.run("me status", platform="slack", invocation=invocation(Platform.SLACK, "U0BOB"))
    assert "not set" in status.title


async def test_no_zone_uses_the_person_s_own_then_the_default_and_says_which(store: Store, library: Library) -> None:
    engine = engine_at(library, store, FakeClock(SET_AT, running=True))
    own = engine.run("me 7:30", platform="slack", invocation=invocation(Platform.SLACK, ADA, user_zone="Asia/Tokyo"))
    assert "your Slack time zone, Asia/Tokyo" in own.text
    other = engine.run("me 7:30", platform="slack", invocation=invocation(Platform.SLACK, "U0BOB"))
    assert "MLTIP_DEFAULT_TIMEZONE" in other.text and "UTC" in other.text


async def test_thread_and_pin_are_refused_for_a_person_s_own_tip(store: Store, library: Library) -> None:
    engine = engine_at(library, store, FakeClock(SET_AT, running=True))
    with pytest.raises(CommandError, match="thread and pin are for a channel's tip of the day"):
        engine.run("me 08:00 Europe/Berlin pin", platform="slack", invocation=invocation(Platform.SLACK, ADA))
    assert store.subscriptions.get(ChannelKey(platform=Platform.SLACK, workspace_id=TEAM_ID, channel_id=ADA)) is None


@pytest.mark.parametrize("error", ["user_disabled", "user_not_found", "cannot_dm_bot"])
async def test_a_person_the_bot_cannot_message_is_paused_and_not_retried(
    store: Store, library: Library, fake_slack: FakeSlack, error: str
) -> None:
    clock = FakeClock(SET_AT, running=True)
    engine = engine_at(library, store, clock)
    ada = invocation(Platform.SLACK, ADA)
    engine.run("me 08:00 Europe/Berlin", platform="slack", invocation=ada)
    fake_slack.unreachable[ADA] = error
    daily = scheduler(store, engine, "slack", slack_poster(fake_slack.api_url), clock)
    clock.jump(EIGHT_BERLIN)
    assert (await daily.tick()).delivered == {"failed": 1}
    assert len(fake_slack.calls_to("chat.postMessage")) <= 1  # no pause notice: the DM is what failed
    status = engine.run("me status", platform="slack", invocation=ada)
    state = {f.name: f.value for f in status.fields}["State"]
    assert state.startswith("Paused automatically") and error in state and "/mltip me resume" in state
    calls = len(fake_slack.calls)
    clock.jump(EIGHT_BERLIN + timedelta(days=1))
    assert (await daily.tick()).planned == 0 and len(fake_slack.calls) == calls  # not tried again


async def test_discord_personal_tips_open_the_dm_and_a_blocked_person_is_paused(
    store: Store, library: Library, discord: tuple[FakeDiscord, DiscordAdapter]
) -> None:
    fake, adapter = discord
    clock = FakeClock(SET_AT, running=True)
    engine = engine_at(library, store, clock)
    blocked = "4343434343434343"
    for user in (DISCORD_ADA, blocked):
        where = invocation(Platform.DISCORD, user, workspace="", personal_space=PERSONAL_SPACE)
        engine.run("me 08:00 Europe/Berlin", platform="discord", invocation=where)
    fake.blocked.add(blocked)
    assert adapter.poster is not None
    daily = scheduler(store, engine, "discord", adapter.poster, clock)
    clock.jump(EIGHT_BERLIN)
    assert (await daily.tick()).delivered == {"sent": 1, "failed": 1}
    opened = [r.json["recipient_id"] for r in fake.requests_to("POST", "/users/@me/channels")]
    assert sorted(opened) == sorted([DISCORD_ADA, blocked])
    posted = [m for m in fake.messages.values() if m["channel_id"] == fake.dms[DISCORD_ADA]]
    assert len(posted) == 1
    key = ChannelKey(platform=Platform.DISCORD, workspace_id=PERSONAL_SPACE, channel_id=blocked)
    paused = store.subscriptions.get(key)
    assert paused is not None and paused.paused and "dm_closed" in (paused.pause_reason or "")
    last = store.ledger.last_delivery(paused.id)
    assert last is not None and last.status is DeliveryStatus.FAILED


def _as_list(blocks: object) -> list[dict[str, Any]]:
    """chat.postMessage's blocks, sent as JSON text or as a list."""
    found = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert isinstance(found, list)
    return found
