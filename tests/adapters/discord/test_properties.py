"""Property: whatever a member types (or is called), the bot answers, within limits, pinging nobody."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.adapters.discord import DiscordAdapter
from bot.core.daily import Daily
from bot.core.grammar import parse
from tests.adapters.discord.limits import component_problems, embed_problems, mentions_in
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import FakeDiscord

NASTY = ["@everyone", "@here", "<@123456789012345678>", "<@&123456789012345678>", "<@!1234567890123456789>", "**x**"]
# Text a Discord client can put in a string option: no lone surrogates, no control characters.
TYPED = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)
QUERIES = st.lists(st.one_of(TYPED, st.sampled_from(NASTY)), min_size=1, max_size=5).map(" ".join)
NAMES = st.one_of(st.sampled_from(NASTY), TYPED.filter(str.strip))

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(query=QUERIES)
async def test_any_query_gets_a_safe_answer(fake: FakeDiscord, adapter: DiscordAdapter, query: str) -> None:
    # "mltip daily ..." is the tip of the day (test_daily.py); this adapter has no database, so it
    # would rightly answer in words that the tip of the day is not available here.
    assume(not isinstance(parse(query), Daily))
    exchange = await fake.command(query)
    assert exchange.callback["type"] == 4  # never a crash, never an apology
    data = exchange.callback["data"]
    assert data["allowed_mentions"] == {"parse": []}
    assert not data.get("content")
    assert not embed_problems(data["embeds"][0])
    assert not component_problems(data.get("components", []))
    assert not mentions_in(data), data


@PROPERTY
@given(current=QUERIES)
async def test_any_partial_query_gets_valid_choices(fake: FakeDiscord, adapter: DiscordAdapter, current: str) -> None:
    choices = (await fake.autocomplete(current)).callback["data"]["choices"]
    assert len(choices) <= 25
    assert all(1 <= len(c["name"]) <= 100 and 1 <= len(c["value"]) <= 100 for c in choices)


@PROPERTY
@given(nick=NAMES)
async def test_whoever_shares_pings_nobody(fake: FakeDiscord, adapter: DiscordAdapter, nick: str) -> None:
    lesson = (await fake.command("kaggle")).message
    assert lesson is not None
    share = next(b["custom_id"] for row in lesson["components"] for b in row["components"] if b["label"] == "Share")
    sharer = p.member(p.user(p.snowflake(), "someone"), nick=nick[:32])
    data = (await fake.press(lesson, share, by=sharer)).callback["data"]
    assert data["allowed_mentions"] == {"parse": []}
    assert not mentions_in(data), data
    assert not embed_problems(data["embeds"][0])
