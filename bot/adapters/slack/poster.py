"""Posting the tip of the day to Slack channels, with every failure sorted by what to do next.

The Web API client gets no retry handlers: slack_sdk's default one resends after a connection
error, and a resent chat.postMessage whose first attempt did arrive posts twice. Retrying is
the scheduler's call, made with the outcome this module reports.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.render import render
from bot.core.replies import Reply
from bot.errors import (
    ChannelDeliveryError,
    InstallationError,
    TransientDeliveryError,
    UnknownOutcomeError,
)

# Slack error codes that mean "this channel will not take our posts" (pause the subscription)...
CHANNEL_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "restricted_action",
        "cannot_reply_to_message",
        "ekm_access_denied",
        "team_access_not_granted",
        "channel_is_archived",
        "msg_blocks_too_long",
    }
)
# ...and those that mean "this whole install is gone" (pause the workspace, stop calling).
INSTALL_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "team_disabled",
        "missing_scope",
        "not_allowed_token_type",
        "app_uninstalled",
        "org_login_required",
    }
)
# ...and those conversations.open answers for a person the bot cannot message (pause their tip).
PERSON_ERRORS = frozenset(
    {"cannot_dm_bot", "user_not_found", "users_not_found", "user_not_visible", "user_disabled", "not_allowed"}
)
DEFAULT_TIMEOUT = 10.0
DM_CACHE_SIZE = 10_000  # (workspace, person) -> DM channel id; conversations.open is Tier 3 (~50/min)

TokenLookup = Callable[[str], Awaitable[str | None]]


class SlackPoster:
    """Sends a Reply to a channel with chat.postMessage; returns the message ts."""

    def __init__(self, api_url: str, tokens: TokenLookup, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._api_url = api_url
        self._tokens = tokens
        self._timeout = timeout
        self._clients: dict[str, AsyncWebClient] = {}
        self._dms: dict[tuple[str, str], str] = {}  # a person's DM channel never changes: ask once

    def _client(self, token: str) -> AsyncWebClient:
        client = self._clients.get(token)
        if client is None:
            client = AsyncWebClient(token=token, base_url=self._api_url, timeout=int(self._timeout), retry_handlers=[])
            self._clients[token] = client
        return client

    async def post(self, workspace_id: str, channel_id: str, reply: Reply) -> str:
        """Post `reply`; raises a DeliveryError subclass that says what the failure means."""
        token = await self._tokens(workspace_id)
        if not token:
            raise InstallationError("no_installation")
        message = render(reply)
        try:
            response = await self._client(token).chat_postMessage(
                channel=channel_id, text=message["text"], blocks=message["blocks"], unfurl_links=False
            )
        except SlackApiError as exc:
            raise _classify(exc) from exc
        except aiohttp.ClientConnectorError as exc:
            # The connection was never made, so nothing was sent: safe to try again.
            raise TransientDeliveryError(f"connect_failed: {exc}") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            # The request may have reached Slack; we cannot know whether it posted.
            raise UnknownOutcomeError(f"no_answer: {type(exc).__name__}") from exc
        return str(response.get("ts", ""))

    async def send(self, workspace_id: str, channel_id: str, reply: Reply, delivery_key: str) -> str:
        """The daily fan-out's Poster interface; Slack has no idempotency key, so the key is unused."""
        return await self.post(workspace_id, channel_id, reply)

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply, delivery_key: str) -> str:
        """A person's tip: conversations.open (scope im:write) for their DM, then chat.postMessage there."""
        return await self.post(workspace_id, await self.open_dm(workspace_id, user_id), reply)

    def paced_requests(self, workspace_id: str, user_id: str) -> int:
        """One: conversations.open has a rate tier of its own, apart from chat.postMessage's pace."""
        return 1

    async def open_dm(self, workspace_id: str, user_id: str) -> str:
        """The id of the bot's DM with `user_id`. Opening it posts nothing, so any failure before
        the post is safe to retry; a person the bot cannot message is a ChannelDeliveryError."""
        known = self._dms.get((workspace_id, user_id))
        if known is not None:
            return known
        token = await self._tokens(workspace_id)
        if not token:
            raise InstallationError("no_installation")
        try:
            response = await self._client(token).conversations_open(users=user_id)
        except SlackApiError as exc:
            raise _classify(exc) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TransientDeliveryError(f"conversations.open: {type(exc).__name__}") from exc
        channel = str((response.get("channel") or {}).get("id") or "")
        if not channel:
            raise TransientDeliveryError("conversations.open answered without a channel")
        if len(self._dms) >= DM_CACHE_SIZE:
            self._dms.pop(next(iter(self._dms)))
        self._dms[(workspace_id, user_id)] = channel
        return channel

    # --- after the post (bot/daily/follow_up.py): pins and a direct message; Slack threads need no call ---

    async def pin(self, workspace_id: str, channel_id: str, message_ref: str) -> None:
        """pins.add (scope pins:write); already pinned is fine."""
        await self._call(
            workspace_id, "pins.add", {"channel": channel_id, "timestamp": message_ref}, ok={"already_pinned"}
        )

    async def unpin(self, workspace_id: str, channel_id: str, message_ref: str) -> None:
        """pins.remove (scope pins:write); a message no longer pinned, or gone, is fine."""
        fine = {"no_pin", "message_not_found"}
        await self._call(workspace_id, "pins.remove", {"channel": channel_id, "timestamp": message_ref}, ok=fine)

    async def direct_message(self, workspace_id: str, user_id: str, reply: Reply) -> None:
        """conversations.open (scope im:write) with `user_id`, then post `reply` there."""
        await self.post(workspace_id, await self.open_dm(workspace_id, user_id), reply)

    async def _call(
        self, workspace_id: str, method: str, params: dict[str, Any], *, ok: frozenset[str] | set[str] = frozenset()
    ) -> dict[str, Any]:
        token = await self._tokens(workspace_id)
        if not token:
            raise InstallationError("no_installation")
        try:
            response = await self._client(token).api_call(method, data=params)
        except SlackApiError as exc:
            data = exc.response.data
            if isinstance(data, dict) and data.get("error") in ok:
                return dict(data)
            raise _classify(exc) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TransientDeliveryError(f"no_answer: {type(exc).__name__}") from exc
        return dict(response.data) if isinstance(response.data, dict) else {}


def _classify(exc: SlackApiError) -> Exception:
    response: Any = exc.response
    status = getattr(response, "status_code", 200)
    data = getattr(response, "data", None)
    error = data.get("error", "") if isinstance(data, dict) else ""
    if status == 429 or error == "ratelimited":
        headers = getattr(response, "headers", {}) or {}
        retry_after = float(headers.get("Retry-After", headers.get("retry-after", 1)))
        return TransientDeliveryError("ratelimited", retry_after=retry_after)
    if status >= 500 or error in ("internal_error", "fatal_error", "service_unavailable", "request_timeout"):
        return TransientDeliveryError(error or f"http_{status}")
    if error in INSTALL_ERRORS:
        return InstallationError(error)
    if error in CHANNEL_ERRORS | PERSON_ERRORS:
        return ChannelDeliveryError(error)
    # An error we do not know is treated as this channel's problem: pausing one subscription
    # (and saying why in status) beats retrying forever or silently dropping the day.
    return ChannelDeliveryError(error or f"http_{status}")
