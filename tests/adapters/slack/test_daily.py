"""`/mltip daily` over signed HTTP: admins (per the fake's users.info) subscribe, anyone sees status."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.daily.service import DailyService
from bot.store import ChannelKey, Platform, Store
from tests.adapters.slack.harness import RunningBot, start_bot
from tests.fakes.slack_server import TEAM_ID, FakeSlack, Fault
from tests.support.clock import FakeClock
from tests.support.databases import sqlite_url

NOW = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)  # Monday, 08:00 in Berlin
CHANNEL = ChannelKey(platform=Platform.SLACK, workspace_id=TEAM_ID, channel_id="C0GENERAL")
ADMIN, OWNER, MEMBER, LISTED = "U0ADMIN", "U0OWNER", "U0ANA", "U0LISTED"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(sqlite_url(tmp_path)) as opened:
        yield opened


@pytest.fixture
async def bot(fake_slack: FakeSlack, library: Library, store: Store) -> AsyncIterator[RunningBot]:
    fake_slack.admins.add(ADMIN)
    fake_slack.owners.add(OWNER)
    engine = CommandEngine(library, daily=DailyService(store, clock=FakeClock(NOW)))
    stop, task, url = await start_bot(fake_slack, engine, MLTIP_SLACK_ADMINS=LISTED)
    async with aiohttp.ClientSession() as http:
        yield RunningBot(url=url, fake=fake_slack, http=http)
    stop.set()
    await asyncio.wait_for(task, 5)


async def ask(bot: RunningBot, text: str, user: str) -> dict[str, Any]:
    response = await bot.command(text, user_id=user, user_name=user.lower())
    assert response.status == 200
    message: dict[str, Any] = json.loads(await response.text())
    assert message["response_type"] == "ephemeral"
    return message


def users_info(fake: FakeSlack) -> list[str]:
    return [call.params["user"] for call in fake.calls_to("users.info")]


@pytest.mark.parametrize("user", [ADMIN, OWNER])
async def test_a_workspace_admin_or_owner_subscribes_the_channel(bot: RunningBot, store: Store, user: str) -> None:
    message = await ask(bot, "daily 09:00 Europe/Berlin weekdays", user)
    assert message["blocks"][0]["text"]["text"] == "Tip of the day: subscribed"
    assert "on weekdays at 09:00 Europe/Berlin time" in message["text"]
    assert "Mon 15 Jul 2024, 09:00 CEST" in json.dumps(message["blocks"])
    subscription = store.subscriptions.get(CHANNEL)
    assert subscription is not None and subscription.created_by == f"{user.lower()} ({user})"
    assert users_info(bot.fake) == [user]


async def test_a_member_who_is_not_an_admin_is_refused_politely(bot: RunningBot, store: Store) -> None:
    message = await ask(bot, "daily 09:00 Europe/Berlin weekdays", MEMBER)
    assert message["text"].startswith("Sorry, only workspace admins and owners")
    assert "Anyone can see it with /mltip daily status" in message["text"]
    assert store.subscriptions.get(CHANNEL) is None
    assert users_info(bot.fake) == [MEMBER]


async def test_anyone_sees_status_without_slack_being_asked_who_they_are(bot: RunningBot) -> None:
    await ask(bot, "daily 09:00 Europe/Berlin weekdays", ADMIN)
    message = await ask(bot, "daily status", MEMBER)
    assert message["blocks"][0]["text"]["text"] == "Tip of the day: on"
    assert "Mon 15 Jul 2024, 09:00 CEST; Tue 16 Jul 2024, 09:00 CEST; Wed 17 Jul 2024, 09:00 CEST" in message["text"]
    assert users_info(bot.fake) == [ADMIN]  # only the change asked


async def test_someone_on_the_allow_list_needs_no_users_info(bot: RunningBot, store: Store) -> None:
    message = await ask(bot, "daily 7am Asia/Kolkata", LISTED)
    assert message["blocks"][0]["text"]["text"] == "Tip of the day: subscribed"
    assert store.subscriptions.get(CHANNEL) is not None and users_info(bot.fake) == []


async def test_a_repeated_request_leaves_one_subscription(bot: RunningBot, store: Store) -> None:
    for _ in range(2):
        await ask(bot, "daily 09:00 Europe/Berlin weekdays", ADMIN)
    assert len(store.subscriptions.active()) == 1
    assert len(store.subscriptions.audit(Platform.SLACK, TEAM_ID)) == 1


async def test_without_the_users_read_scope_the_admin_is_told_how_to_fix_it(bot: RunningBot, store: Store) -> None:
    bot.fake.script("users.info", Fault(error="missing_scope"))
    message = await ask(bot, "daily 09:00 Europe/Berlin", ADMIN)
    assert "Slack said missing_scope" in message["text"] and "users:read scope" in message["text"]
    assert store.subscriptions.get(CHANNEL) is None


async def test_a_bad_zone_gets_suggestions(bot: RunningBot) -> None:
    message = await ask(bot, "daily 09:00 Europe/Berln", ADMIN)
    assert message["text"].startswith("Unknown time zone 'Europe/Berln'. Did you mean Europe/Berlin")


@pytest.mark.parametrize(
    "text",
    [
        "daily <!channel>",
        "daily <@U0BOSS>",
        "daily 09:00 <https://evil.example|click here>",
        "daily 09:00 Europe/<!here>",
        "daily 09:00 UTC mon,<!subteam^S0ALL>",
    ],
)
async def test_error_replies_quote_what_was_typed_without_pinging_or_linking(bot: RunningBot, text: str) -> None:
    message = await ask(bot, text, ADMIN)
    reply = message["text"]
    assert "<!" not in reply and "<@" not in reply and "<http" not in reply, reply
    assert "&lt;" in reply  # quoted, visibly, as typed


async def test_setting_a_schedule_where_the_bot_is_not_a_member_is_refused_with_what_to_do(
    bot: RunningBot, store: Store
) -> None:
    bot.fake.outside.add(CHANNEL.channel_id)
    message = await ask(bot, "daily 09:00 Europe/Berlin pin", ADMIN)
    assert "invite me with `/invite @mltip` first" in message["text"]
    assert store.subscriptions.get(CHANNEL) is None
    assert [call.params["channel"] for call in bot.fake.calls_to("conversations.info")] == [CHANNEL.channel_id]
    await ask(bot, "daily status", MEMBER)  # reading needs no check
    assert len(bot.fake.calls_to("conversations.info")) == 1


async def test_a_member_channel_passes_the_check_and_keeps_thread_and_pin(bot: RunningBot, store: Store) -> None:
    message = await ask(bot, "daily 09:00 Europe/Berlin thread pin", ADMIN)
    assert message["blocks"][0]["text"]["text"] == "Tip of the day: subscribed"
    subscription = store.subscriptions.get(CHANNEL)
    assert subscription is not None and (subscription.thread, subscription.pin) == (True, True)
    assert subscription.set_by_user_id == ADMIN
