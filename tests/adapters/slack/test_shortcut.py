"""The message shortcut "Find a lesson for this", over signed HTTP: answered privately, or refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.adapters.slack.shortcut import question_of
from bot.core.commands import CommandEngine
from tests.adapters.slack.harness import RunningBot
from tests.fakes.slack_requests import message_action, payload_body, signed_headers
from tests.fakes.slack_server import SIGNING_SECRET


async def use_shortcut(bot: RunningBot, text: str, **fields: str) -> dict[str, Any]:
    """Use the shortcut on a message saying `text`; what the bot sent to the response_url."""
    key = f"shortcut-{len(bot.fake.responses)}"
    body = payload_body(message_action(text, bot.fake.response_url(key), **fields))
    response = await bot.post(body, signed_headers(SIGNING_SECRET, body))
    assert response.status == 200 and await response.text() == ""  # an empty ack
    await bot.fake.wait_for(lambda: any(k == key for k, _ in bot.fake.responses))
    return next(message for k, message in bot.fake.responses if k == key)


async def test_the_message_becomes_the_question_and_the_answer_is_private(
    bot: RunningBot, engine: CommandEngine
) -> None:
    message = await use_shortcut(bot, "<@U0BEA> is <https://kaggle.com|kaggle> worth it?")
    assert message["response_type"] == "ephemeral" and message["replace_original"] is False
    expected = engine.ask("is kaggle worth it?")
    assert expected.lesson is not None
    assert message["blocks"][0]["text"]["text"] == expected.title
    rows = [block for block in message["blocks"] if block["type"] == "actions"]
    buttons = {e["action_id"]: e for row in rows for e in row["elements"]}
    assert buttons["mltip_share"]["value"] == f"share|{expected.lesson.id}"


async def test_a_message_that_reads_like_a_command_is_still_a_question(bot: RunningBot) -> None:
    message = await use_shortcut(bot, "daily off")
    assert message["response_type"] == "ephemeral"
    assert not message["blocks"][0]["text"]["text"].startswith("Tip of the day")


async def test_no_lesson_close_is_said_honestly_and_privately(bot: RunningBot) -> None:
    message = await use_shortcut(bot, "what should we order for lunch on friday")
    assert message["response_type"] == "ephemeral"
    assert message["blocks"][0]["text"]["text"] == "I don't have a lesson on that"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("ml " * 101, "That is too long for /mltip: 101 words"),
        ("x" * 600, "That is too long for /mltip: 600 characters"),
        ("<@U0BEA> <https://example.com/kaggle>", "There is no text there to find a lesson for."),
    ],
)
async def test_what_is_no_question_gets_a_clear_private_answer(bot: RunningBot, text: str, answer: str) -> None:
    message = await use_shortcut(bot, text)
    assert message["response_type"] == "ephemeral" and message["text"].startswith(answer)


async def test_a_forged_shortcut_is_refused_and_nothing_is_answered(bot: RunningBot) -> None:
    body = payload_body(message_action("is kaggle worth it", bot.fake.response_url("forged")))
    response = await bot.post(body, signed_headers("not-the-secret", body))
    assert response.status == 401
    unsigned = await bot.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert unsigned.status == 401
    await asyncio.sleep(0.2)  # time for a wrongly run listener to answer
    assert not bot.fake.responses and not bot.fake.calls


def test_slack_markup_is_read_as_a_person_reads_it() -> None:
    assert question_of({"text": "<#C1|papers> &amp; <!here> <mailto:a@b.c|mail> <https://x.y>"}) == "papers & mail"
    assert question_of({}) == ""
