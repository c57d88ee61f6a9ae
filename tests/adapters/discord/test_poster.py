"""DiscordPoster.post(): the daily tip as a channel message, deduplicated by nonce, errors sorted for the scheduler."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.poster import short_nonce
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.errors import (
    ChannelDeliveryError,
    DeliveryError,
    InstallationError,
    TransientDeliveryError,
)
from tests.adapters.discord.limits import component_problems, embed_problems, link_buttons
from tests.fakes.discord_server import FakeDiscord

MESSAGES = "/channels/{channel_id}/messages"


async def test_post_sends_the_embed_with_nonce_and_no_mentions(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine
) -> None:
    reply = engine.run("papers")
    message_id = await adapter.poster.post(fake.channel_id, reply, nonce="2026-11-22:guild:chan")
    [request] = fake.requests_to("POST", MESSAGES)
    body = request.json
    assert request.path == f"/channels/{fake.channel_id}/messages"
    assert body["nonce"] == "2026-11-22:guild:chan" and body["enforce_nonce"] is True
    assert body["allowed_mentions"] == {"parse": []}
    assert body["embeds"][0]["title"] == reply.title
    assert not embed_problems(body["embeds"][0]) and not component_problems(body["components"])
    assert fake.messages[message_id]["channel_id"] == fake.channel_id


async def test_a_repeated_nonce_returns_the_first_message(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine
) -> None:
    reply = engine.run("papers")
    first = await adapter.poster.post(fake.channel_id, reply, nonce="retry-me")
    again = await adapter.poster.post(fake.channel_id, reply, nonce="retry-me")
    assert first == again
    assert len(fake.requests_to("POST", MESSAGES)) == 2 and len(fake.messages) == 1


async def test_a_daily_post_links_a_podcast_lesson_to_its_moment(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine
) -> None:
    lesson = engine.library.by_id["eric-researchers-deploy-past-the-notebook"]
    await adapter.poster.post(fake.channel_id, engine.tip_of_the_day(lesson), nonce="daily-eric")
    [request] = fake.requests_to("POST", MESSAGES)
    # What the fake received, checked against Discord's OpenAPI spec by the fixture: a link-style
    # button (style 5) with a url and no custom_id, beside Another and Share.
    [link] = link_buttons(request.json)
    assert link == {"type": 2, "style": 5, "label": "Read the original", "url": lesson.url, "disabled": False}
    assert lesson.url == "https://www.youtube.com/watch?v=d9xVXqKq3sU&t=2748s"
    labels = [b["label"] for b in request.json["components"][0]["components"]]
    assert labels == ["Another", "Share", "Read the original"]


def test_a_long_nonce_is_shortened_stably_to_discords_25_characters() -> None:
    long = "daily:" + "x" * 80
    assert len(short_nonce(long)) == 25 and short_nonce(long) == short_nonce(long)
    assert short_nonce(long) != short_nonce(long + "y")
    assert short_nonce("short") == "short"


async def test_a_429_is_waited_out_and_retried(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine
) -> None:
    fake.fail("POST", MESSAGES, 429, retry_after=0.3)
    started = time.monotonic()
    message_id = await adapter.poster.post(fake.channel_id, engine.run("papers"), nonce="n-429")
    assert time.monotonic() - started >= 0.3  # discord.py honoured retry_after
    assert [r.status for r in fake.requests_to("POST", MESSAGES)] == [429, 200]
    assert message_id in fake.messages


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, InstallationError),
        (403, ChannelDeliveryError),
        (404, ChannelDeliveryError),
        (503, TransientDeliveryError),
        (400, DeliveryError),
    ],
)
async def test_failures_map_to_delivery_errors(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine, status: int, error: type[DeliveryError]
) -> None:
    fake.fail("POST", MESSAGES, status)
    with pytest.raises(error) as caught:
        await adapter.poster.post(fake.channel_id, engine.run("papers"), nonce=f"n-{status}")
    assert type(caught.value) is error
    assert str(status) in caught.value.reason


async def test_an_unknown_channel_is_a_channel_error(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine
) -> None:
    with pytest.raises(ChannelDeliveryError, match="10003"):
        await adapter.poster.post("123456789012345678", engine.run("papers"), nonce="n")
    with pytest.raises(ChannelDeliveryError):
        await adapter.poster.post("general", engine.run("papers"), nonce="n")


async def test_a_stalled_discord_is_a_transient_error(
    fake: FakeDiscord, settings: Settings, engine: CommandEngine
) -> None:
    adapter = DiscordAdapter(settings, engine, identify_delay=0.0, post_timeout=0.2)
    await adapter.start()
    try:
        fake.fail("POST", MESSAGES, 0, retry_after=0.6)  # answers, but too late
        with pytest.raises(TransientDeliveryError, match="did not answer"):
            await adapter.poster.post(fake.channel_id, engine.run("papers"), nonce="n-stall")
    finally:
        await adapter.close()


async def test_post_before_start_is_a_transient_error(
    fake: FakeDiscord, settings: Settings, engine: CommandEngine
) -> None:
    adapter = DiscordAdapter(settings, engine)
    with pytest.raises(TransientDeliveryError):
        await adapter.poster.post(fake.channel_id, engine.run("papers"), nonce="n")


@pytest.mark.parametrize("scope", ["user", "global"])
async def test_429s_beyond_discord_py_s_own_retries_are_transient_with_their_retry_after(
    fake: FakeDiscord, adapter: DiscordAdapter, engine: CommandEngine, scope: str
) -> None:
    # discord.py tries a request five times, sleeping each retry_after, then raises the last 429.
    fake.fail("POST", MESSAGES, 429, times=5, retry_after=0.05, scope=scope)
    with pytest.raises(TransientDeliveryError) as caught:
        await adapter.poster.post(fake.channel_id, engine.run("papers"), nonce="n-burst")
    assert caught.value.retry_after == pytest.approx(0.05)
    assert "429" in caught.value.reason and "rate limited" in caught.value.reason
    assert [r.status for r in fake.requests_to("POST", MESSAGES)] == [429] * 5


async def test_a_post_timing_out_during_a_global_429_does_not_jam_later_posts(
    fake: FakeDiscord, settings: Settings, engine: CommandEngine
) -> None:
    # discord.py closes its global gate while it sleeps out a global 429; a post cancelled in
    # that sleep would leave the gate closed, and every later request would wait forever.
    adapter = DiscordAdapter(settings, engine, identify_delay=0.0, post_timeout=0.3)
    await adapter.start()
    try:
        fake.fail("POST", MESSAGES, 429, retry_after=0.6, scope="global")
        with pytest.raises(TransientDeliveryError, match="did not answer"):
            await adapter.poster.post(fake.channel_id, engine.run("papers"), nonce="n-gate")
        await asyncio.sleep(0.5)  # past the 429's retry_after: the gate must be open again
        later = await asyncio.wait_for(adapter.poster.post(fake.channel_id, engine.run("kaggle"), nonce="n-later"), 3.0)
        assert later in fake.messages
        # The timed-out post went on by itself once the gate opened; its nonce keeps a retry single.
        again = await adapter.poster.post(fake.channel_id, engine.run("papers"), nonce="n-gate")
        assert len(fake.messages) == 2 and again in fake.messages
    finally:
        await adapter.close()
