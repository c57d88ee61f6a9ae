"""Schedule rules end to end on Slack: set by signed `/mltip daily ...`, posted by the scheduler
through the fake Web API on exactly the dates the rule yields (the clock is injected and jumped)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.daily.scheduler import DailyScheduler
from bot.daily.service import DailyService
from bot.store import AuditAction, ChannelKey, DeliveryStatus, Platform, Store
from tests.adapters.slack.harness import RunningBot, start_bot
from tests.daily.harness import make_fanout, slack_poster
from tests.fakes.slack_server import TEAM_ID, FakeSlack
from tests.support.clock import FakeClock
from tests.support.databases import sqlite_url

MONDAY_8_BERLIN = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)
CHANNEL = ChannelKey(platform=Platform.SLACK, workspace_id=TEAM_ID, channel_id="C0GENERAL")
ADMIN = "U0ADMIN"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(sqlite_url(tmp_path)) as opened:
        yield opened


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_8_BERLIN, running=True)


@pytest.fixture
async def bot(fake_slack: FakeSlack, library: Library, store: Store, clock: FakeClock) -> AsyncIterator[RunningBot]:
    fake_slack.admins.add(ADMIN)
    engine = CommandEngine(library, daily=DailyService(store, clock=clock))
    stop, task, url = await start_bot(fake_slack, engine)
    async with aiohttp.ClientSession() as http:
        yield RunningBot(url=url, fake=fake_slack, http=http)
    stop.set()
    await asyncio.wait_for(task, 5)


async def ask(bot: RunningBot, text: str) -> dict[str, Any]:
    response = await bot.command(text, user_id=ADMIN, user_name="ada")
    assert response.status == 200
    message: dict[str, Any] = json.loads(await response.text())
    return message


def field(message: dict[str, Any], name: str) -> str:
    """A reply field's value, as the Block Kit message carries it ('*name*\\nvalue')."""
    blocks = json.dumps(message["blocks"])
    for block in message["blocks"]:
        for part in block.get("fields", []) + ([block["text"]] if "text" in block else []):
            text = part.get("text", "")
            if text.startswith(f"*{name}*"):
                return str(text.split("\n", 1)[1])
    raise AssertionError(f"no field {name!r} in {blocks}")


async def post_on_days(
    store: Store, engine: CommandEngine, fake: FakeSlack, clock: FakeClock, days: list[date], *, hour_utc: int = 7
) -> list[date]:
    """Wake the scheduler at `hour_utc` on each day (twice: a replay) and return the days it posted on."""
    fanout = make_fanout(store, engine, {"slack": slack_poster(fake.api_url)}, clock)
    scheduler = DailyScheduler(
        store, fanout, clock=clock, worker_id="w", grace=timedelta(hours=3), platforms=frozenset({"slack"})
    )
    posted = []
    for day in days:
        before = len(fake.calls_to("chat.postMessage"))
        clock.jump(datetime(day.year, day.month, day.day, hour_utc, 0, 30, tzinfo=UTC))
        await scheduler.tick()
        await scheduler.tick()
        after = len(fake.calls_to("chat.postMessage"))
        assert after - before in (0, 1), f"{after - before} posts on {day}"
        if after > before:
            posted.append(day)
    return posted


def days_from(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


async def test_every_2_days_with_skip_next_posts_on_the_right_dates_and_status_says_why(
    bot: RunningBot, store: Store, engine: CommandEngine, clock: FakeClock
) -> None:
    set_up = await ask(bot, "daily 09:00 Europe/Berlin every 2 days")
    assert "a lesson every 2 days at 09:00 Europe/Berlin time" in set_up["text"]
    skipped = await ask(bot, "daily skip next")
    assert "nothing is posted here on Mon 15 Jul 2024, 09:00 CEST" in skipped["text"]
    again = await ask(bot, "daily skip next")  # a replay skips the same date, not the one after
    assert "Mon 15 Jul 2024" in again["text"]
    status = await ask(bot, "daily status")
    assert field(status, "Next posts") == (
        "Mon 15 Jul 2024, 09:00 CEST skipped (skip next); Wed 17 Jul 2024, 09:00 CEST; "
        "Fri 19 Jul 2024, 09:00 CEST; Sun 21 Jul 2024, 09:00 CEST"
    )
    assert "The post of Mon 15 Jul 2024 is skipped" in field(status, "State")

    posted = await post_on_days(store, engine, bot.fake, clock, days_from(date(2024, 7, 15), 8))
    assert posted == [date(2024, 7, 17), date(2024, 7, 19), date(2024, 7, 21)]
    subscription = store.subscriptions.get(CHANNEL)
    assert subscription is not None
    # The skipped date never enters the ledger; the audit log keeps who skipped which date.
    ledger = {d.local_date: d.status for d in store.ledger.history(subscription.id)}
    assert ledger == {day: DeliveryStatus.SENT for day in posted}
    [skip] = [e for e in store.subscriptions.audit(Platform.SLACK, TEAM_ID) if e.action is AuditAction.SKIP]
    assert skip.details == {"before": None, "after": "2024-07-15"} and skip.actor == f"ada ({ADMIN})"


async def test_weekly_on_monday_posts_only_on_mondays(
    bot: RunningBot, store: Store, engine: CommandEngine, clock: FakeClock
) -> None:
    await ask(bot, "daily 09:00 Europe/Berlin weekly on mon")
    posted = await post_on_days(store, engine, bot.fake, clock, days_from(date(2024, 7, 15), 15))
    assert posted == [date(2024, 7, 15), date(2024, 7, 22), date(2024, 7, 29)]


async def test_monthly_on_1_follows_berlins_fall_back(
    bot: RunningBot, store: Store, engine: CommandEngine, clock: FakeClock
) -> None:
    clock.jump(datetime(2024, 9, 20, 12, tzinfo=UTC))
    await ask(bot, "daily 09:00 Europe/Berlin monthly on 1")
    status = await ask(bot, "daily status")
    assert field(status, "Next posts") == (
        "Tue 01 Oct 2024, 09:00 CEST; Fri 01 Nov 2024, 09:00 CET; Sun 01 Dec 2024, 09:00 CET"
    )
    # 1 Oct at 07:00 UTC is 09:00 CEST; on 1 Nov (after the change) 07:00 UTC is only 08:00 CET.
    assert await post_on_days(store, engine, bot.fake, clock, [date(2024, 10, 1), date(2024, 11, 1)], hour_utc=7) == [
        date(2024, 10, 1)
    ]
    assert await post_on_days(store, engine, bot.fake, clock, [date(2024, 11, 1)], hour_utc=8) == [date(2024, 11, 1)]


async def test_pause_until_posts_nothing_before_and_resumes_by_itself_on_the_date(
    bot: RunningBot, store: Store, engine: CommandEngine, clock: FakeClock
) -> None:
    await ask(bot, "daily 09:00 Europe/Berlin")
    paused = await ask(bot, "daily pause until 2024-07-19")
    assert paused["blocks"][0]["text"]["text"] == "Tip of the day: paused until Fri 19 Jul 2024"
    status = await ask(bot, "daily status")
    assert status["blocks"][0]["text"]["text"] == "Tip of the day: paused until Fri 19 Jul 2024"
    assert field(status, "State").startswith("Paused until Fri 19 Jul 2024: posts start again by themselves")
    assert field(status, "Next posts") == (
        "Mon 15 Jul 2024, 09:00 CEST and 3 more dates after it skipped (paused until Fri 19 Jul 2024); "
        "Fri 19 Jul 2024, 09:00 CEST; Sat 20 Jul 2024, 09:00 CEST; Sun 21 Jul 2024, 09:00 CEST"
    )
    posted = await post_on_days(store, engine, bot.fake, clock, days_from(date(2024, 7, 15), 7))
    assert posted == [date(2024, 7, 19), date(2024, 7, 20), date(2024, 7, 21)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "daily 09:00 Europe/Berlin fortnightly",
            "I understood 09:00 and Europe/Berlin, but not 'fortnightly'; "
            "try `/mltip daily 09:00 Europe/Berlin every 2 days`.",
        ),
        ("daily 09:00 Europe/Berlin monthly on 32", "but not 'monthly on 32': monthly on which day (1-31)"),
        ("daily pause until 19/07/2024", "write it as YYYY-MM-DD, e.g. /mltip daily pause until 2027-01-04"),
        ("daily pause until 2024-07-14", "2024-07-14 is not after today (2024-07-15 here)"),
        ("daily skip tomorrow", "I understood skip, but not 'tomorrow'"),
    ],
)
async def test_mistakes_say_what_was_understood_and_change_nothing(
    bot: RunningBot, store: Store, text: str, expected: str
) -> None:
    await ask(bot, "daily 09:00 Europe/Berlin")
    before = store.subscriptions.get(CHANNEL)
    message = await ask(bot, text)
    assert expected in message["text"]
    assert store.subscriptions.get(CHANNEL) == before
