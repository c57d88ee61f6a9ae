"""Through the gateway and back: autocomplete, /mltip, each button, restarts and errors."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.core.commands import CommandEngine
from bot.core.replies import Reply
from tests.adapters.discord.harness import StartAdapter
from tests.adapters.discord.limits import LINK_STYLE, component_problems, embed_problems, link_buttons
from tests.fakes import discord_payloads as p
from tests.fakes.discord_payloads import JSON
from tests.fakes.discord_server import FakeDiscord

CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 4, 7, 8
NO_MENTIONS: JSON = {"parse": []}


def buttons(data: JSON) -> dict[str, str]:
    """label -> custom_id of the action buttons in a message body (link buttons have none)."""
    rows = data.get("components", [])
    return {b["label"]: b["custom_id"] for row in rows for b in row["components"] if b["style"] != LINK_STYLE}


def assert_links_to(data: JSON, url: str | None) -> None:
    """The body has one link-style button to `url`, within Discord's spec: style 5, a url, no custom_id."""
    [link] = link_buttons(data)
    assert link["style"] == 5 and link["url"] == url and "custom_id" not in link
    assert link["label"] == "Read the original"


async def test_autocomplete_offers_topics_and_lesson_titles(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    exchange = await fake.autocomplete("kag")
    assert exchange.callback["type"] == AUTOCOMPLETE_RESULT
    choices = exchange.callback["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert choices[0]["value"] == "kaggle"  # the topic first
    assert any("Kaggle" in c["value"] for c in choices[1:])  # then lesson titles
    assert all(1 <= len(c["name"]) <= 100 and 1 <= len(c["value"]) <= 100 for c in choices)


async def test_autocomplete_on_an_empty_option_lists_the_keywords_first(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    choices = (await fake.autocomplete("")).callback["data"]["choices"]
    assert [c["value"] for c in choices[:3]] == ["topics", "sources", "help"]
    assert len(choices) == 25


async def test_mltip_kaggle_answers_privately_with_iglovikovs_advice(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine
) -> None:
    exchange = await fake.command("kaggle")
    assert exchange.callback["type"] == CHANNEL_MESSAGE
    data = exchange.callback["data"]
    assert data["flags"] & p.EPHEMERAL
    assert data["allowed_mentions"] == NO_MENTIONS
    [embed] = data["embeds"]
    best = engine.best("kaggle")[0]
    assert embed["title"] == best.title and "Kaggle" in embed["title"]
    assert embed["author"]["name"].startswith("Vladimir Iglovikov — ")
    assert f"> “{best.quote}”" in embed["description"]
    assert buttons(data) == {
        "Another": "mltip:another|1|kaggle",
        "Share": f"mltip:share|{best.id}",
        "👍 Helpful": f"mltip:vote|up|{best.id}|kaggle",
        "👎 Not helpful": f"mltip:vote|down|{best.id}|kaggle",
    }
    assert_links_to(data, best.original_url)  # as the fake received it (and checked it against the spec)
    assert [b["label"] for b in data["components"][0]["components"]] == ["Another", "Share", "Read the original"]
    assert [b["label"] for b in data["components"][1]["components"]] == ["👍 Helpful", "👎 Not helpful"]
    assert not embed_problems(embed) and not component_problems(data["components"])


@pytest.mark.parametrize("query", ["topics", "sources", "help"])
async def test_keywords_answer_with_fields(fake: FakeDiscord, adapter: DiscordAdapter, query: str) -> None:
    data = (await fake.command(query)).callback["data"]
    assert data["flags"] & p.EPHEMERAL and data["embeds"][0]["fields"]
    assert "components" not in data or not data["components"]


async def test_mltip_without_a_query_gives_a_lesson(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    data = (await fake.command()).callback["data"]
    assert set(buttons(data)) == {"Another", "Share", "👍 Helpful", "👎 Not helpful"}


async def test_another_pages_the_private_answer_to_the_next_lesson(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine
) -> None:
    first = await fake.command("kaggle")
    assert first.message is not None
    second = await fake.press(first.message, buttons(first.callback["data"])["Another"])
    assert second.callback["type"] == UPDATE_MESSAGE  # edits the ephemeral message in place
    data = second.callback["data"]
    assert data["embeds"][0]["title"] == engine.best("kaggle")[1].title
    assert data["allowed_mentions"] == NO_MENTIONS
    assert buttons(data)["Another"] == "mltip:another|2|kaggle"


async def test_share_posts_publicly_saying_who_shared(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine
) -> None:
    first = await fake.command("kaggle")
    assert first.message is not None
    shared = await fake.press(first.message, buttons(first.callback["data"])["Share"])
    assert shared.callback["type"] == CHANNEL_MESSAGE
    data = shared.callback["data"]
    assert not data.get("flags", 0) & p.EPHEMERAL  # the whole channel sees it
    assert data["allowed_mentions"] == NO_MENTIONS
    [embed] = data["embeds"]
    assert embed["title"] == engine.best("kaggle")[0].title
    assert embed["footer"]["text"].startswith("Shared by Ada · ")  # the member's display name, not a mention
    assert set(buttons(data)) == {"👍 Helpful", "👎 Not helpful"}  # anyone in the channel may vote
    assert_links_to(data, engine.best("kaggle")[0].original_url)  # the channel can read the original too


async def test_share_by_a_member_named_everyone_pings_nobody(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    first = await fake.command("kaggle")
    assert first.message is not None
    troll = p.member(p.user(p.snowflake(), "troll"), nick="@everyone")
    data = (await fake.press(first.message, buttons(first.callback["data"])["Share"], by=troll)).callback["data"]
    assert "@everyone" not in data["embeds"][0]["footer"]["text"]
    assert data["allowed_mentions"] == NO_MENTIONS


async def test_another_under_a_public_post_answers_privately(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine
) -> None:
    posted = await adapter.poster.post(fake.channel_id, engine.run("papers"), nonce="daily-1")  # the daily tip
    message = fake.messages[posted]
    exchange = await fake.press(message, buttons(message)["Another"])
    assert exchange.callback["type"] == CHANNEL_MESSAGE  # a new private answer, not an edit of everyone's post
    assert exchange.callback["data"]["flags"] & p.EPHEMERAL


async def test_a_button_pressed_after_a_restart_still_works(
    fake: FakeDiscord, start_adapter: StartAdapter, engine: CommandEngine
) -> None:
    before = await start_adapter()
    first = await fake.command("kaggle")
    assert first.message is not None
    await before.close()

    await start_adapter()  # as after a restart: a new client that never saw that message
    second = await fake.press(first.message, buttons(first.callback["data"])["Another"])
    assert second.callback["type"] == UPDATE_MESSAGE
    assert second.callback["data"]["embeds"][0]["title"] == engine.best("kaggle")[1].title


async def test_a_stale_button_says_so(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    stale = "mltip:share|a-lesson-that-was-removed"
    exchange = await fake.press(ephemeral_message_with_button(fake, stale), stale)
    assert exchange.callback["type"] == CHANNEL_MESSAGE
    data = exchange.callback["data"]
    assert data["content"] == "That lesson is no longer available. Try /mltip again."
    assert data["flags"] & p.EPHEMERAL and data["allowed_mentions"] == NO_MENTIONS


async def test_buttons_that_are_not_ours_are_left_alone(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    message = ephemeral_message_with_button(fake, "poll:vote|1")
    data = {"custom_id": "poll:vote|1", "component_type": p.BUTTON}
    with pytest.raises(AssertionError, match="never answered"):  # another app's button is none of our business
        await fake.interact(p.COMPONENT, data, message_data=message, timeout=0.3)
    assert (await fake.command("kaggle")).callback["type"] == CHANNEL_MESSAGE  # and nothing broke


def ephemeral_message_with_button(fake: FakeDiscord, custom_id: str) -> dict[str, Any]:
    """A message as Discord would hold it, with one button."""
    row = {"type": 1, "components": [{"type": 2, "style": 2, "label": "Another", "custom_id": custom_id}]}
    body = {"embeds": [{"title": "earlier"}], "components": [row], "flags": p.EPHEMERAL}
    return p.message(p.snowflake(), fake.channel_id, fake.bot_user, body, guild_id=fake.guild_id, kind=20)


class BrokenEngine(CommandEngine):
    """An engine with a bug, to reach the one error handler the way a real bug would."""

    def run(self, text: str, **where: Any) -> Reply:
        raise RuntimeError("bug in run")

    def press(self, payload: str, **where: Any) -> Reply:
        raise RuntimeError("bug in press")


@pytest.mark.parametrize("where", ["command", "button"])
async def test_an_unexpected_error_is_apologised_for_and_logged_with_context(
    fake: FakeDiscord, start_adapter: StartAdapter, engine: CommandEngine, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    caplog.set_level(logging.DEBUG)  # everything, discord.py's own debug lines included
    await start_adapter(with_engine=BrokenEngine(engine.library))
    if where == "command":
        exchange = await fake.command("kaggle")
    else:
        exchange = await fake.press(
            ephemeral_message_with_button(fake, "mltip:another|1|kaggle"), "mltip:another|1|kaggle"
        )
    data = exchange.callback["data"]
    assert data["content"].startswith("Sorry, something went wrong")
    assert data["flags"] & p.EPHEMERAL and data["allowed_mentions"] == NO_MENTIONS

    [record] = [r for r in caplog.records if r.name == "mltip.discord" and r.levelno == logging.ERROR]
    assert record.exc_info is not None and "bug in" in str(record.exc_info[1])
    message = record.getMessage()
    for key, value in (("guild", fake.guild_id), ("channel", fake.channel_id), ("user", fake.member["user"]["id"])):
        assert f"{key}={value}" in message and str(getattr(record, key)) == value
    assert exchange.interaction["token"] not in message
    assert fake.token not in caplog.text  # nor anywhere in any log line


async def test_an_off_topic_question_offers_a_random_lesson_that_survives_a_restart(
    fake: FakeDiscord, start_adapter: StartAdapter
) -> None:
    before = await start_adapter()
    first = await fake.command("what's a good pizza recipe")
    data = first.callback["data"]
    [embed] = data["embeds"]
    assert embed["title"] == "I don't have a lesson on that" and "“what's a good pizza recipe”" in embed["description"]
    assert buttons(data) == {"Show me a random lesson": "mltip:another|~|"}
    assert not embed_problems(embed) and not component_problems(data["components"])
    assert first.message is not None
    await before.close()

    await start_adapter()
    second = await fake.press(first.message, buttons(data)["Show me a random lesson"])
    assert second.callback["type"] == UPDATE_MESSAGE
    assert set(buttons(second.callback["data"])) == {"Another", "Share", "👍 Helpful", "👎 Not helpful"}
