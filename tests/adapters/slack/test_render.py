"""Every reply renders to valid Block Kit within Slack's limits, and user text never pings."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.adapters.slack.render import render
from bot.core.commands import CommandEngine, Search, parse
from bot.core.daily import Daily
from bot.core.library import Library
from bot.core.limits import MAX_QUESTION_CHARS, MAX_QUESTION_WORDS
from bot.errors import CommandError

LIMITS = {"header": 150, "section": 3000, "button": 75}
PING = re.compile(r"<[!@#]")


def assert_valid(message: dict[str, Any]) -> None:
    assert message["text"] and len(message["blocks"]) <= 50
    for raw in message["blocks"]:
        Block.parse(raw).validate_json()  # type: ignore[union-attr]
        if raw["type"] == "header":
            assert len(raw["text"]["text"]) <= LIMITS["header"]
        if raw["type"] == "section":
            assert len(raw.get("text", {}).get("text", "")) <= LIMITS["section"]
        for element in raw.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= LIMITS["button"]
                assert len(element["value"]) <= 2000


def visible_text(message: dict[str, Any]) -> str:
    """Everything Slack would render (button values are never shown)."""
    shown = [message["text"]]
    for block in message["blocks"]:
        shown += [block.get("text", {}).get("text", "")]
        shown += [f["text"] for f in block.get("fields", [])]
        shown += [
            e.get("text", "") if isinstance(e.get("text"), str) else e.get("text", {}).get("text", "")
            for e in block.get("elements", [])
        ]
    return "\n".join(shown)


def test_every_lesson_renders_to_valid_block_kit(engine: CommandEngine, library: Library) -> None:
    for lesson in library.lessons:
        reply = engine.handle(Search(query=lesson.title))
        assert_valid(render(reply))
    for text in ("topics", "sources", "help", "", "zzqx qqv"):
        assert_valid(render(engine.run(text)))


def test_shared_messages_are_valid_too(engine: CommandEngine) -> None:
    reply = engine.run("papers")
    assert_valid(render(engine.press(reply.actions[1].payload, user="<@U999> & co")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=300)
    | st.lists(st.sampled_from(["<!channel>", "<!here>", "<@U1>", "<#C1>", "&", "kaggle", "x"])).map(" ".join)
)
def test_any_command_text_renders_without_a_crash_or_a_ping(engine: CommandEngine, text: str) -> None:
    if (
        len(text.strip()) > MAX_QUESTION_CHARS
        or len(text.split()) > MAX_QUESTION_WORDS
        or isinstance(parse(text), Daily)
    ):
        # Over-long text, and daily commands without a database here, answer with a CommandError,
        # which the adapter shows as plain text (tested in test_hostile_input.py, test_daily.py).
        with pytest.raises(CommandError):
            engine.run(text)
        return
    reply = engine.run(text)
    message = render(reply)
    assert_valid(message)
    assert not PING.search(visible_text(message)), visible_text(message)
    json.dumps(message)  # serialisable as sent
    for action in reply.actions:  # and the button behind it still works
        engine.press(action.payload, user="u")
