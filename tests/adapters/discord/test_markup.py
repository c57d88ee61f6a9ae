"""User text shown on Discord renders literally: no markdown, no mentions, no links, wherever it appears.

Everything goes through the fake gateway and the real discord.py: a pause note in the status
everyone sees, member names, error replies that echo what was typed, echoed questions, and
autocomplete choices.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.store import Store
from tests.adapters.discord.limits import shown_text
from tests.adapters.discord.test_daily import (  # noqa: F401  (fixtures)
    adapter,
    answer,
    daily,
    member_without_manage_server,
    store,
)
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import FakeDiscord

WORDS = [
    "[click](https://evil.example)",
    "<@&123>",
    "<#456>",
    "@everyone",
    "**loud**",
    "__under__",
    "||hid||",
    "`code`",
    "<t:0:R>",
]
ATTACK = " ".join(WORDS)
# What Discord would turn into something other than the literal characters (escaped text, a
# backslash before the character, renders literally).
LIVE = re.compile(
    r"(?<!\\)\[[^\]]*\]\("  # a masked link
    r"|https?://"  # a bare link (auto-linked)
    r"|<[@#]|<t:|</"  # user, role and channel mentions, timestamps, command mentions
    r"|@(everyone|here)"
    r"|(?<!\\)(\*\*|__|~~|\|\||`)"  # bold, underline, strike, spoiler, code
    r"|^\s*(#{1,3}|-#|>|-)\s",  # a header, subtext, block quote or list item at a line start
    re.MULTILINE,
)


def live_markup(body: dict[str, Any]) -> list[str]:
    """Markup Discord would render anywhere in the displayed text of a message body."""
    return [match.group(0) for text in shown_text(body) for match in LIVE.finditer(text)]


def field(data: dict[str, Any], name: str) -> str:
    return str(next(f["value"] for f in data["embeds"][0]["fields"] if f["name"] == name))


async def test_a_pause_note_in_the_status_everyone_sees_renders_literally(
    fake: FakeDiscord,
    adapter: DiscordAdapter,  # noqa: F811
) -> None:
    answer(await daily(fake, "set", time="09:00", zone="Europe/Berlin"))
    answer(await daily(fake, "pause", note=ATTACK + "\n# HEADER\n> quoted"))
    status = answer(await fake.command("daily status", by=member_without_manage_server()))
    state = field(status, "State")
    assert "click" in state and "HEADER" in state  # still readable ...
    assert not live_markup(status), live_markup(status)  # ... but inert
    assert status["allowed_mentions"] == {"parse": []}


async def test_member_names_in_the_status_render_literally(
    fake: FakeDiscord,
    adapter: DiscordAdapter,  # noqa: F811
    store: Store,  # noqa: F811
) -> None:
    styled = p.member(p.user(p.snowflake(), "__bo__"), nick="**Bo**")  # usernames may hold _ and .
    answer(await daily(fake, "set", by=styled, time="09:00", zone="Europe/Berlin"))
    answer(await daily(fake, "pause", by=styled))
    status = answer(await daily(fake, "status"))
    assert "bo" in field(status, "Set up by") and "bo" in field(status, "State")
    assert not live_markup(status), live_markup(status)


@pytest.mark.parametrize(
    ("option", "value"), [("time", ATTACK), ("zone", "[x](https://evil.example)"), ("days", "<@&123>**loud**")]
)
async def test_an_error_reply_that_echoes_a_set_option_renders_literally(
    fake: FakeDiscord,
    adapter: DiscordAdapter,  # noqa: F811
    option: str,
    value: str,
) -> None:
    options = {"time": "09:00", option: value}
    data = answer(await daily(fake, "set", by=None, **options))  # by: named, so no option is taken for it
    assert data["content"] and ("evil" in data["content"] or "loud" in data["content"])
    assert not live_markup(data), (data["content"], live_markup(data))


@pytest.mark.parametrize("word", WORDS)
@pytest.mark.parametrize("before", ["daily", "daily 09:00"])
async def test_an_error_reply_to_a_typed_daily_command_renders_literally(
    fake: FakeDiscord,
    adapter: DiscordAdapter,  # noqa: F811
    before: str,
    word: str,
) -> None:
    data = answer(await fake.command(f"{before} {word}"))
    assert data["content"]
    assert not live_markup(data), (data["content"], live_markup(data))


async def test_an_echoed_question_renders_literally(fake: FakeDiscord, adapter: DiscordAdapter) -> None:  # noqa: F811
    data = (await fake.command("[zzqx](https://qqvx.zzqx) <@&123> **zzqx** ||qqvx||")).callback["data"]
    note = data["embeds"][0]["description"].split("\n\n")[0]  # then the topics there are
    assert note.startswith("*None of my lessons is close to") and "zzqx" in note
    assert not live_markup({"content": note.strip("*")}), note
    assert data["allowed_mentions"] == {"parse": []}


async def test_a_sharers_name_renders_literally(fake: FakeDiscord, adapter: DiscordAdapter) -> None:  # noqa: F811
    first = await fake.command("kaggle")
    assert first.message is not None
    buttons = [b for row in first.callback["data"]["components"] for b in row["components"]]
    share = next(b["custom_id"] for b in buttons if b["label"] == "Share")
    sharer = p.member(p.user(p.snowflake(), "mallory"), nick="[click](https://evil.example) <@&1>")
    data = (await fake.press(first.message, share, by=sharer)).callback["data"]
    footer = data["embeds"][0]["footer"]["text"]
    assert footer.startswith("Shared by ") and "click" in footer
    assert not live_markup({"content": footer}), footer


async def test_autocomplete_never_echoes_what_was_typed(fake: FakeDiscord, adapter: DiscordAdapter) -> None:  # noqa: F811
    choices = (await fake.autocomplete(ATTACK)).callback["data"]["choices"]
    assert all("evil" not in c["name"] and "<@" not in c["name"] for c in choices)
