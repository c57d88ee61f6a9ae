"""A signed request sent again inside its five-minute window is answered, but nothing runs twice."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.adapters.slack.verify import WINDOW_SECONDS, RecentSignatures
from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.core.replies import Reply
from tests.adapters.slack.harness import RunningBot, start_bot
from tests.fakes.slack_requests import block_actions_body, sign, signed_headers, slash_command_body
from tests.fakes.slack_server import SIGNING_SECRET, FakeSlack
from tests.support.clock import FakeClock


class CountingEngine(CommandEngine):
    """The real engine, counting how often a listener reached it."""

    def __init__(self, library: Library) -> None:
        super().__init__(library)
        self.runs = 0

    def run(self, text: str, **where: Any) -> Reply:
        self.runs += 1
        return super().run(text, **where)


async def test_a_replayed_command_runs_once(fake_slack: FakeSlack, library: Library) -> None:
    engine = CountingEngine(library)
    stop, task, url = await start_bot(fake_slack, engine)
    body = slash_command_body("kaggle", fake_slack.response_url())
    headers = signed_headers(SIGNING_SECRET, body)
    async with aiohttp.ClientSession() as http:
        answers = []
        for _ in range(3):
            async with http.post(f"{url}/slack/events", data=body, headers=headers) as response:
                answers.append((response.status, await response.text()))
    stop.set()
    await task
    assert [status for status, _ in answers] == [200, 200, 200]
    assert "Kaggle" in json.loads(answers[0][1])["text"]
    assert answers[1][1] == answers[2][1] == ""  # the replays: acknowledged, not answered again
    assert engine.runs == 1


async def test_the_same_command_sent_twice_by_slack_is_two_requests(bot: RunningBot) -> None:
    # Slack gives each request its own trigger_id (and time), so a double click is not a replay.
    first, second = await bot.command("kaggle"), await bot.command("kaggle")
    assert first.status == second.status == 200
    assert "Kaggle" in json.loads(await first.text())["text"]
    assert "Kaggle" in json.loads(await second.text())["text"]


async def test_a_replayed_share_posts_once(bot: RunningBot) -> None:
    first = json.loads(await (await bot.command("papers")).text())
    share = first["blocks"][-2]["elements"][1]
    body = block_actions_body(share["action_id"], share["value"], bot.fake.response_url("share"))
    headers = signed_headers(SIGNING_SECRET, body)
    for _ in range(3):
        assert (await bot.post(body, headers)).status == 200
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    await asyncio.sleep(0.3)  # time enough for a second post to arrive, were one sent
    assert [key for key, _ in bot.fake.responses] == ["share"]


SIGNED_AT = datetime.fromtimestamp(1_700_000_000, UTC)


def signature(n: int) -> str:
    return sign(SIGNING_SECRET, 1_700_000_000, f"body {n}")


def test_signatures_are_remembered_for_the_window_then_forgotten() -> None:
    clock = FakeClock(SIGNED_AT)
    recent = RecentSignatures(clock=clock.timestamp)
    assert recent.first_time(signature(1), 1_700_000_000)
    assert not recent.first_time(signature(1), 1_700_000_000)
    clock.advance(WINDOW_SECONDS + 1)  # that timestamp no longer verifies: nothing to remember it for
    assert recent.first_time(signature(2), int(clock.timestamp()))
    assert len(recent) == 1


def test_the_memory_of_signatures_is_bounded() -> None:
    recent = RecentSignatures(limit=100, clock=FakeClock(SIGNED_AT).timestamp)
    for n in range(1_000):
        assert recent.first_time(signature(n), 1_700_000_000)
    assert len(recent) == 100
    assert not recent.first_time(signature(999), 1_700_000_000)  # the newest are the ones kept
