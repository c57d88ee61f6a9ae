"""Posting the tip of the day to Discord channels, with every failure sorted by what to do next.

Posts go through the running client's REST session, where discord.py waits out short rate limits
itself (client.py), with the delivery key as the message nonce: Discord answers a repeated nonce
with the first message, so a retry never posts twice.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import aiohttp
import discord

from bot.adapters.discord.client import NO_MENTIONS, Client
from bot.adapters.discord.render import render_embed, render_view
from bot.core.replies import Reply
from bot.errors import (
    ChannelDeliveryError,
    DeliveryError,
    InstallationError,
    TransientDeliveryError,
)

_log = logging.getLogger("mltip.discord")

NONCE_LIMIT = 25  # Discord rejects longer message nonces
DEFAULT_TIMEOUT = 30.0
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day: the thread leaves the channel list with the next tip
CANNOT_MESSAGE_USER = 50007  # Discord's code for a person who blocked the bot, left, or closed DMs
DM_CACHE_SIZE = 10_000  # person -> DM channel id: one never changes, so it is asked for once


def short_nonce(nonce: str) -> str:
    """`nonce` itself when it fits Discord's 25 characters, else a stable 25-character digest."""
    if len(nonce) <= NONCE_LIMIT:
        return nonce
    return base64.b32encode(hashlib.sha256(nonce.encode()).digest()).decode()[:NONCE_LIMIT].lower()


class DiscordPoster:
    """Sends a Reply to a channel through the adapter's client while it runs; returns the message id."""

    def __init__(self, client: Callable[[], Client | None], *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._client = client
        self._timeout = timeout
        self._sends: set[asyncio.Future[discord.Message]] = set()  # posts still running after their timeout
        self._dms: dict[str, str] = {}

    async def post(self, channel_id: str, reply: Reply, *, nonce: str) -> str:
        """Post `reply` to a channel; a repeated nonce makes Discord return the first message.

        Returns the message id. Raises InstallationError (401), ChannelDeliveryError (403, 404,
        a malformed id), TransientDeliveryError (429s beyond discord.py's own retries, with their
        retry_after; 5xx, timeouts, connection errors), or DeliveryError for anything else Discord
        refuses.
        """
        client = self._client()
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
            message = await asyncio.wait_for(asyncio.shield(send), self._timeout)
        except discord.RateLimited as exc:
            raise TransientDeliveryError(
                f"discord 429: rate limited for {exc.retry_after:g}s", retry_after=exc.retry_after
            ) from exc
        except discord.HTTPException as exc:
            raise _delivery_error(exc) from exc
        # Even when the request left, a retry is safe: Discord answers a repeated nonce with the
        # first message. So these are transient, not "unknown outcome".
        except TimeoutError as exc:
            raise TransientDeliveryError(f"discord did not answer in {self._timeout:g}s") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise TransientDeliveryError(f"discord unreachable: {type(exc).__name__}") from exc
        return str(message.id)

    async def send(self, workspace_id: str, channel_id: str, reply: Reply, delivery_key: str) -> str:
        """The daily fan-out's Poster interface: the delivery key becomes the message nonce."""
        return await self.post(channel_id, reply, nonce=delivery_key)

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply, delivery_key: str) -> str:
        """A person's tip: POST /users/@me/channels {recipient_id} for the DM, then post there (nonce and all)."""
        return await self.post(await self.open_dm(user_id), reply, nonce=delivery_key)

    def paced_requests(self, workspace_id: str, user_id: str) -> int:
        """Opening a DM is a request under Discord's global limit too: two until it is known."""
        return 1 if user_id in self._dms else 2

    async def open_dm(self, user_id: str) -> str:
        """The id of the bot's DM channel with `user_id`; creating it posts nothing, so it is safe to retry."""
        known = self._dms.get(user_id)
        if known is not None:
            return known
        client = self._client()
        if client is None or client.is_closed():
            raise TransientDeliveryError("discord adapter is not running")
        if not user_id.isdigit():
            raise ChannelDeliveryError(f"not a Discord user id: {user_id!r}")
        try:
            # Not http.start_private_message: it sends the id as a number, and Discord's spec
            # (as the fake checks it) says a snowflake travels as a string.
            route = discord.http.Route("POST", "/users/@me/channels")
            request = client.http.request(route, json={"recipient_id": user_id})
            data = await asyncio.wait_for(request, self._timeout)
        except discord.RateLimited as exc:
            raise TransientDeliveryError(
                f"discord 429: rate limited for {exc.retry_after:g}s", retry_after=exc.retry_after
            ) from exc
        except discord.HTTPException as exc:
            raise _delivery_error(exc) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TransientDeliveryError(f"discord unreachable: {type(exc).__name__}") from exc
        if len(self._dms) >= DM_CACHE_SIZE:
            self._dms.pop(next(iter(self._dms)))
        self._dms[user_id] = channel = str(data["id"])
        return channel

    # --- after the post (bot/daily/follow_up.py): threads, pins, a direct message ---------------

    async def start_thread(self, workspace_id: str, channel_id: str, message_ref: str, name: str) -> None:
        """A public thread on the posted message (Create Public Threads), archived after a day."""
        await self._call(
            lambda client: client.http.start_thread_with_message(
                channel_id, message_ref, name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        )

    async def pin(self, workspace_id: str, channel_id: str, message_ref: str) -> None:
        """Pin the posted message (Pin Messages)."""
        await self._call(lambda client: client.http.pin_message(channel_id, message_ref))

    async def unpin(self, workspace_id: str, channel_id: str, message_ref: str) -> None:
        """Unpin an earlier post; one already unpinned or deleted (404) is fine."""
        try:
            await self._call(lambda client: client.http.unpin_message(channel_id, message_ref))
        except ChannelDeliveryError as exc:
            if not exc.reason.startswith("discord 404"):
                raise

    async def direct_message(self, workspace_id: str, user_id: str, reply: Reply) -> None:
        """The pause notice: the DM channel with `user_id` (open_dm), then `reply` posted there."""
        channel = await self.open_dm(user_id)
        await self.post(channel, reply, nonce=f"notice-{user_id}-{channel}")

    async def _call(self, request: Callable[[Client], Awaitable[Any]]) -> Any:
        client = self._client()
        if client is None or client.is_closed():
            raise TransientDeliveryError("discord adapter is not running")
        try:
            return await asyncio.wait_for(request(client), self._timeout)
        except discord.HTTPException as exc:
            raise _delivery_error(exc) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TransientDeliveryError(f"discord unreachable: {type(exc).__name__}") from exc

    def cancel_pending(self) -> None:
        """Stop the posts still running after their timeout (the client is closing)."""
        for send in self._sends:
            send.cancel()


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
    if exc.code == CANNOT_MESSAGE_USER:  # named first, so status reads it as a person, not a channel
        return ChannelDeliveryError(f"dm_closed: {reason}")
    if exc.status == 401:
        return InstallationError(reason)
    if exc.status in (403, 404):
        return ChannelDeliveryError(reason)
    if exc.status >= 500:
        return TransientDeliveryError(reason)
    return DeliveryError(reason)
