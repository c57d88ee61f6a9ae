"""👍 / 👎 through the fake gateway and the real discord.py: one vote per member, changed by the
other button, acknowledged privately (never an edit), in a row of their own that Discord's spec
accepts; `/mltip query:stats` for members with Manage Server only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.core.commands import CommandEngine
from bot.core.feedback import Tally
from bot.core.library import Library
from bot.feedback.service import FeedbackService
from bot.store import QuestionCount, Store
from tests.adapters.discord.harness import StartAdapter
from tests.adapters.discord.limits import LINK_STYLE, component_problems, embed_problems
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import Exchange, FakeDiscord
from tests.support.clock import FakeClock
from tests.support.databases import sqlite_url

NOW = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)
CHANNEL_MESSAGE, UPDATE_MESSAGE = 4, 7
KAGGLE = "iglovikov-kaggle-worth-it"
SEND_MESSAGES_AND_EMBED_LINKS = str((1 << 11) | (1 << 14))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(sqlite_url(tmp_path)) as opened:
        yield opened


@pytest.fixture
def engine(library: Library, store: Store) -> CommandEngine:
    feedback = FeedbackService(store, library, key=b"a test key of enough length", clock=FakeClock(NOW))
    return CommandEngine(library, feedback=feedback)


@pytest.fixture
async def adapter(start_adapter: StartAdapter, engine: CommandEngine) -> DiscordAdapter:
    return await start_adapter(with_engine=engine)


def vote_row(data: dict[str, Any]) -> dict[str, str]:
    """label -> custom_id of the second action row: the votes."""
    first, second = data["components"]
    assert all(button["style"] == LINK_STYLE or "vote|" not in button["custom_id"] for button in first["components"])
    return {button["label"]: button["custom_id"] for button in second["components"]}


def private(exchange: Exchange) -> dict[str, Any]:
    """A new message only the presser sees (not an edit of what they pressed)."""
    assert exchange.callback["type"] == CHANNEL_MESSAGE
    data: dict[str, Any] = exchange.callback["data"]
    assert data["flags"] & p.EPHEMERAL and data["allowed_mentions"] == {"parse": []}
    return data


def someone(name: str, permissions: str = SEND_MESSAGES_AND_EMBED_LINKS) -> dict[str, Any]:
    return {**p.member(p.user(p.snowflake(), name)), "permissions": permissions}


async def test_a_vote_counts_once_per_member_and_is_acknowledged_privately(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store
) -> None:
    first = await fake.command("kaggle")
    assert first.message is not None and not component_problems(first.callback["data"]["components"])
    votes = vote_row(first.callback["data"])
    assert votes == {
        "👍 Helpful": f"mltip:vote|up|{KAGGLE}|kaggle",
        "👎 Not helpful": f"mltip:vote|down|{KAGGLE}|kaggle",
    }
    thanks = private(await fake.press(first.message, votes["👍 Helpful"]))
    assert thanks["embeds"][0]["title"] == "Thanks for your vote" and not embed_problems(thanks["embeds"][0])
    assert "components" not in thanks or not thanks["components"]
    again = private(await fake.press(first.message, votes["👍 Helpful"]))
    assert "already marked" in again["embeds"][0]["description"]
    private(await fake.press(first.message, votes["👍 Helpful"], by=someone("bo")))
    assert store.votes.tallies(platform="discord", workspace_id=fake.guild_id) == {KAGGLE: Tally(up=2, down=0)}


async def test_the_other_button_changes_the_vote_and_records_the_question_missed(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store
) -> None:
    first = await fake.command("kaggle")
    assert first.message is not None
    votes = vote_row(first.callback["data"])
    private(await fake.press(first.message, votes["👍 Helpful"]))
    changed = private(await fake.press(first.message, votes["👎 Not helpful"]))
    assert changed["embeds"][0]["description"].startswith("Changed your vote")
    assert store.votes.tallies() == {KAGGLE: Tally(up=0, down=1)}
    assert store.questions.most_asked(platform="discord", workspace_id=fake.guild_id) == [QuestionCount("kaggle", 1)]


async def test_a_vote_under_a_public_post_answers_privately_and_leaves_the_post_alone(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine, library: Library, store: Store
) -> None:
    daily = engine.tip_of_the_day(library.by_id[KAGGLE])
    posted = await adapter.poster.post(fake.channel_id, daily, nonce="daily-1")  # checked against the spec
    message = fake.messages[posted]
    assert not message["flags"] & p.EPHEMERAL
    private(await fake.press(message, vote_row(message)["👎 Not helpful"]))
    assert not fake.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}")
    assert store.votes.tallies() == {KAGGLE: Tally(up=0, down=1)}


async def test_a_refused_question_is_recorded_for_the_guild(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store
) -> None:
    private(await fake.command("what's a good pizza recipe"))
    assert store.questions.most_asked(platform="discord", workspace_id=fake.guild_id) == [
        QuestionCount("what s a good pizza recipe", 1)
    ]


async def test_stats_are_for_members_with_manage_server_only(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store
) -> None:
    first = await fake.command("kaggle")
    assert first.message is not None
    private(await fake.press(first.message, vote_row(first.callback["data"])["👎 Not helpful"]))
    refused = private(await fake.command("stats", by=someone("bo")))
    assert refused["content"] == "Sorry, only members with the Manage Server permission can see /mltip stats."
    data = private(await fake.command("stats"))  # Ada has Manage Server
    [embed] = data["embeds"]
    assert embed["title"] == "mltip stats for this server" and not embed_problems(embed)
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert fields["Least helpful"].endswith("👍 0 · 👎 1")
    assert fields["Asked here, not answered (last 90 days)"] == "“kaggle” × 1"
    assert fields["Daily posts, last 30 days"] == "No channel in this server has a tip of the day."
