"""/mltip over signed HTTP requests into the running bolt app, answered from the fake Slack."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.core.commands import CommandEngine
from bot.core.replies import Reply
from tests.adapters.slack.harness import RunningBot, start_bot
from tests.fakes.slack_requests import sign, signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack

SLACK_DOC_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
    "channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
    "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
    "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


class FixedClock:
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


class CountingEngine(CommandEngine):
    """The real engine, counting how often a listener reached it."""

    calls = 0

    def run(self, text: str, **where: Any) -> Reply:
        CountingEngine.calls += 1
        return super().run(text, **where)


def test_slacks_documented_signing_example() -> None:
    assert sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, SLACK_DOC_BODY) == SLACK_DOC_SIGNATURE
    verifier = SignatureVerifier("8f742231b10e8888abcd99yyyzzz85a5", clock=FixedClock(1531420618))  # type: ignore[arg-type]
    assert verifier.is_valid(SLACK_DOC_BODY, "1531420618", SLACK_DOC_SIGNATURE)


async def test_signed_mltip_kaggle_gets_iglovikovs_kaggle_advice_ephemerally(
    bot: RunningBot, engine: CommandEngine
) -> None:
    response = await bot.command("kaggle")
    assert response.status == 200
    message = json.loads(await response.text())
    assert message["response_type"] == "ephemeral"
    assert message["blocks"][0]["type"] == "header" and "Kaggle" in message["blocks"][0]["text"]["text"]
    credit = json.dumps(message["blocks"])
    assert "Vladimir Iglovikov" in credit and "Kaggle" in message["text"]
    buttons = message["blocks"][-2]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Another", "Share", "Read the original"]
    assert buttons[-1]["url"] == engine.best("kaggle")[0].original_url and "value" not in buttons[-1]
    votes = message["blocks"][-1]["elements"]  # a row of their own, under the lesson's other buttons
    assert [b["text"]["text"] for b in votes] == ["👍 Helpful", "👎 Not helpful"]
    lesson = engine.best("kaggle")[0].id
    assert [b["value"] for b in votes] == [f"vote|up|{lesson}|kaggle", f"vote|down|{lesson}|kaggle"]


async def test_the_quote_is_a_block_quote_and_the_credit_a_context_line(bot: RunningBot) -> None:
    message = json.loads(await (await bot.command("is kaggle worth it")).text())
    types = [b["type"] for b in message["blocks"]]
    assert types == ["header", "section", "section", "context", "actions", "actions"]
    assert message["blocks"][2]["text"]["text"].startswith("> ")
    assert "Lyft" in message["blocks"][3]["elements"][0]["text"]


@pytest.mark.parametrize("text", ["topics", "sources", "help"])
async def test_listings_render_as_readable_blocks(bot: RunningBot, text: str) -> None:
    message = json.loads(await (await bot.command(text)).text())
    assert message["blocks"][0]["type"] == "header"
    assert any(b["type"] == "section" and b.get("fields") for b in message["blocks"])


async def test_a_forged_signature_is_refused_and_no_listener_runs(fake_slack: FakeSlack, library: object) -> None:
    from bot.core.library import Library

    assert isinstance(library, Library)
    engine = CountingEngine(library)
    stop, task, url = await start_bot(fake_slack, engine)
    import aiohttp

    body = slash_command_body("kaggle", fake_slack.response_url())
    forged = signed_headers("not-the-secret", body)
    stale = signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 301)
    async with aiohttp.ClientSession() as http:
        for headers in (forged, stale, {"Content-Type": "application/x-www-form-urlencoded"}):
            async with http.post(f"{url}/slack/events", data=body, headers=headers) as response:
                assert response.status == 401
        assert CountingEngine.calls == 0
        async with http.post(f"{url}/slack/events", data=body, headers=signed_headers(SIGNING_SECRET, body)) as ok:
            assert ok.status == 200
        assert CountingEngine.calls == 1
    stop.set()
    await task


async def test_another_replaces_the_message_with_the_next_match(bot: RunningBot, engine: CommandEngine) -> None:
    first = json.loads(await (await bot.command("kaggle")).text())
    another = first["blocks"][-2]["elements"][0]
    url = bot.fake.response_url("another")
    assert (await bot.press(another["action_id"], another["value"], url)).status == 200
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    key, posted = bot.fake.responses[0]
    assert key == "another" and posted["replace_original"] is True and posted["response_type"] == "ephemeral"
    assert posted["blocks"][0]["text"]["text"] == engine.best("kaggle")[1].title


async def test_read_the_original_is_acknowledged_and_answered_by_nobody(bot: RunningBot) -> None:
    first = json.loads(await (await bot.command("kaggle")).text())
    link = first["blocks"][-2]["elements"][-1]
    assert link["text"]["text"] == "Read the original"
    # Slack opens the link itself, but still tells the app; without an ack the user sees a warning.
    clicked = await bot.press(link["action_id"], None, bot.fake.response_url("link"), url=link["url"])
    assert clicked.status == 200 and await clicked.text() == ""
    # A later press is answered; by then the click would have been too, had it been answered at all.
    another = first["blocks"][-2]["elements"][0]
    await bot.press(another["action_id"], another["value"], bot.fake.response_url("another"))
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    assert [key for key, _ in bot.fake.responses] == ["another"]


async def test_share_posts_the_lesson_in_the_channel_attributed(bot: RunningBot) -> None:
    first = json.loads(await (await bot.command("papers")).text())
    share = first["blocks"][-2]["elements"][1]
    await bot.press(share["action_id"], share["value"], bot.fake.response_url("share"))
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    _, posted = bot.fake.responses[0]
    assert posted["response_type"] == "in_channel" and posted["replace_original"] is False
    assert posted["blocks"][0]["text"]["text"] == first["blocks"][0]["text"]["text"]
    assert "Shared by ana" in json.dumps(posted["blocks"])
    # Everyone in the channel can read the original too, and say whether the lesson helped them.
    [link] = posted["blocks"][-2]["elements"]
    assert link["url"] == first["blocks"][-2]["elements"][-1]["url"]
    assert [b["text"]["text"] for b in posted["blocks"][-1]["elements"]] == ["👍 Helpful", "👎 Not helpful"]


async def test_a_stale_button_gets_a_helpful_answer(bot: RunningBot) -> None:
    await bot.press("mltip_share", "share|no-such-lesson", bot.fake.response_url())
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    assert "no longer available" in bot.fake.responses[0][1]["text"]


async def test_echoed_text_cannot_ping_anyone(bot: RunningBot) -> None:
    # Nothing matches, so the reply echoes the question back ("Nothing close to ...").
    message = json.loads(await (await bot.command("<!here> <@U123> <!subteam^S1> zzqx & qqv")).text())
    sent = json.dumps(message)
    assert "<!here>" not in sent and "<@U123>" not in sent and "<!subteam" not in sent
    assert "&lt;!here&gt; &lt;@U123&gt;" in sent


class BrokenEngine(CommandEngine):
    def run(self, text: str, **where: Any) -> Reply:
        raise RuntimeError("the index fell over")


async def test_an_unexpected_error_apologises_and_logs_context_without_the_token(
    fake_slack: FakeSlack, library: object, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.core.library import Library

    assert isinstance(library, Library)
    stop, task, url = await start_bot(fake_slack, BrokenEngine(library))
    import aiohttp

    caplog.set_level(logging.DEBUG)
    body = slash_command_body("kaggle", fake_slack.response_url("oops"))
    async with aiohttp.ClientSession() as http:
        await http.post(f"{url}/slack/events", data=body, headers=signed_headers(SIGNING_SECRET, body))
    await fake_slack.wait_for(lambda: bool(fake_slack.responses))
    assert "Sorry, something went wrong" in fake_slack.responses[0][1]["text"]
    failure = next(r for r in caplog.records if r.name == "mltip.slack")
    assert failure.levelno == logging.ERROR and failure.__dict__["channel"] == "C0GENERAL"
    assert failure.__dict__["workspace"] == "T0FAKE" and failure.__dict__["command"] == "/mltip"
    assert all(BOT_TOKEN not in r.getMessage() for r in caplog.records)
    stop.set()
    await task
