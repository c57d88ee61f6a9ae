"""`/mltip-daily set` through discord.py: only a place's zone names are offered or accepted."""

from __future__ import annotations

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.store import Store
from tests.adapters.discord.test_daily import (  # noqa: F401  (fixtures)
    adapter,
    answer,
    autocomplete,
    channel_of,
    daily,
    store,
)
from tests.fakes.discord_server import FakeDiscord


@pytest.mark.parametrize("zone", ["localtime", "Factory", "US/Eastern"])
async def test_a_zone_that_is_not_a_place_is_refused(
    fake: FakeDiscord,
    adapter: DiscordAdapter,  # noqa: F811
    store: Store,  # noqa: F811
    zone: str,
) -> None:
    data = answer(await daily(fake, "set", time="09:00", zone=zone))
    assert "Europe/Berlin" in data["content"] and not data.get("embeds")
    assert store.subscriptions.get(channel_of(fake)) is None


@pytest.mark.parametrize("typed", ["localtime", "loc", "Factory", "fact", "US/"])
async def test_the_zone_autocomplete_offers_only_places(
    fake: FakeDiscord,
    adapter: DiscordAdapter,  # noqa: F811
    typed: str,
) -> None:
    offered = [c["value"] for c in await autocomplete(fake, "zone", typed)]
    assert not {"localtime", "Factory"} & set(offered)
    assert all("/" in name and not name.startswith("US/") for name in offered)


async def test_the_zone_autocomplete_on_over_long_text_offers_nothing(
    fake: FakeDiscord,
    adapter: DiscordAdapter,  # noqa: F811
) -> None:
    assert await autocomplete(fake, "zone", "europe/" * 800) == []
