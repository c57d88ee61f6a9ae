"""Every reply renders to valid Block Kit within Slack's limits, and user text never pings."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot.adapters.slack.render import LINK_ACTION_ID, render
from bot.core.commands import CommandEngine
from bot.core.daily import Daily
from bot.core.feedback import Stats
from bot.core.grammar import Search, decode_action, parse
from bot.core.library import Library
from bot.core.limits import MAX_QUESTION_CHARS, MAX_QUESTION_WORDS
from bot.core.replies import ActionKind
from bot.errors import CommandError

LIMITS = {"header": 150, "section": 3000, "button": 75, "url": 3000}
PING = re.compile(r"<[!@#]")


def assert_valid(message: dict[str, Any]) -> None:
    assert message["text"] and len(message["blocks"]) <= 50
    for raw in message["blocks"]:
        block = Block.parse(raw)
        assert block is not None
        block.validate_json()
        for element in getattr(block, "elements", None) or []:  # a block does not check its elements
            element.validate_json()
        if raw["type"] == "header":
            assert len(raw["text"]["text"]) <= LIMITS["header"]
        if raw["type"] == "section":
            assert len(raw.get("text", {}).get("text", "")) <= LIMITS["section"]
        for element in raw.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= LIMITS["button"]
                if "url" in element:  # a link: Slack opens it, and it carries no value
                    assert element["url"].startswith("https://") and len(element["url"]) <= LIMITS["url"]
                    assert "value" not in element
                else:
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


def link_button(message: dict[str, Any]) -> dict[str, Any] | None:
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    found = [e for block in actions for e in block["elements"] if e["action_id"] == LINK_ACTION_ID]
    assert len(found) <= 1
    return found[0] if found else None


def test_every_lesson_renders_to_valid_block_kit(engine: CommandEngine, library: Library) -> None:
    for lesson in library.lessons:
        assert_valid(render(engine.handle(Search(query=lesson.title))))
        # Every lesson, whatever search ranks first: as a tip (with buttons) and shared (without).
        for reply in (engine.tip_of_the_day(lesson), engine.press(f"share|{lesson.id}", user="Ada")):
            message = render(reply)
            assert_valid(message)
            button = link_button(message)
            assert button is not None, lesson.id
            assert button["url"] == lesson.original_url and button["text"]["text"] == "Read the original"
    for text in ("topics", "sources", "help", "", "zzqx qqv"):
        assert_valid(render(engine.run(text)))


def test_the_link_follows_the_buttons_and_a_podcast_lesson_links_to_its_moment(
    engine: CommandEngine, library: Library
) -> None:
    lesson = library.by_id["eric-researchers-deploy-past-the-notebook"]
    message = render(engine.tip_of_the_day(lesson))
    labels = [e["text"]["text"] for e in message["blocks"][-2]["elements"]]
    assert labels == ["Another", "Share", "Read the original"]
    assert message["blocks"][-2]["elements"][-1]["url"] == "https://www.youtube.com/watch?v=d9xVXqKq3sU&t=2748s"
    assert [e["text"]["text"] for e in message["blocks"][-1]["elements"]] == ["👍 Helpful", "👎 Not helpful"]


def test_a_reply_without_a_lesson_has_no_link_and_slack_refuses_a_bad_one(engine: CommandEngine) -> None:
    assert link_button(render(engine.run("topics"))) is None
    # The validation really runs on a link button: the same message with an oversized url fails.
    message = render(engine.run("kaggle"))
    assert_valid(message)
    button = message["blocks"][-2]["elements"][-1]
    oversized = {**button, "url": "https://example.org/" + "a" * 3000}
    broken = {**message, "blocks": [*message["blocks"][:-2], {"type": "actions", "elements": [oversized]}]}
    with pytest.raises(SlackObjectFormationError):
        assert_valid(broken)


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
        or isinstance(parse(text), Daily | Stats)
    ):
        # Over-long text, and daily and stats commands without a database here, answer with a
        # CommandError, which the adapter shows as plain text (test_hostile_input.py, test_daily.py).
        with pytest.raises(CommandError):
            engine.run(text)
        return
    reply = engine.run(text)
    message = render(reply)
    assert_valid(message)
    assert not PING.search(visible_text(message)), visible_text(message)
    json.dumps(message)  # serialisable as sent
    for action in reply.actions:  # and the button behind it still works (votes need a database)
        if action.kind in (ActionKind.HELPFUL, ActionKind.NOT_HELPFUL):
            assert decode_action(action.payload, user="u") is not None
        else:
            engine.press(action.payload, user="u")
