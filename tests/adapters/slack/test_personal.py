"""`/mltip me` over signed HTTP: set by a slash command, zone from users.info, Skip tomorrow pressed in the DM.

The bot serves Slack as in production (bolt behind the signature gate, on a real port); the
scheduler posts through the real poster to the fake Slack, which checks each call against
Slack's spec. The press comes back as Slack sends it: a block_actions payload from the DM.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.daily.scheduler import DailyScheduler
from bot.daily.service import DailyService
from bot.store import ChannelKey, Platform, Store
from tests.adapters.slack.harness import RunningBot, start_bot
from tests.daily.harness import make_fanout, slack_poster
from tests.fakes.slack_requests import block_actions, payload_body, signed_headers
from tests.fakes.slack_server import SIGNING_SECRET, TEAM_ID, FakeSlack, Fault
from tests.support.clock import FakeClock
from tests.support.databases import sqlite_url

SET_AT = datetime(2024, 7, 14, 12, 0, tzinfo=UTC)  # Sunday
EIGHT_BERLIN = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)  # Monday 08:00 CEST
ANA = "U0ANA"  # the person block_actions payloads come from
MINE = ChannelKey(platform=Platform.SLACK, workspace_id=TEAM_ID, channel_id=ANA)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(sqlite_url(tmp_path)) as opened:
        yield opened


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SET_AT, running=True)


@pytest.fixture
def engine(library: Library, store: Store, clock: FakeClock) -> CommandEngine:
    return CommandEngine(library, daily=DailyService(store, clock=clock, default_zone="America/Chicago"))


@pytest.fixture
async def bot(fake_slack: FakeSlack, engine: CommandEngine) -> AsyncIterator[RunningBot]:
    stop, task, url = await start_bot(fake_slack, engine)
    async with aiohttp.ClientSession() as http:
        yield RunningBot(url=url, fake=fake_slack, http=http)
    stop.set()
    await asyncio.wait_for(task, 5)


async def me(bot: RunningBot, text: str) -> dict[str, Any]:
    """Ana types `/mltip <text>` in #general; the ephemeral answer."""
    response = await bot.command(text, user_id=ANA, user_name="ana")
    assert response.status == 200
    message: dict[str, Any] = json.loads(await response.text())
    assert message["response_type"] == "ephemeral"
    return message


def users_info(fake: FakeSlack) -> list[str]:
    return [call.params["user"] for call in fake.calls_to("users.info")]


async def test_me_with_a_zone_sets_the_person_s_own_tip(bot: RunningBot, store: Store) -> None:
    message = await me(bot, "me 08:00 Europe/Berlin weekdays")
    assert message["blocks"][0]["text"]["text"] == "Your tip of the day: set"
    assert "on weekdays at 08:00 Europe/Berlin time, by direct message" in message["text"]
    assert "Mon 15 Jul 2024, 08:00 CEST" in json.dumps(message["blocks"])
    mine = store.subscriptions.get(MINE)
    assert mine is not None and mine.personal and mine.created_by == f"ana ({ANA})"
    status = await me(bot, "me status")
    assert status["blocks"][0]["text"]["text"] == "Your tip of the day: on"


async def test_without_a_zone_the_person_s_slack_zone_is_used_and_named(bot: RunningBot, store: Store) -> None:
    bot.fake.zones[ANA] = "Asia/Tokyo"
    message = await me(bot, "me 7:30")
    assert "your Slack time zone, Asia/Tokyo" in message["text"]
    assert users_info(bot.fake) == [ANA]
    mine = store.subscriptions.get(MINE)
    assert mine is not None and mine.timezone == "Asia/Tokyo"


async def test_when_slack_will_not_say_the_zone_the_default_is_used_and_named(bot: RunningBot, store: Store) -> None:
    bot.fake.script("users.info", Fault(error="missing_scope"))
    message = await me(bot, "me 7:30")
    assert "the bot's default time zone (MLTIP_DEFAULT_TIMEZONE), America/Chicago" in message["text"]
    mine = store.subscriptions.get(MINE)
    assert mine is not None and mine.timezone == "America/Chicago"


async def test_status_and_changes_ask_slack_nothing_and_need_no_admin(bot: RunningBot) -> None:
    await me(bot, "me 08:00 Europe/Berlin")
    users_before = users_info(bot.fake)
    for text, title in [("me status", "on"), ("me pause", "paused"), ("me resume", "resumed"), ("me off", "stopped")]:
        message = await me(bot, text)
        assert message["blocks"][0]["text"]["text"] == f"Your tip of the day: {title}", text
    assert users_info(bot.fake) == users_before  # nobody was asked whether Ana is an admin


async def test_skip_tomorrow_pressed_in_the_dm_is_acknowledged_privately(
    bot: RunningBot, engine: CommandEngine, store: Store, clock: FakeClock
) -> None:
    await me(bot, "me 08:00 Europe/Berlin")
    fanout = make_fanout(store, engine, {"slack": slack_poster(bot.fake.api_url)}, clock)
    daily = DailyScheduler(
        store, fanout, clock=clock, worker_id="w", grace=timedelta(hours=3), platforms=frozenset({"slack"})
    )
    clock.jump(EIGHT_BERLIN)
    assert (await daily.tick()).delivered == {"sent": 1}
    (posted,) = bot.fake.calls_to("chat.postMessage")
    assert posted.params["channel"] == bot.fake.dm_of(ANA)
    blocks = posted.params["blocks"]
    buttons = [e for b in (json.loads(blocks) if isinstance(blocks, str) else blocks) for e in b.get("elements", [])]
    (skip,) = [b for b in buttons if b["type"] == "button" and b["text"]["text"] == "Skip tomorrow"]

    clock.jump(EIGHT_BERLIN + timedelta(hours=2))
    payload = block_actions(skip["action_id"], skip["value"], bot.fake.response_url("skip"))
    dm = posted.params["channel"]
    payload["container"] = {"type": "message", "message_ts": "1.2", "channel_id": dm, "is_ephemeral": False}
    payload["channel"] = {"id": dm, "name": "directmessage"}
    body = payload_body(payload)
    assert (await bot.post(body, signed_headers(SIGNING_SECRET, body))).status == 200
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    ((key, reply),) = bot.fake.responses
    assert key == "skip" and reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert "Skipped: no tip on Tue 16 Jul 2024, 08:00 CEST" in reply["text"]

    clock.jump(EIGHT_BERLIN + timedelta(days=1))  # Tuesday 08:00: skipped
    assert (await daily.tick()).delivered == {}
    clock.jump(EIGHT_BERLIN + timedelta(days=2))  # Wednesday 08:00: sent again
    assert (await daily.tick()).delivered == {"sent": 1}


async def test_skip_pressed_by_someone_without_a_tip_is_told_so(bot: RunningBot) -> None:
    body = payload_body(block_actions("mltip_skip", "skip", bot.fake.response_url("nobody")))
    assert (await bot.post(body, signed_headers(SIGNING_SECRET, body))).status == 200
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    ((_, reply),) = bot.fake.responses
    assert reply["response_type"] == "ephemeral" and "no tip of the day to skip" in reply["text"]
