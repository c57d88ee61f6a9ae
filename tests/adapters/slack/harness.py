"""The bot's real HTTP server for Slack, started in the test's event loop against the fake Slack,
and a client that sends it signed requests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.runner import serve
from tests.fakes.slack_requests import block_actions_body, signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.support.ports import free_port
from tests.support.waiting import wait_until_ok


@dataclass
class RunningBot:
    """The bot serving Slack over HTTP, and a client to send it signed requests."""

    url: str
    fake: FakeSlack
    http: aiohttp.ClientSession

    async def post(self, body: str, headers: dict[str, str]) -> aiohttp.ClientResponse:
        response = await self.http.post(f"{self.url}/slack/events", data=body, headers=headers)
        await response.read()
        return response

    async def command(self, text: str, response_url: str = "", **fields: str) -> aiohttp.ClientResponse:
        body = slash_command_body(text, response_url or self.fake.response_url(), **fields)
        return await self.post(body, signed_headers(SIGNING_SECRET, body))

    async def press(
        self, action_id: str, value: str | None, response_url: str, *, url: str | None = None, **who: Any
    ) -> aiohttp.ClientResponse:
        """A signed press; `who` sets block_actions' user_id, user_name, team_id or ephemeral."""
        body = block_actions_body(action_id, value, response_url, **({"url": url} if url else {}), **who)
        return await self.post(body, signed_headers(SIGNING_SECRET, body))


def slack_settings(fake: FakeSlack, port: int, **overrides: str) -> Settings:
    """HTTP mode with one bot token, talking to `fake`; `overrides` are more environment variables."""
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "MLTIP_HTTP_PORT": str(port),
        **overrides,
    }
    return Settings.from_env(env)


async def start_bot(
    fake: FakeSlack, engine: CommandEngine, **overrides: str
) -> tuple[asyncio.Event, asyncio.Task[None], str]:
    """`serve()` as a task, once /healthz answers: the event that stops it, the task, its URL."""
    port = free_port()
    stop = asyncio.Event()
    task = asyncio.create_task(serve(slack_settings(fake, port, **overrides), engine, stop))
    url = f"http://127.0.0.1:{port}"
    await wait_until_ok(f"{url}/healthz")
    return stop, task, url
