"""The gateway: IDENTIFY and READY, heartbeats, RECONNECT -> RESUME, INVALID_SESSION -> IDENTIFY, shards."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.endpoints import DISCORD_DEFAULTS, endpoints_for
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.errors import ConfigError
from tests.adapters.discord.harness import StartAdapter
from tests.fakes.discord_gateway import HEARTBEAT, IDENTIFY, RESUME
from tests.fakes.discord_server import FakeDiscord

GUILDS_INTENT = 1


async def test_start_identifies_and_returns_once_ready(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    assert adapter.connected and await adapter.is_connected()
    [identify] = fake.gateway.ops_of(IDENTIFY)
    assert identify.d["token"] == fake.token
    assert identify.d["intents"] == GUILDS_INTENT  # nothing privileged
    assert identify.path == "/gateway"  # DISCORD_GATEWAY_URL, not Discord's own
    assert [r.path for r in fake.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert adapter.application_id == int(fake.application_id)


async def test_close_ends_the_gateway_with_a_normal_closure(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    await adapter.close()
    [conn] = fake.gateway.connections
    await fake.wait_for(lambda: conn.close_code)
    assert conn.close_code == 1000
    assert not adapter.connected
    assert DISCORD_DEFAULTS.api_base == Route.BASE  # discord.py's defaults are back
    assert DISCORD_DEFAULTS.gateway == DiscordWebSocket.DEFAULT_GATEWAY


@pytest.fixture
async def quick_fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(heartbeat_interval_ms=20)
    await server.start()
    yield server
    await server.close()


async def test_heartbeats_are_acknowledged_and_the_session_stays(
    quick_fake: FakeDiscord, engine: CommandEngine
) -> None:
    settings = Settings(
        discord_token=quick_fake.token, discord_api_url=quick_fake.api_url, discord_gateway_url=quick_fake.gateway_url
    )
    adapter = DiscordAdapter(settings, engine, ready_timeout=5.0)
    await adapter.start()
    try:
        await quick_fake.wait_for(lambda: len(quick_fake.gateway.ops_of(HEARTBEAT)) >= 5 or None)
        heartbeats = quick_fake.gateway.ops_of(HEARTBEAT)
        assert {op.connection for op in heartbeats} == {1}  # every beat acknowledged: no reconnect
        assert heartbeats[-1].d == len(quick_fake.gateway.sessions[next(iter(quick_fake.gateway.sessions))].sent)
        assert adapter.connected
    finally:
        await adapter.close()


async def test_reconnect_makes_the_client_resume(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    await fake.command("kaggle")  # a dispatch, so the RESUME has a sequence number to report
    [session] = fake.gateway.sessions.values()
    last_seq = session.seq
    await fake.gateway.reconnect()
    resume = await fake.wait_for(lambda: next(iter(fake.gateway.ops_of(RESUME)), None))
    assert resume.d == {"token": fake.token, "session_id": session.id, "seq": last_seq}
    assert resume.path == "/gateway-resume"  # READY's resume_gateway_url
    assert (await fake.command("papers")).callback["type"] == 4  # still answering, on the resumed session
    assert len(fake.gateway.ops_of(IDENTIFY)) == 1  # resumed, not re-identified
    assert adapter.connected


async def test_invalid_session_makes_the_client_identify_again(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    await fake.gateway.invalidate_session(resumable=False)
    await fake.wait_for(lambda: len(fake.gateway.ops_of(IDENTIFY)) == 2 or None)
    assert not fake.gateway.ops_of(RESUME)
    second = fake.gateway.ops_of(IDENTIFY)[1]
    assert second.path == "/gateway"  # a fresh session starts at DISCORD_GATEWAY_URL again
    assert second.connection == 2
    assert (await fake.command("papers")).callback["type"] == 4  # answering on the new session
    assert adapter.connected


async def test_a_resumable_invalid_session_is_resumed(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    await fake.gateway.invalidate_session(resumable=True)
    await fake.wait_for(lambda: next(iter(fake.gateway.ops_of(RESUME)), None))
    assert len(fake.gateway.ops_of(IDENTIFY)) == 1


async def test_a_revoked_token_ends_the_gateway_loudly(
    fake: FakeDiscord, adapter: DiscordAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    await fake.gateway.drop(4004)  # Authentication failed: discord.py must not reconnect
    record = await fake.wait_for(lambda: next((r for r in caplog.records if "ended for good" in r.getMessage()), None))
    assert record.levelno == logging.ERROR and record.name == "mltip.discord"
    assert not adapter.connected
    assert len(fake.gateway.ops_of(IDENTIFY)) == 1


async def test_a_subset_of_shards_runs_on_an_auto_sharded_client(
    fake: FakeDiscord, start_adapter: StartAdapter
) -> None:
    guild_shard = (int(fake.guild_id) >> 22) % 2
    adapter = await start_adapter(discord_shard_count=2, discord_shard_ids=(guild_shard,))
    assert adapter.connected
    [identify] = fake.gateway.ops_of(IDENTIFY)
    assert identify.d["shard"] == [guild_shard, 2]
    assert (await fake.command("kaggle")).callback["type"] == 4


async def test_both_shards_of_two_identify_and_answer(fake: FakeDiscord, start_adapter: StartAdapter) -> None:
    adapter = await start_adapter(discord_shard_count=2)
    assert adapter.connected
    assert sorted(op.d["shard"][0] for op in fake.gateway.ops_of(IDENTIFY)) == [0, 1]
    assert (await fake.command("kaggle")).callback["type"] == 4
    await adapter.close()
    connections = fake.gateway.connections
    await fake.wait_for(lambda: all(c.close_code is not None for c in connections), message="a shard never closed")
    assert [c.close_code for c in connections] == [1000] * len(connections)


async def test_a_rejected_token_is_a_config_error(fake: FakeDiscord, start_adapter: StartAdapter) -> None:
    with pytest.raises(ConfigError, match="rejected DISCORD_TOKEN"):
        await start_adapter(discord_token="MTAwMDAwMDAwMDAwMDAwMDAw.wrong.token-that-discord-refuses")
    assert DISCORD_DEFAULTS.api_base == Route.BASE


async def test_an_unreachable_gateway_is_a_config_error(
    fake: FakeDiscord, settings: Settings, engine: CommandEngine
) -> None:
    settings = Settings(
        discord_token=fake.token, discord_api_url=fake.api_url, discord_gateway_url=fake.gateway_url + "-nowhere"
    )
    adapter = DiscordAdapter(settings, engine, ready_timeout=0.5)
    # Either discord.py gives up on its first connection or READY never comes in time.
    with pytest.raises(ConfigError, match=r"Discord gateway at ws://.*/gateway-nowhere"):
        await adapter.start()
    assert not adapter.connected


async def test_two_adapters_cannot_disagree_about_the_urls(
    fake: FakeDiscord, adapter: DiscordAdapter, settings: Settings, engine: CommandEngine
) -> None:
    other = Settings(discord_token=fake.token, discord_api_url="http://127.0.0.1:9/api/v10")
    with pytest.raises(ConfigError, match="one REST base"):
        await DiscordAdapter(other, engine).start()
    assert fake.api_url == Route.BASE and adapter.connected  # the running one is untouched


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://proxy:8080", "http://proxy:8080/api/v10"),
        ("http://proxy:8080/", "http://proxy:8080/api/v10"),
        ("http://proxy:8080/api/v10", "http://proxy:8080/api/v10"),
        ("https://proxy.example/discord/api/v9/", "https://proxy.example/discord/api/v9"),
        (None, "https://discord.com/api/v10"),
    ],
)
def test_the_rest_base_accepts_a_host_or_a_versioned_base(url: str | None, base: str) -> None:
    assert endpoints_for(Settings(discord_api_url=url)).api_base == base


def test_the_gateway_defaults_to_discords_own() -> None:
    assert str(endpoints_for(Settings()).gateway) == "wss://gateway.discord.gg/"
    assert str(endpoints_for(Settings(discord_gateway_url="ws://gw:7878")).gateway) == "ws://gw:7878"
