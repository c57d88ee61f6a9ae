"""Hostile input through the fake gateway and the real discord.py: odd buttons, over-long text."""

from __future__ import annotations

import logging

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.core.library import Library
from tests.adapters.discord.harness import StartAdapter
from tests.adapters.discord.test_interactions import NO_MENTIONS, ephemeral_message_with_button
from tests.adapters.stalls import SEARCH_SECONDS, SlowSearchEngine, longest_stall
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import FakeDiscord

CHANNEL_MESSAGE = 4
NOT_OURS = "That button is no longer valid. Try /mltip again."


@pytest.mark.parametrize(
    "custom_id",
    [
        "mltip:another|²|kaggle",  # '²'.isdigit() is True, but int('²') raises
        "mltip:another|" + "9" * 5000 + "|kaggle",  # past int()'s 4,300-digit limit
        "mltip:another|١|kaggle",  # an Arabic-Indic digit: int() takes it, but no button of ours says it
    ],
)
async def test_a_button_that_is_not_ours_is_refused_without_a_traceback(
    fake: FakeDiscord, adapter: DiscordAdapter, caplog: pytest.LogCaptureFixture, custom_id: str
) -> None:
    caplog.set_level(logging.DEBUG)
    exchange = await fake.press(ephemeral_message_with_button(fake, custom_id), custom_id)
    assert exchange.callback["type"] == CHANNEL_MESSAGE
    data = exchange.callback["data"]
    assert data["content"] == NOT_OURS
    assert data["flags"] & p.EPHEMERAL and data["allowed_mentions"] == NO_MENTIONS
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("query", ["kaggle " * 100, "a b " * 60, "daily pause " + "holidays " * 60])
async def test_an_over_long_question_gets_a_clear_reply(fake: FakeDiscord, adapter: DiscordAdapter, query: str) -> None:
    exchange = await fake.command(query)
    assert exchange.callback["type"] == CHANNEL_MESSAGE
    data = exchange.callback["data"]
    assert data["flags"] & p.EPHEMERAL and not data.get("embeds")
    assert data["content"].startswith("That is too long for /mltip: ")
    assert "at most 500 characters and 100 words" in data["content"]


async def test_the_query_option_tells_discord_the_cap(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    [query] = fake.command_definition()["options"]
    assert query["name"] == "query" and query["max_length"] == 500


@pytest.mark.parametrize("current", ["kaggle " * 100, "kaggle " + "q" * 6000])
async def test_autocomplete_on_over_long_text_offers_nothing(
    fake: FakeDiscord, adapter: DiscordAdapter, current: str
) -> None:
    exchange = await fake.autocomplete(current)
    assert exchange.callback["data"]["choices"] == []


async def test_an_uncached_search_runs_off_the_event_loop(
    fake: FakeDiscord, start_adapter: StartAdapter, library: Library
) -> None:
    await start_adapter(with_engine=SlowSearchEngine(library))
    exchange, stall = await longest_stall(fake.command("kaggle"))
    assert "Kaggle" in exchange.callback["data"]["embeds"][0]["title"]
    assert stall < SEARCH_SECONDS / 2, f"the event loop stalled {stall:.2f} s"
    assert exchange.message is not None
    another = "mltip:another|1|papers"  # a question not asked yet: a search again
    pressed, stall = await longest_stall(fake.press(ephemeral_message_with_button(fake, another), another))
    assert pressed.callback["data"]["embeds"][0]["title"]
    assert stall < SEARCH_SECONDS / 2, f"the event loop stalled {stall:.2f} s"
    completed, stall = await longest_stall(fake.autocomplete("deploy"))
    assert completed.callback["data"]["choices"]
    assert stall < SEARCH_SECONDS / 2, f"the event loop stalled {stall:.2f} s"
