"""The bolt AsyncApp: `/mltip` and its buttons, over Socket Mode or signed HTTP.

Socket Mode when SLACK_APP_TOKEN is set (no public URL needed); otherwise HTTP mode, where
Slack POSTs signed requests to /slack/events on MLTIP_HTTP_PORT, verified with
SLACK_SIGNING_SECRET before their body is even parsed (verify.py: a forged, stale or replayed
request gets no listener run and nothing from it is used). With SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET it serves any number of workspaces (oauth.py).

`/mltip daily ...` needs the database, so it runs in a worker thread, as does a search not
answered before (adapters/offload.py). When it would change the channel's subscription, Slack is
asked first (users.info, scope users:read) whether the user is a workspace admin or owner,
unless MLTIP_SLACK_ADMINS already lists them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.offload import answer, press
from bot.adapters.slack.authorize import DATABASE_TROUBLE, CannotAuthorize
from bot.adapters.slack.oauth import NOT_INSTALLED, SlackInstalls, listen_for_uninstalls, oauth_routes
from bot.adapters.slack.poster import SlackPoster
from bot.adapters.slack.render import LINK_ACTION_ID, notice, render
from bot.adapters.slack.verify import OnlyVerified, SignedRequestGate, is_trusted
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.core.daily import Daily, Invocation
from bot.core.grammar import parse
from bot.core.replies import Reply
from bot.errors import CommandError, ConfigError
from bot.store import is_unreachable

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger("mltip.slack")

COMMAND = "/mltip"
EVENTS_PATH = "/slack/events"
BUTTONS = re.compile(r"^mltip_(another|share)$")
APOLOGY = "Sorry, something went wrong while answering that. Please try again in a moment."
PLATFORM = "slack"
ADMIN_FLAGS = ("is_admin", "is_owner", "is_primary_owner")


def api_base_url(settings: Settings) -> str:
    """The Web API base (SLACK_API_URL, e.g. GovSlack or a test fake), with the slash the SDK needs."""
    base = settings.slack_api_url or AsyncWebClient.BASE_URL
    return base if base.endswith("/") else base + "/"


def _who(body: dict[str, Any]) -> dict[str, Any]:
    """Where a request came from, for log lines (ids only, never tokens)."""
    user = body.get("user") or {}
    return {
        "platform": "slack",
        "workspace": body.get("team_id") or (body.get("team") or {}).get("id"),
        "channel": body.get("channel_id") or (body.get("channel") or {}).get("id"),
        "user": body.get("user_id") or user.get("id"),
        "command": body.get("command") or body.get("type"),
    }


def build_app(settings: Settings, engine: CommandEngine, installs: SlackInstalls | None = None) -> AsyncApp:
    """A bolt app answering `/mltip` from `engine`; the Web API client points at SLACK_API_URL.

    With `installs` (OAuth mode) each request's token is the workspace's own, from the database,
    and bolt's install flow swaps codes for tokens through the same client (oauth.v2.access).
    """
    socket_mode = bool(settings.slack_app_token)
    if not socket_mode and not settings.slack_signing_secret:
        raise ConfigError("Slack HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode)")
    if installs is not None and socket_mode:
        raise ConfigError("the Slack install flow (SLACK_CLIENT_ID) needs HTTP mode: unset SLACK_APP_TOKEN")
    token = None if installs is not None else settings.slack_bot_token
    client = AsyncWebClient(token=token, base_url=api_base_url(settings))
    oauth: dict[str, Any] = {}
    if installs is not None:
        oauth = {
            "oauth_flow": installs.flow(client),
            "authorize": installs.authorize(),
            "user_facing_authorize_error_message": NOT_INSTALLED,
        }
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # HTTP requests are verified before bolt sees them (verify.py); bolt's own check would parse
        # the body first and log it whole. OnlyVerified refuses whatever bypassed that gate; Socket
        # Mode envelopes arrive over an authenticated websocket and carry no signature.
        request_verification_enabled=False,
        before_authorize=OnlyVerified(),
        logger=logging.getLogger("mltip.slack.bolt"),
        **oauth,
    )
    if installs is not None:
        listen_for_uninstalls(app, installs)

    @app.command(COMMAND)
    async def on_command(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        text = command.get("text") or ""
        try:
            parsed = parse(text)
            if isinstance(parsed, Daily):
                reply = await answer_daily(engine, client, command, parsed, settings.slack_admins)
            else:
                reply = await answer(engine, text, platform=PLATFORM)
        except CommandError as exc:
            await ack(response_type="ephemeral", text=notice(str(exc)))
            return
        # Answering in the ack itself is one round trip, well within Slack's 3 seconds.
        await ack(response_type="ephemeral", **render(reply))

    @app.action(BUTTONS)
    async def on_button(ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        user = body.get("user") or {}
        name = user.get("name") or user.get("username") or "someone"
        try:
            reply = await press(engine, action.get("value") or "", user=name, platform=PLATFORM)
        except CommandError as exc:
            await respond(response_type="ephemeral", replace_original=False, text=notice(str(exc)))
            return
        if action.get("action_id") == "mltip_share":
            await respond(response_type="in_channel", replace_original=False, **render(reply))
        elif (body.get("container") or {}).get("is_ephemeral", True):
            await respond(response_type="ephemeral", replace_original=True, **render(reply))
        else:
            # Another under a public post (the tip of the day): answer privately, never replace
            # the message everyone sees.
            await respond(response_type="ephemeral", replace_original=False, **render(reply))

    @app.action(LINK_ACTION_ID)
    async def on_link(ack: AsyncAck) -> None:
        # Slack opens the link itself; acknowledging is all it needs, and nobody gets a reply.
        await ack()

    app.error(on_error)
    return app


async def on_error(
    error: Exception,
    body: dict[str, Any],
    request: AsyncBoltRequest,
    response: BoltResponse | None,
    respond: AsyncRespond | None,
) -> BoltResponse | None:
    """The one error hook: apologise for a bug, explain an outage; never touch an unverified request."""
    if not is_trusted(request):
        return None  # nothing from an unverified request is used: not for a log line, not for a reply
    trouble = _trouble(error)
    if trouble is None:
        log.error("failed to answer a Slack request", exc_info=error, extra=_who(body))
        if respond is not None and body.get("response_url"):
            await respond(response_type="ephemeral", replace_original=False, text=notice(APOLOGY))
        return None
    # A bad day, not a bug: say so (never "reinstall"), without a traceback.
    log.warning("could not answer a Slack request: %s", type(error).__name__, extra=_who(body))
    if response is not None and body.get("command"):
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": notice(trouble)})
    if respond is not None and body.get("response_url"):
        await respond(response_type="ephemeral", replace_original=False, text=notice(trouble))
    return BoltResponse(status=200, body="") if response is not None else None


def _trouble(error: Exception) -> str | None:
    """What to tell the user when `error` is a passing outage (the database, Slack), else None."""
    if isinstance(error, CannotAuthorize):
        return str(error)
    if is_unreachable(error):
        return DATABASE_TROUBLE
    return None


async def is_workspace_admin(client: AsyncWebClient, user_id: str, allowed: frozenset[str]) -> bool:
    """Whether the user administers the workspace: on the allow-list, or an admin or owner (users.info)."""
    if user_id in allowed:
        return True
    try:
        answer = await client.users_info(user=user_id)
    except SlackApiError as exc:
        data = exc.response.data
        code = str(data.get("error") or "an error") if isinstance(data, dict) else f"HTTP {exc.response.status_code}"
        log.warning("users.info failed: %s", code, extra={"platform": PLATFORM, "user": user_id})
        fix = (
            "The app needs the users:read scope: ask whoever installed it to reinstall it from manifest.yml."
            if code == "missing_scope"
            else "Please try again in a moment."
        )
        problem = f"I could not check whether you administer this workspace (Slack said {code})."
        raise CommandError(f"{problem} {fix}") from None
    user = answer.get("user") or {}
    return any(bool(user.get(flag)) for flag in ADMIN_FLAGS)


async def answer_daily(
    engine: CommandEngine, client: AsyncWebClient, command: dict[str, Any], daily: Daily, admins: frozenset[str]
) -> Reply:
    """`/mltip daily ...`: asks Slack who the user is only when the command changes something."""
    user_id = command.get("user_id") or ""
    can_manage = daily.changes_subscription and await is_workspace_admin(client, user_id, admins)
    invocation = Invocation(
        platform=PLATFORM,
        workspace_id=command.get("team_id") or "",
        channel_id=command.get("channel_id") or "",
        user_id=user_id,
        user_name=command.get("user_name") or user_id,
        can_manage=can_manage,
    )
    # The database call runs in a thread: the event loop keeps answering everyone else meanwhile.
    return await asyncio.to_thread(engine.run, command.get("text") or "", platform=PLATFORM, invocation=invocation)


class SlackAdapter:
    """Runs the bolt app: a Socket Mode connection, or the /slack/events route for HTTP mode.

    One workspace with SLACK_BOT_TOKEN; any number with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET
    (OAuth mode: the install flow's routes too, and every workspace's token kept in `store`).
    """

    platform = PLATFORM

    def __init__(
        self,
        settings: Settings,
        engine: CommandEngine,
        store: Store | None = None,
        installs: SlackInstalls | None = None,
    ) -> None:
        self.installs: SlackInstalls | None = installs  # OAuth mode; built from `store` unless given
        if settings.slack_oauth:
            if self.installs is None and store is None:
                raise ConfigError("the Slack install flow (SLACK_CLIENT_ID) keeps installations in the database")
            if self.installs is None and store is not None:
                self.installs = SlackInstalls(settings.slack_client_id or "", settings.slack_client_secret or "", store)
        elif not settings.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is not set")
        self.settings = settings
        self.app = build_app(settings, engine, self.installs)
        self._gate = SignedRequestGate(self.app, settings.slack_signing_secret or "")
        self._socket: AsyncSocketModeHandler | None = None
        self._poster: SlackPoster | None = None
        self._tables_ready = self.installs is None

    @property
    def poster(self) -> SlackPoster:
        """Posts the tip of the day with the workspace's bot token (the one token, or its installation's)."""
        if self._poster is None:
            tokens = self.installs.bot_token if self.installs is not None else self._the_bot_token
            self._poster = SlackPoster(api_base_url(self.settings), tokens)
        return self._poster

    async def _the_bot_token(self, _workspace: str) -> str | None:
        return self.settings.slack_bot_token

    @property
    def socket_mode(self) -> bool:
        """Whether the app talks to Slack over Socket Mode rather than HTTP."""
        return bool(self.settings.slack_app_token)

    async def is_connected(self) -> bool:
        """Socket Mode: the websocket is up. HTTP mode: ready once the install flow's tables exist."""
        if not self.socket_mode:
            return self._tables_ready
        return self._socket is not None and await self._socket.client.is_connected()

    def routes(self) -> list[web.RouteDef]:
        """The HTTP routes this adapter serves: /slack/events, the install flow's (OAuth mode); none in Socket Mode."""
        return [] if self.socket_mode else [web.post(EVENTS_PATH, self._gate.handle), *oauth_routes(self.app)]

    async def start(self) -> None:
        """Open the Socket Mode connection, or (OAuth mode) create the installation tables."""
        if self.installs is not None:
            await asyncio.to_thread(self.installs.create_tables)
            self._tables_ready = True
            log.info("serving Slack's install flow at /slack/install")
        if self.socket_mode:
            self._socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("connected to Slack over Socket Mode")
        else:
            log.info("serving Slack over HTTP at %s", EVENTS_PATH)

    async def close(self) -> None:
        """Close the Socket Mode connection, if any."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
