"""Hostile input over signed HTTP into the running bolt app: odd button values, over-long questions."""

from __future__ import annotations

import json
import logging
import random
import string
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from bot.core.library import Library
from bot.core.limits import too_long
from tests.adapters.slack.harness import RunningBot, start_bot
from tests.adapters.stalls import SEARCH_SECONDS, SlowSearchEngine, longest_stall
from tests.fakes.slack_requests import block_actions_body, signed_headers, slash_command_body
from tests.fakes.slack_server import SIGNING_SECRET, FakeSlack

NOT_OURS = "That button is no longer valid. Try /mltip again."


@pytest.mark.parametrize(
    "value",
    [
        "another|²|kaggle",  # '²'.isdigit() is True, but int('²') raises
        "another|" + "9" * 5000 + "|kaggle",  # past int()'s 4,300-digit limit
        "another|١|kaggle",  # an Arabic-Indic digit: int() takes it, but no button of ours says it
        "another|1|" + "kaggle " * 2000,  # far longer than any payload we make
    ],
)
async def test_a_button_value_that_is_not_ours_is_refused_without_a_traceback(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await bot.press("mltip_another", value, bot.fake.response_url("odd"))
    assert response.status == 200
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    [(key, posted)] = bot.fake.responses
    assert key == "odd" and posted["text"] == NOT_OURS and posted["replace_original"] is False
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("kaggle " * 100, "699 characters"),
        ("a b " * 60, "120 words"),  # only 239 characters, but more words than any question needs
        ("daily pause " + "holidays " * 60, "551 characters"),  # a daily command is capped the same way
    ],
)
async def test_an_over_long_question_gets_a_clear_reply(bot: RunningBot, text: str, says: str) -> None:
    response = await bot.command(text)
    assert response.status == 200
    message = json.loads(await response.text())
    assert message["response_type"] == "ephemeral" and "blocks" not in message
    assert message["text"].startswith(f"That is too long for /mltip: {says}")
    assert "at most 500 characters and 100 words" in message["text"]
    assert "e.g. /mltip is kaggle worth it" in message["text"]


async def test_a_question_at_the_caps_is_answered(bot: RunningBot) -> None:
    at_the_cap = ("kaggle " * 100)[:500]
    message = json.loads(await (await bot.command(at_the_cap)).text())
    assert "Kaggle" in message["blocks"][0]["text"]["text"]


async def test_an_uncached_search_runs_off_the_event_loop(fake_slack: FakeSlack, library: Library) -> None:
    stop, task, url = await start_bot(fake_slack, SlowSearchEngine(library))
    async with aiohttp.ClientSession() as http:
        bot = RunningBot(url=url, fake=fake_slack, http=http)
        response, stall = await longest_stall(bot.command("kaggle"))
        message = json.loads(await response.text())
        assert "Kaggle" in message["blocks"][0]["text"]["text"]
        assert stall < SEARCH_SECONDS / 2, f"the event loop stalled {stall:.2f} s"
        # A new question for Another (as after a restart): a search again, off the loop again.
        _, stall = await longest_stall(bot.press("mltip_another", "another|1|papers", fake_slack.response_url("p")))
        await fake_slack.wait_for(lambda: bool(fake_slack.responses))
        assert fake_slack.responses[0][1]["replace_original"] is True
        assert stall < SEARCH_SECONDS / 2, f"the event loop stalled {stall:.2f} s"
        _, stall = await longest_stall(bot.command("kaggle"))  # remembered: answered in place, at once
        assert stall < SEARCH_SECONDS / 2
    stop.set()
    await task


def big_question(kb: int) -> str:
    return "".join(random.Random(kb).choices(string.ascii_lowercase, k=kb * 1024))


async def test_a_signed_command_bigger_than_any_request_gets_the_too_long_reply_before_bolt(bot: RunningBot) -> None:
    response = await bot.command(big_question(200))
    assert response.status == 200
    message = json.loads(await response.text())
    assert message == {"response_type": "ephemeral", "text": too_long("200 KB")}


async def test_a_command_under_the_body_limit_still_says_how_many_characters(bot: RunningBot) -> None:
    message = json.loads(await (await bot.command(big_question(50))).text())
    assert message["text"].startswith("That is too long for /mltip: 51,200 characters")


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: signed_headers("not-the-secret", body),
        lambda body: signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 301),
        lambda body: {**signed_headers(SIGNING_SECRET, body), "X-Slack-Request-Timestamp": "abc"},
        lambda body: {"Content-Type": "application/x-www-form-urlencoded"},
    ],
)
async def test_a_big_body_that_is_not_signed_is_refused(
    bot: RunningBot, headers: Callable[[str], dict[str, str]]
) -> None:
    body = slash_command_body(big_question(100), bot.fake.response_url("never"))
    response = await bot.post(body, headers(body))
    assert response.status == 401
    assert not bot.fake.responses and not bot.fake.calls


async def test_a_big_signed_body_that_is_no_command_is_refused(bot: RunningBot) -> None:
    body = block_actions_body("mltip_another", "another|1|" + big_question(100), bot.fake.response_url("never"))
    response = await bot.post(body, signed_headers(SIGNING_SECRET, body))
    assert response.status == 413
    assert not bot.fake.responses


async def test_a_big_body_sent_in_chunks_without_a_length_is_caught_too(bot: RunningBot) -> None:
    body = slash_command_body(big_question(100), bot.fake.response_url("never"))

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked transfer encoding
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192].encode()

    headers = signed_headers(SIGNING_SECRET, body)
    async with bot.http.post(f"{bot.url}/slack/events", data=chunks(), headers=headers) as response:
        assert response.request_info.headers.get("Transfer-Encoding") == "chunked"
        assert response.status == 200
        assert json.loads(await response.text()) == {"response_type": "ephemeral", "text": too_long("100 KB")}
