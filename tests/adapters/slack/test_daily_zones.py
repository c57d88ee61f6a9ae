"""`/mltip daily` over signed HTTP refuses zone names that are not a place's zone (localtime, Factory)."""

from __future__ import annotations

import pytest

from bot.store import Store
from tests.adapters.slack.harness import RunningBot
from tests.adapters.slack.test_daily import ADMIN, CHANNEL, ask, bot, store  # noqa: F401  (fixtures)


@pytest.mark.parametrize("zone", ["localtime", "Factory", "US/Eastern"])
async def test_a_zone_that_is_not_a_place_is_refused(bot: RunningBot, store: Store, zone: str) -> None:  # noqa: F811
    message = await ask(bot, f"daily 09:00 {zone}", ADMIN)
    assert "Europe/Berlin" in message["text"] and "blocks" not in message  # a plain error reply
    assert store.subscriptions.get(CHANNEL) is None
