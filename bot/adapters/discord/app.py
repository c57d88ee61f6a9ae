"""DiscordAdapter: runs discord.py beside the rest of the bot, syncs `/mltip`, posts the daily tip.

See endpoints.py for how DISCORD_API_URL and DISCORD_GATEWAY_URL reach discord.py, sync.py for
when commands are synced, commands.py for what `/mltip` and its buttons do.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from collections.abc import Mapping

import aiohttp
import discord

from bot.adapters.discord.client import NO_MENTIONS, Client, MltipClient, MltipShardedClient
from bot.adapters.discord.commands import Responder
from bot.adapters.discord.endpoints import Endpoints, claim, endpoints_for, release
from bot.adapters.discord.render import render_embed, render_view
from bot.adapters.discord.sync import sync_commands
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.core.replies import Reply
from bot.errors import (
    ChannelDeliveryError,
    ConfigError,
    DeliveryError,
    InstallationError,
    TransientDeliveryError,
)

_log = logging.getLogger("mltip.discord")

NONCE_LIMIT = 25  # Discord rejects longer message nonces


def short_nonce(nonce: str) -> str:
    """`nonce` itself when it fits Discord's 25 characters, else a stable 25-character digest."""
    if len(nonce) <= NONCE_LIMIT:
        return nonce
    return base64.b32encode(hashlib.sha256(nonce.encode()).digest()).decode()[:NONCE_LIMIT].lower()


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
        post_timeout: float = 30.0,
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._identify_delay = identify_delay
        self._ready_timeout = ready_timeout
        self._post_timeout = post_timeout
        self._client: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._endpoints: Endpoints | None = None
        self._sends: set[asyncio.Future[discord.Message]] = set()  # posts still running after their timeout
        self.synced = False  # whether the last start() overwrote Discord's command definitions

    @property
    def connected(self) -> bool:
        """Whether every gateway session is READY (False while reconnecting and after close)."""
        client = self._client
        return client is not None and not client.is_closed() and client.live.is_set()

    async def is_connected(self) -> bool:
        """`connected`, in the form the runner's readiness check awaits."""
        return self.connected

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
        endpoints = endpoints_for(self._settings)
        claim(endpoints)
        self._endpoints = endpoints
        self._engine.index  # noqa: B018 -- built now, so the first autocomplete answers fast
        self._client = client = self._build_client()
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
        for send in self._sends:
            send.cancel()
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

    async def post(self, channel_id: str, reply: Reply, *, nonce: str) -> str:
        """Post `reply` to a channel; a repeated nonce makes Discord return the first message.

        Returns the message id. Raises InstallationError (401), ChannelDeliveryError (403, 404,
        a malformed id), TransientDeliveryError (429s beyond discord.py's own retries, with their
        retry_after; 5xx, timeouts, connection errors), or DeliveryError for anything else Discord
        refuses.
        """
        client = self._client
        if client is None or client.is_closed():
            raise TransientDeliveryError("discord adapter is not running")
        if not channel_id.isdigit():
            raise ChannelDeliveryError(f"not a Discord channel id: {channel_id!r}")
        channel = client.get_partial_messageable(int(channel_id))
        view = render_view(reply)
        send = asyncio.ensure_future(
            channel.send(
                embed=render_embed(reply),
                view=view if view is not None else discord.utils.MISSING,
                nonce=short_nonce(nonce),  # discord.py adds enforce_nonce=True with any nonce
                allowed_mentions=NO_MENTIONS,
            )
        )
        self._sends.add(send)
        send.add_done_callback(_settled)
        send.add_done_callback(self._sends.discard)
        try:
            # Shielded: cancelled while it sleeps out a global 429, discord.py would never reopen
            # its global gate and every later request would hang. On timeout it runs on alone.
            message = await asyncio.wait_for(asyncio.shield(send), self._post_timeout)
        except discord.RateLimited as exc:
            raise TransientDeliveryError(
                f"discord 429: rate limited for {exc.retry_after:g}s", retry_after=exc.retry_after
            ) from exc
        except discord.HTTPException as exc:
            raise _delivery_error(exc) from exc
        # Even when the request left, a retry is safe: Discord answers a repeated nonce with the
        # first message. So these are transient, not "unknown outcome".
        except TimeoutError as exc:
            raise TransientDeliveryError(f"discord did not answer in {self._post_timeout:g}s") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise TransientDeliveryError(f"discord unreachable: {type(exc).__name__}") from exc
        return str(message.id)

    @property
    def poster(self) -> DiscordAdapter:
        """This adapter posts the tip of the day itself (send), through its REST client."""
        return self

    async def send(self, workspace_id: str, channel_id: str, reply: Reply, delivery_key: str) -> str:
        """The daily fan-out's Poster interface: the delivery key becomes the message nonce."""
        return await self.post(channel_id, reply, nonce=delivery_key)

    def _build_client(self) -> Client:
        responder = Responder(self._engine)
        count = self._settings.discord_shard_count
        if count is None:
            return MltipClient(responder, identify_delay=self._identify_delay)
        return MltipShardedClient(
            responder,
            identify_delay=self._identify_delay,
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


def _settled(send: asyncio.Future[discord.Message]) -> None:
    """Retrieve the outcome of a post nobody waits for any more (it timed out), so it is not lost noise."""
    if not send.cancelled() and send.exception() is not None:
        _log.debug("a timed-out Discord post ended with %r", send.exception())


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from a 429's headers: X-RateLimit-Reset-After (precise), else Retry-After."""
    for header in ("X-RateLimit-Reset-After", "Retry-After"):
        try:
            return max(0.0, float(headers[header]))
        except (KeyError, ValueError):
            continue
    return None


def _delivery_error(exc: discord.HTTPException) -> DeliveryError:
    if exc.status == 429:  # discord.py's five tries all refused (or a Cloudflare ban): not posted
        scope = exc.response.headers.get("X-RateLimit-Scope", "unknown")
        return TransientDeliveryError(
            f"discord 429: rate limited ({scope})", retry_after=_retry_after(exc.response.headers)
        )
    reason = f"discord {exc.status} (code {exc.code}): {exc.text}"
    if exc.status == 401:
        return InstallationError(reason)
    if exc.status in (403, 404):
        return ChannelDeliveryError(reason)
    if exc.status >= 500:
        return TransientDeliveryError(reason)
    return DeliveryError(reason)
