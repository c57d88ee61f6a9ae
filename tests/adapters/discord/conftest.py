"""Fixtures for the Discord adapter's end-to-end tests: a fake Discord and the real discord.py."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.config import Settings
from bot.core.commands import CommandEngine
from tests.adapters.discord.harness import StartAdapter
from tests.fakes.discord_server import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()
    # Every body the bot sent must have matched Discord's OpenAPI spec.
    assert not server.schema_errors, server.schema_errors


@pytest.fixture
def settings(fake: FakeDiscord) -> Settings:
    return Settings(discord_token=fake.token, discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url)


@pytest.fixture
async def start_adapter(settings: Settings, engine: CommandEngine) -> AsyncIterator[StartAdapter]:
    """Start adapters (closed at the end); keyword arguments override fields of the settings."""
    started: list[DiscordAdapter] = []

    async def start(*, with_engine: CommandEngine | None = None, **overrides: Any) -> DiscordAdapter:  # Settings fields
        adapter = DiscordAdapter(
            dataclasses.replace(settings, **overrides),
            with_engine or engine,
            identify_delay=0.0,  # discord.py's 5 s between IDENTIFYs guards Discord's rate limit, not ours
            ready_timeout=5.0,
        )
        await adapter.start()
        started.append(adapter)
        return adapter

    yield start
    for adapter in started:
        await adapter.close()


@pytest.fixture
async def adapter(start_adapter: StartAdapter) -> DiscordAdapter:
    return await start_adapter()
