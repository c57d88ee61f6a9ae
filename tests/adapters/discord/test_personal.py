"""`/mltip query:me ...` through the fake gateway, and Skip tomorrow pressed on the tip in the DM.

The interactions go through the real discord.py; the tip is posted by the adapter's own poster
(POST /users/@me/channels, then the message), and every body is checked against Discord's spec.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.core.commands import CommandEngine
from bot.core.daily import PERSONAL_SPACE
from bot.core.library import Library
from bot.daily.scheduler import DailyScheduler
from bot.daily.service import DailyService
from bot.store import ChannelKey, Platform, Store
from tests.adapters.discord.harness import StartAdapter
from tests.daily.harness import make_fanout
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import Exchange, FakeDiscord
from tests.support.clock import FakeClock
from tests.support.databases import sqlite_url

SET_AT = datetime(2024, 7, 14, 12, 0, tzinfo=UTC)  # Sunday
EIGHT_BERLIN = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)  # Monday 08:00 CEST
CHANNEL_MESSAGE = 4
GRACE = timedelta(hours=3)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(sqlite_url(tmp_path)) as opened:
        yield opened


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SET_AT, running=True)


@pytest.fixture
def engine(library: Library, store: Store, clock: FakeClock) -> CommandEngine:
    return CommandEngine(library, daily=DailyService(store, clock=clock, default_zone="UTC"))


@pytest.fixture
async def adapter(start_adapter: StartAdapter, engine: CommandEngine) -> DiscordAdapter:
    return await start_adapter(with_engine=engine)


def private_answer(exchange: Exchange) -> dict[str, Any]:
    assert exchange.callback["type"] == CHANNEL_MESSAGE
    data: dict[str, Any] = exchange.callback["data"]
    assert data["flags"] & p.EPHEMERAL
    return data


def scheduler(store: Store, engine: CommandEngine, adapter: DiscordAdapter, clock: FakeClock) -> DailyScheduler:
    """The scheduler posting through the adapter's own poster."""
    assert adapter.poster is not None
    fanout = make_fanout(store, engine, {"discord": adapter.poster}, clock)
    return DailyScheduler(store, fanout, clock=clock, worker_id="w", grace=GRACE, platforms=frozenset({"discord"}))


def mine(fake: FakeDiscord) -> ChannelKey:
    return ChannelKey(platform=Platform.DISCORD, workspace_id=PERSONAL_SPACE, channel_id=fake.member["user"]["id"])


@pytest.mark.parametrize("place", [p.SERVER, p.BOT_DM, p.SERVER_USER_INSTALL])
async def test_me_sets_the_person_s_own_tip_wherever_it_is_typed(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store, place: str
) -> None:
    data = private_answer(await fake.command("me 08:00 Europe/Berlin weekdays", place=place))
    [embed] = data["embeds"]
    assert embed["title"] == "Your tip of the day: set"
    assert embed["description"] == "You get a lesson on weekdays at 08:00 Europe/Berlin time, by direct message."
    assert {"name": "Next tip", "value": "Mon 15 Jul 2024, 08:00 CEST", "inline": False} in embed["fields"]
    subscription = store.subscriptions.get(mine(fake))
    assert subscription is not None and subscription.personal
    status = private_answer(await fake.command("me status", place=p.BOT_DM))  # the same tip from anywhere
    assert status["embeds"][0]["title"] == "Your tip of the day: on"


async def test_without_a_zone_the_default_is_used_and_named(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    [embed] = private_answer(await fake.command("me 7:30", place=p.BOT_DM))["embeds"]
    assert "No time zone was given, so I used the bot's default time zone" in embed["description"]
    assert embed["description"].startswith("You get a lesson every day at 07:30 UTC, by direct message.")


async def test_skip_tomorrow_pressed_in_the_dm_is_acknowledged_privately(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine, store: Store, clock: FakeClock
) -> None:
    private_answer(await fake.command("me 08:00 Europe/Berlin", place=p.BOT_DM))
    daily = scheduler(store, engine, adapter, clock)
    clock.jump(EIGHT_BERLIN)
    assert (await daily.tick()).delivered == {"sent": 1}
    dm = fake.dms[fake.member["user"]["id"]]
    (tip,) = [m for m in fake.messages.values() if m["channel_id"] == dm]
    buttons = {b["label"]: b["custom_id"] for row in tip["components"] for b in row["components"] if "custom_id" in b}
    assert {"Another", "Share", "Skip tomorrow"} <= set(buttons)

    clock.jump(EIGHT_BERLIN + timedelta(hours=2))
    data = private_answer(await fake.press(tip, buttons["Skip tomorrow"], place=p.BOT_DM))
    [embed] = data["embeds"]
    assert embed["title"] == "Your tip of the day: skipped"
    assert embed["description"] == "Skipped: no tip on Tue 16 Jul 2024, 08:00 CEST."
    assert tip["id"] in fake.messages and fake.messages[tip["id"]]["components"] == tip["components"]  # kept

    clock.jump(EIGHT_BERLIN + timedelta(days=1))  # Tuesday 08:00: skipped
    assert (await daily.tick()).delivered == {}
    clock.jump(EIGHT_BERLIN + timedelta(days=2))  # Wednesday 08:00: sent again
    assert (await daily.tick()).delivered == {"sent": 1}
    assert len([m for m in fake.messages.values() if m["channel_id"] == dm]) == 2


async def test_skip_on_an_old_tip_after_me_off_is_told_so_privately(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine, store: Store, clock: FakeClock
) -> None:
    private_answer(await fake.command("me 08:00 Europe/Berlin", place=p.BOT_DM))
    daily = scheduler(store, engine, adapter, clock)
    clock.jump(EIGHT_BERLIN)
    assert (await daily.tick()).delivered == {"sent": 1}
    (tip,) = [m for m in fake.messages.values() if m["channel_id"] == fake.dms[fake.member["user"]["id"]]]
    private_answer(await fake.command("me off", place=p.SERVER))
    data = private_answer(await fake.press(tip, "mltip:skip", place=p.BOT_DM))
    assert "no tip of the day to skip" in data["content"]
    assert store.subscriptions.get(mine(fake)) is None
