"""SlackAdapter: the bolt AsyncApp, over Socket Mode or signed HTTP, and its poster.

Socket Mode when SLACK_APP_TOKEN is set (no public URL needed); otherwise HTTP mode, where
Slack POSTs signed requests to /slack/events on MLTIP_HTTP_PORT, verified with
SLACK_SIGNING_SECRET before their body is even parsed (verify.py: a forged, stale or replayed
request gets no listener run and nothing from it is used). With SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET it serves any number of workspaces (oauth.py). What answers `/mltip` and
its buttons is in listeners.py; the Home tab in home.py; the message shortcut in shortcut.py;
posting the tip of the day in poster.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.home import SlackHome, add_home_listeners
from bot.adapters.slack.listeners import PLATFORM, add_listeners, add_uninstall_listeners
from bot.adapters.slack.oauth import NOT_INSTALLED, SlackInstalls, oauth_routes
from bot.adapters.slack.poster import SlackPoster
from bot.adapters.slack.shortcut import add_shortcut_listeners
from bot.adapters.slack.verify import OnlyVerified, SignedRequestGate
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.daily.clock import Clock, utc_now
from bot.daily.zones import resolve_timezone
from bot.errors import CommandError, ConfigError

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger("mltip.slack")

EVENTS_PATH = "/slack/events"


def api_base_url(settings: Settings) -> str:
    """The Web API base (SLACK_API_URL, e.g. GovSlack or a test fake), with the slash the SDK needs."""
    base = settings.slack_api_url or AsyncWebClient.BASE_URL
    return base if base.endswith("/") else base + "/"


def build_app(
    settings: Settings, engine: CommandEngine, installs: SlackInstalls | None = None, *, clock: Clock = utc_now
) -> AsyncApp:
    """A bolt app answering `/mltip` from `engine`; the Web API client points at SLACK_API_URL.

    It also publishes the Home tab (home.py, whose day `clock` tells) and answers the message
    shortcut (shortcut.py).

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
    add_listeners(app, engine, settings.slack_admins)
    try:
        zone = resolve_timezone(settings.default_timezone)
    except CommandError as exc:
        raise ConfigError(f"MLTIP_DEFAULT_TIMEZONE: {exc}") from None
    add_home_listeners(app, SlackHome(engine, settings.slack_admins, zone=zone, clock=clock))
    add_shortcut_listeners(app, engine)
    if installs is not None:
        add_uninstall_listeners(app, installs)
    return app


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
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.installs: SlackInstalls | None = installs  # OAuth mode; built from `store` and `clock` unless given
        if settings.slack_oauth:
            if self.installs is None and store is None:
                raise ConfigError("the Slack install flow (SLACK_CLIENT_ID) keeps installations in the database")
            if self.installs is None and store is not None:
                client_id, secret = settings.slack_client_id or "", settings.slack_client_secret or ""
                self.installs = SlackInstalls(client_id, secret, store, clock=clock)
        elif not settings.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is not set")
        self.settings = settings
        self.app = build_app(settings, engine, self.installs, clock=clock)
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
