"""The Home tab over signed HTTP: published on app_home_opened, re-published after each press there.

The bot runs as in production (bolt behind the signature gate, on a real port) with a clock the
test sets, and the fake Slack checks every views.publish against Slack's spec and Block Kit limits.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.slack.adapter import SlackAdapter
from bot.adapters.slack.home_view import ANOTHER_ACTION, SHARE_ACTION, TOPIC_ACTION
from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.core.todays_lesson import todays_lesson
from bot.daily.arguments import parse_schedule
from bot.daily.service import DailyService
from bot.store import ChannelKey, Platform, Store
from bot.web import build_web_app
from tests.adapters.slack.harness import slack_settings
from tests.fakes.slack_requests import app_home_opened, home_action, payload_body, signed_headers
from tests.fakes.slack_server import SIGNING_SECRET, TEAM_ID, FakeSlack, Fault
from tests.support.clock import FakeClock
from tests.support.ports import free_port

NOW = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)  # Monday, 08:00 in Berlin
ADMIN, MEMBER = "U0ADMIN", "U0ANA"


@dataclass
class Home:
    """The bot serving Slack over HTTP with a settable clock, and a client to send it signed requests."""

    url: str
    fake: FakeSlack
    http: aiohttp.ClientSession
    clock: FakeClock

    async def send(self, body: str, content_type: str) -> int:
        headers = signed_headers(SIGNING_SECRET, body, content_type=content_type)
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=headers) as response:
            await response.read()
            return response.status

    async def open(self, user: str, *, tab: str = "home") -> dict[str, Any]:
        """`user` opens the app's Home tab; the view published for them."""
        before = len(self.fake.views.get(user, []))
        previous = self.fake.views[user][-1] if before else None
        assert await self.send(json.dumps(app_home_opened(user, tab=tab, view=previous)), "application/json") == 200
        await self.fake.wait_for(lambda: len(self.fake.views.get(user, [])) > before)
        return self.fake.home(user)

    async def act(self, user: str, action: dict[str, Any]) -> dict[str, Any]:
        """`user` uses `action` on their Home tab; the view published next."""
        before = len(self.fake.views[user])
        payload = home_action(action, self.fake.home(user), user_id=user, user_name=user.lower())
        assert await self.send(payload_body(payload), "application/x-www-form-urlencoded") == 200
        await self.fake.wait_for(lambda: len(self.fake.views[user]) > before)
        return self.fake.home(user)


async def serve_home(fake: FakeSlack, engine: CommandEngine, **overrides: str) -> AsyncIterator[Home]:
    clock = FakeClock(NOW)
    settings = slack_settings(fake, free_port(), MLTIP_DEFAULT_TIMEZONE="Europe/Berlin", **overrides)
    adapter = SlackAdapter(settings, engine, clock=clock)
    runner = web.AppRunner(build_web_app(adapter.routes()), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.http_port).start()
    async with aiohttp.ClientSession() as http:
        yield Home(url=f"http://127.0.0.1:{settings.http_port}", fake=fake, http=http, clock=clock)
    await runner.cleanup()


@pytest.fixture
async def home(fake_slack: FakeSlack, engine: CommandEngine) -> AsyncIterator[Home]:
    async for served in serve_home(fake_slack, engine):
        yield served


def texts(view: dict[str, Any]) -> list[str]:
    """Every text in the view, in order (headers, sections, context elements)."""
    found: list[str] = []
    for block in view["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [element["text"] for element in block.get("elements", []) if element.get("type") == "mrkdwn"]
    return found


def headers(view: dict[str, Any]) -> list[str]:
    return [block["text"]["text"] for block in view["blocks"] if block["type"] == "header"]


def element(view: dict[str, Any], action_id: str, nth: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `nth` element with `action_id`, and its block."""
    found = [(e, b) for b in view["blocks"] for e in b.get("elements", []) if e.get("action_id") == action_id]
    return found[nth]


async def test_opening_home_publishes_todays_lesson_the_same_all_day(home: Home, library: Library) -> None:
    view = await home.open(MEMBER)
    expected = todays_lesson(library.lessons, f"slack:{TEAM_ID}:{MEMBER}", NOW.date())
    assert headers(view)[:2] == ["Your lesson for today", expected.title]
    assert view["type"] == "home" and view["private_metadata"] == ""
    another, _ = element(view, ANOTHER_ACTION)
    assert another["value"] == f"another|~|{expected.id}"
    share, block = element(view, SHARE_ACTION)
    assert share["type"] == "conversations_select" and block["block_id"] == f"today|share|{expected.id}"
    assert "Tip of the day in this workspace" not in headers(view)  # no database here

    home.clock.now = NOW + timedelta(hours=15)  # 23:00 in Berlin: still Monday there
    assert headers(await home.open(MEMBER))[1] == expected.title
    home.clock.now = NOW + timedelta(hours=16)  # Tuesday 00:00 in Berlin
    tomorrow = todays_lesson(library.lessons, f"slack:{TEAM_ID}:{MEMBER}", (NOW + timedelta(days=1)).date())
    assert headers(await home.open(MEMBER))[1] == tomorrow.title
    assert [call.params["user_id"] for call in home.fake.calls_to("views.publish")] == [MEMBER] * 3


async def test_picking_a_topic_refreshes_home_with_a_lesson_of_that_topic(home: Home, library: Library) -> None:
    await home.open(MEMBER)
    picker, _ = element(home.fake.home(MEMBER), TOPIC_ACTION)
    papers = next(option for option in picker["options"] if option["value"] == "papers")
    view = await home.act(MEMBER, {"type": "static_select", "action_id": TOPIC_ACTION, "selected_option": papers})
    assert view["private_metadata"] == "search|0|papers"
    assert element(view, TOPIC_ACTION)[0]["initial_option"] == papers
    browsed = headers(view)[headers(view).index("Browse by topic") + 1]
    lesson = next(x for x in library.lessons if x.title == browsed)
    assert "papers" in {topic.value for topic in lesson.topics}

    another, _ = element(view, ANOTHER_ACTION, nth=1)  # the browsed lesson's Another
    assert another["value"] == "another|1|papers"
    view = await home.act(MEMBER, {"type": "button", "action_id": ANOTHER_ACTION, "value": another["value"]})
    assert view["private_metadata"] == "search|1|papers"
    assert any(text.startswith("Lesson 2 of") and "papers" in text for text in texts(view))
    assert headers(view)[1] == headers(await home.open(MEMBER))[1]  # today's lesson stays put


async def test_another_under_todays_lesson_browses_a_random_other_one(home: Home) -> None:
    view = await home.open(MEMBER)
    another, _ = element(view, ANOTHER_ACTION)
    after = await home.act(MEMBER, {"type": "button", "action_id": ANOTHER_ACTION, "value": another["value"]})
    kind, _, lesson_id = after["private_metadata"].partition("|")
    assert kind == "lesson" and lesson_id and another["value"] != f"another|~|{lesson_id}"
    assert headers(after)[1] == headers(view)[1]


async def test_a_forged_button_value_gets_a_notice_not_a_crash(home: Home) -> None:
    await home.open(MEMBER)
    view = await home.act(MEMBER, {"type": "button", "action_id": ANOTHER_ACTION, "value": "another|x|<!channel>"})
    assert texts(view)[0] == "That button is no longer valid. Try /mltip again."


async def test_sharing_from_home_posts_to_the_channel_picked_and_says_so(home: Home) -> None:
    view = await home.open(MEMBER)
    _, block = element(view, SHARE_ACTION)
    pick = {"type": "conversations_select", "action_id": SHARE_ACTION, "block_id": block["block_id"]}
    after = await home.act(MEMBER, {**pick, "selected_conversation": "C0GENERAL"})
    [post] = home.fake.calls_to("chat.postMessage")
    assert post.params["channel"] == "C0GENERAL" and "Shared by u0ana" in post.params["text"]
    assert post.params["text"].startswith(headers(view)[1])
    assert texts(after)[0] == "Shared in <#C0GENERAL>."

    home.fake.script("chat.postMessage", Fault(error="not_in_channel"))
    after = await home.act(MEMBER, {**pick, "selected_conversation": "C0RANDOM"})
    assert texts(after)[0].startswith("I could not share it in <#C0RANDOM>: the bot is not in the channel")


async def test_the_messages_tab_publishes_nothing(home: Home) -> None:
    body = json.dumps(app_home_opened(MEMBER, tab="messages"))
    assert await home.send(body, "application/json") == 200
    await asyncio.sleep(0.2)  # give a wrongly published view time to arrive
    assert not home.fake.calls_to("views.publish")


async def test_a_forged_app_home_opened_is_refused(home: Home) -> None:
    body = json.dumps(app_home_opened(MEMBER))
    headers_ = {**signed_headers("not-the-secret", body, content_type="application/json")}
    async with home.http.post(f"{home.url}/slack/events", data=body, headers=headers_) as response:
        assert response.status == 401
    await asyncio.sleep(0.2)
    assert not home.fake.calls_to("views.publish") and not home.fake.calls_to("auth.test")


@pytest.fixture
async def home_with_store(fake_slack: FakeSlack, library: Library, store: Store) -> AsyncIterator[Home]:
    fake_slack.admins.add(ADMIN)
    daily = DailyService(store, clock=FakeClock(NOW))
    schedules = {"C0GENERAL": "09:00 Europe/Berlin weekdays papers", "C0RANDOM": "17:30 UTC", "C0ELSE": "08:00"}
    for channel, words in schedules.items():
        workspace = "T0OTHER" if channel == "C0ELSE" else TEAM_ID
        key = ChannelKey(platform=Platform.SLACK, workspace_id=workspace, channel_id=channel)
        daily.subscribe(key, "ada (U0ADMIN)", parse_schedule(words.split(), "UTC"))
    daily.pause(ChannelKey(platform=Platform.SLACK, workspace_id=TEAM_ID, channel_id="C0RANDOM"), "ada", "holidays")
    async for served in serve_home(fake_slack, CommandEngine(library, daily=daily)):
        yield served


async def test_an_admin_sees_the_workspaces_channel_schedules_with_their_status(home_with_store: Home) -> None:
    view = await home_with_store.open(ADMIN)
    assert headers(view)[-1] == "Tip of the day in this workspace"
    general, random = [t for t in texts(view) if t.startswith("<#C0")]
    assert general == (
        "<#C0GENERAL>: a lesson on papers on weekdays at 09:00 Europe/Berlin time\n"
        "Posting. Next post: Mon 15 Jul 2024, 09:00 CEST"
    )
    assert random.startswith("<#C0RANDOM>: a lesson every day at 17:30 UTC\nPaused by ada since Mon 15 Jul 2024")
    assert "(holidays)" in random and "Next post, once resumed: Mon 15 Jul 2024, 17:30 UTC" in random
    assert not any("C0ELSE" in text for text in texts(view))  # another workspace's channel
    assert [call.params["user"] for call in home_with_store.fake.calls_to("users.info")] == [ADMIN]


async def test_a_member_who_is_not_an_admin_sees_no_channel_schedules(home_with_store: Home) -> None:
    view = await home_with_store.open(MEMBER)
    assert "Tip of the day in this workspace" not in headers(view)
    assert not any(text.startswith("<#") for text in texts(view))
    assert headers(view)[0] == "Your lesson for today"
