"""Fixtures for the tip of the day's tests: the real Discord adapter against the fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.discord.adapter import DiscordAdapter
from bot.config import Settings
from bot.core.commands import CommandEngine
from tests.fakes.discord_server import FakeDiscord


@pytest.fixture
async def discord(engine: CommandEngine) -> AsyncIterator[tuple[FakeDiscord, DiscordAdapter]]:
    """A started DiscordAdapter and its fake; every body the bot sent must match Discord's spec."""
    fake = FakeDiscord()
    await fake.start()
    settings = Settings(discord_token=fake.token, discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url)
    adapter = DiscordAdapter(settings, engine, identify_delay=0.0, ready_timeout=5.0, post_timeout=2.0)
    await adapter.start()
    yield fake, adapter
    await adapter.close()
    await fake.close()
    assert not fake.schema_errors, fake.schema_errors
