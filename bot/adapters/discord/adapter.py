"""DiscordAdapter: runs discord.py beside the rest of the bot, syncs `/mltip`, and has the poster.

See endpoints.py for how DISCORD_API_URL and DISCORD_GATEWAY_URL reach discord.py, sync.py for
when commands are synced, listeners.py for what `/mltip` and its buttons do, poster.py for how
the tip of the day is posted.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord
from aiohttp import web

from bot.adapters.discord.client import Client, MltipClient, MltipShardedClient
from bot.adapters.discord.endpoints import Endpoints, claim, endpoints_for, release
from bot.adapters.discord.listeners import Responder
from bot.adapters.discord.poster import DEFAULT_TIMEOUT, DiscordPoster
from bot.adapters.discord.sync import sync_commands
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.daily.zones import resolve_timezone
from bot.errors import CommandError, ConfigError

_log = logging.getLogger("mltip.discord")


class DiscordAdapter:
    """The Discord side of the bot: `/mltip` with its buttons, and posting the daily tip."""

    platform = "discord"

    def __init__(
        self,
        settings: Settings,
        engine: CommandEngine,
        *,
        identify_delay: float = 5.0,
        ready_timeout: float = 60.0,
        post_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._identify_delay = identify_delay
        self._ready_timeout = ready_timeout
        self._client: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._endpoints: Endpoints | None = None
        # Posts the tip of the day through the client while it runs.
        self.poster = DiscordPoster(lambda: self._client, timeout=post_timeout)
        self.synced = False  # whether the last start() overwrote Discord's command definitions

    @property
    def connected(self) -> bool:
        """Whether every gateway session is READY (False while reconnecting and after close)."""
        client = self._client
        return client is not None and not client.is_closed() and client.live.is_set()

    async def is_connected(self) -> bool:
        """`connected`, in the form the runner's readiness check awaits."""
        return self.connected

    def routes(self) -> list[web.RouteDef]:
        """None: Discord is reached over the gateway the adapter opens, and nothing calls in."""
        return []

    @property
    def application_id(self) -> int | None:
        """The application's id, known once start() has logged in."""
        return self._client.application_id if self._client else None

    async def start(self) -> None:
        """Log in, sync `/mltip` if it changed, connect; returns once the gateway is READY."""
        if self._client is not None:
            raise RuntimeError("DiscordAdapter.start() called twice")
        token = self._settings.discord_token
        if not token:
            raise ConfigError("DISCORD_TOKEN is not set")
        try:  # as the daily service resolves it ('asia/kolkata' is Asia/Kolkata), for /mltip-daily set
            default_zone = resolve_timezone(self._settings.default_timezone).key
        except CommandError as exc:
            raise ConfigError(f"MLTIP_DEFAULT_TIMEZONE: {exc}") from None
        endpoints = endpoints_for(self._settings)
        claim(endpoints)
        self._endpoints = endpoints
        self._engine.index  # noqa: B018 -- built now, so the first autocomplete answers fast
        self._client = client = self._build_client(default_zone)
        try:
            try:
                await client.login(token)
            except discord.LoginFailure:
                raise ConfigError("Discord rejected DISCORD_TOKEN (401 Unauthorized)") from None
            except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
                raise ConfigError(f"could not log in to Discord at {endpoints.api_base}: {exc}") from None
            self.synced = await sync_commands(client, self._settings.discord_guild_id)
            self._task = asyncio.create_task(client.connect(reconnect=True), name="mltip-discord-gateway")
            self._task.add_done_callback(_log_gateway_end)
            await self._wait_until_live(client, self._task, endpoints)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the gateway with a normal closure (1000), ending the session, and the REST session."""
        client, task, endpoints = self._client, self._task, self._endpoints
        self._client = self._task = self._endpoints = None
        self.poster.cancel_pending()
        if task is not None and not task.done():
            task.remove_done_callback(_log_gateway_end)  # this end is wanted
            # Client.close() races discord.py's own receive loop, which wins and closes with
            # 4000 (a drop Discord keeps resumable, leaving the bot online for a while); with
            # the loop stopped first, close() sends its 1000 and Discord ends the session.
            task.cancel()
            await asyncio.wait({task}, timeout=5.0)
        if client is not None:
            await client.close()
        if endpoints is not None:
            release(endpoints)

    def _build_client(self, default_zone: str) -> Client:
        responder = Responder(self._engine)
        count = self._settings.discord_shard_count
        if count is None:
            return MltipClient(responder, identify_delay=self._identify_delay, default_zone=default_zone)
        return MltipShardedClient(
            responder,
            identify_delay=self._identify_delay,
            default_zone=default_zone,
            shard_count=count,
            shard_ids=self._settings.discord_shard_ids,
        )

    async def _wait_until_live(self, client: Client, task: asyncio.Task[None], endpoints: Endpoints) -> None:
        live = asyncio.create_task(client.live.wait())
        try:
            await asyncio.wait({live, task}, timeout=self._ready_timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            live.cancel()
        if task.done():
            cause = None if task.cancelled() else task.exception()
            raise ConfigError(f"could not connect to the Discord gateway at {endpoints.gateway}: {cause!r}")
        if not client.live.is_set():
            raise ConfigError(f"no READY from the Discord gateway at {endpoints.gateway} in {self._ready_timeout:g}s")


def _log_gateway_end(task: asyncio.Task[None]) -> None:
    """discord.py gave up on the gateway (a revoked token, a disallowed intent): say so loudly."""
    error = None if task.cancelled() else task.exception()
    _log.error("the Discord gateway connection ended for good: %r", error, exc_info=error)
