"""The message shortcut "Find a lesson for this": a message's text becomes the question.

Slack sends a `message_action` with the message and a response_url; the answer goes back through
that response_url as an ephemeral message, so only the person who used the shortcut sees it (the
bot need not be in the channel for that). The text is always a question, never a command: a
message saying "daily off" or "help" is searched for like any other (engine.ask), and it is held
to the caps on a question (core/limits.py), as `/mltip` is.

Message text is Slack markup: mentions, channel links and URLs are reduced to words a person
would read (a link to its label, a mention to nothing) before searching, so `<@U123>` and a URL's
path are not taken for words of the question.
"""

from __future__ import annotations

import html
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.adapters.slack.listeners import PLATFORM
from bot.adapters.slack.render import notice, render
from bot.core.commands import CommandEngine
from bot.core.conversation import ask
from bot.core.feedback import Member
from bot.errors import CommandError

CALLBACK_ID = "mltip_find_lesson"
SHORTCUT_NAME = "Find a lesson for this"
# <@U123>, <#C123|general>, <!here>, <https://x|label>, <mailto:a@b|a@b>: Slack's markup.
MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def _readable(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith("#"):
        return label or ""  # a channel: its name
    if target.startswith(("@", "!")):
        return ""  # a person or a broadcast: not part of a question
    return label or ""  # a link: its label, if it has one


def question_of(message: dict[str, Any]) -> str:
    """The words of a message as a person reads them, for searching."""
    text = str(message.get("text") or "")
    return " ".join(html.unescape(MARKUP.sub(_readable, text)).split())


def add_shortcut_listeners(app: AsyncApp, engine: CommandEngine) -> None:
    """The message shortcut, answered privately through its response_url."""

    @app.shortcut(CALLBACK_ID)
    async def on_find_lesson(ack: AsyncAck, shortcut: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()  # within Slack's 3 seconds; searching may take longer the first time
        question = question_of(shortcut.get("message") or {})
        try:
            user = shortcut.get("user") or {}
            team = (shortcut.get("team") or {}).get("id") or user.get("team_id") or ""
            member = Member(platform=PLATFORM, workspace_id=team, user_id=user.get("id") or "")
            reply = await ask(engine, question, platform=PLATFORM, member=member)
        except CommandError as exc:
            await respond(response_type="ephemeral", replace_original=False, text=notice(str(exc)))
            return
        await respond(response_type="ephemeral", replace_original=False, **render(reply))
