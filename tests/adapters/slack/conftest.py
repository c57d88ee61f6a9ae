"""Fixtures for the Slack adapter's tests: the bot's real HTTP server, on loopback, against the fake Slack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.core.commands import CommandEngine
from tests.adapters.slack.harness import RunningBot, start_bot
from tests.fakes.slack_server import FakeSlack


@pytest.fixture
async def bot(fake_slack: FakeSlack, engine: CommandEngine) -> AsyncIterator[RunningBot]:
    stop, task, url = await start_bot(fake_slack, engine)
    async with aiohttp.ClientSession() as http:
        yield RunningBot(url=url, fake=fake_slack, http=http)
    stop.set()
    await asyncio.wait_for(task, 5)
