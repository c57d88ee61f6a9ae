"""Schedule rules end to end on Discord: `/mltip-daily set|skip|pause` through the fake gateway, then
the scheduler posting through discord.py on exactly the rule's dates (the clock is injected and jumped)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.daily.scheduler import DailyScheduler
from bot.daily.service import DailyService
from bot.store import Store
from tests.adapters.discord.harness import StartAdapter
from tests.adapters.discord.limits import embed_problems
from tests.adapters.discord.test_daily import answer, daily
from tests.daily.harness import make_fanout
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import FakeDiscord
from tests.support.clock import FakeClock
from tests.support.databases import sqlite_url

MONDAY_8_BERLIN = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)
SUBCOMMAND, BOOLEAN = 1, 5


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(sqlite_url(tmp_path)) as opened:
        yield opened


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_8_BERLIN, running=True)


@pytest.fixture
async def adapter(start_adapter: StartAdapter, library: Library, store: Store, clock: FakeClock) -> DiscordAdapter:
    return await start_adapter(with_engine=CommandEngine(library, daily=DailyService(store, clock=clock)))


def embed_of(data: dict[str, Any]) -> dict[str, Any]:
    [embed] = data["embeds"]
    assert not embed_problems(embed)
    return embed  # type: ignore[no-any-return]


def field(embed: dict[str, Any], name: str) -> str:
    return next(str(f["value"]) for f in embed["fields"] if f["name"] == name)


async def post_on_days(
    store: Store, engine: CommandEngine, adapter: DiscordAdapter, fake: FakeDiscord, clock: FakeClock, *, days: int
) -> list[date]:
    """Wake the scheduler at 09:00:30 Berlin summer time on each of `days` days from 15 Jul 2024 (twice each)."""
    fanout = make_fanout(store, engine, {"discord": adapter.poster}, clock)
    scheduler = DailyScheduler(
        store, fanout, clock=clock, worker_id="w", grace=timedelta(hours=3), platforms=frozenset({"discord"})
    )
    posted = []
    for n in range(days):
        day = date(2024, 7, 15) + timedelta(days=n)
        before = len(fake.messages)
        clock.jump(datetime(day.year, day.month, day.day, 7, 0, 30, tzinfo=UTC))
        await scheduler.tick()
        await scheduler.tick()  # a second wake-up posts nothing more
        assert len(fake.messages) - before in (0, 1)
        if len(fake.messages) > before:
            posted.append(day)
    return posted


async def test_every_2_days_and_skip_through_the_subcommands(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store, engine: CommandEngine, clock: FakeClock
) -> None:
    embed = embed_of(answer(await daily(fake, "set", time="09:00", zone="Europe/Berlin", days="every 2 days")))
    assert embed["description"] == "This channel gets a lesson every 2 days at 09:00 Europe/Berlin time."
    skipped = embed_of(answer(await daily(fake, "skip")))
    assert skipped["title"] == "Tip of the day: next post skipped"
    status = embed_of(answer(await daily(fake, "status")))
    assert field(status, "Next posts") == (
        "Mon 15 Jul 2024, 09:00 CEST skipped (skip next); Wed 17 Jul 2024, 09:00 CEST; "
        "Fri 19 Jul 2024, 09:00 CEST; Sun 21 Jul 2024, 09:00 CEST"
    )
    posted = await post_on_days(store, engine, adapter, fake, clock, days=6)
    assert posted == [date(2024, 7, 17), date(2024, 7, 19)]


async def test_skip_cancel_posts_the_skipped_date_after_all(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store, engine: CommandEngine, clock: FakeClock
) -> None:
    answer(await daily(fake, "set", time="09:00", zone="Europe/Berlin", days="weekly on mon"))
    answer(await daily(fake, "skip"))
    cancel = [{"type": BOOLEAN, "name": "cancel", "value": True}]
    definition = fake.command_definition("mltip-daily")
    exchange = await fake.interact(
        p.CHAT_INPUT, p.command_data(definition, [{"type": SUBCOMMAND, "name": "skip", "options": cancel}])
    )
    assert embed_of(answer(exchange))["title"] == "Tip of the day: skip cancelled"
    assert await post_on_days(store, engine, adapter, fake, clock, days=8) == [date(2024, 7, 15), date(2024, 7, 22)]


async def test_pause_until_posts_nothing_before_and_resumes_by_itself(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store, engine: CommandEngine, clock: FakeClock
) -> None:
    answer(await daily(fake, "set", time="09:00", zone="Europe/Berlin"))
    paused = embed_of(answer(await daily(fake, "pause", until="2024-07-17")))
    assert paused["title"] == "Tip of the day: paused until Wed 17 Jul 2024"
    status = embed_of(answer(await daily(fake, "status")))
    assert field(status, "Next posts") == (
        "Mon 15 Jul 2024, 09:00 CEST and 1 more date after it skipped (paused until Wed 17 Jul 2024); "
        "Wed 17 Jul 2024, 09:00 CEST; Thu 18 Jul 2024, 09:00 CEST; Fri 19 Jul 2024, 09:00 CEST"
    )
    assert await post_on_days(store, engine, adapter, fake, clock, days=4) == [date(2024, 7, 17), date(2024, 7, 18)]


async def test_monthly_posts_on_its_day_only(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store, engine: CommandEngine, clock: FakeClock
) -> None:
    embed = embed_of(answer(await daily(fake, "set", time="09:00", zone="Europe/Berlin", days="monthly on 16")))
    assert embed["description"] == "This channel gets a lesson monthly on the 16th at 09:00 Europe/Berlin time."
    status = embed_of(answer(await daily(fake, "status")))
    assert field(status, "Next posts") == (
        "Tue 16 Jul 2024, 09:00 CEST; Fri 16 Aug 2024, 09:00 CEST; Mon 16 Sep 2024, 09:00 CEST"
    )
    assert await post_on_days(store, engine, adapter, fake, clock, days=4) == [date(2024, 7, 16)]


async def test_a_bad_rule_is_answered_with_what_was_understood(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store
) -> None:
    data = answer(await daily(fake, "set", time="09:00", zone="Europe/Berlin", days="fortnightly"))
    assert "I understood 09:00 and Europe/Berlin, but not 'fortnightly'" in json.dumps(data)
