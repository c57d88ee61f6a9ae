"""Slack's OAuth install flow, so one deployment serves any number of workspaces.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, GET /slack/install shows the "Add to Slack"
page (its link carries a one-time state, also set as a cookie in the installer's browser) and
GET /slack/oauth_redirect takes the code Slack sends back, swaps it for that workspace's bot token
(oauth.v2.access, on SLACK_API_URL) and saves the installation. bolt's AsyncOAuthFlow does both;
these are its routes on the bot's own web server, next to /slack/events.

Installations and states live in the bot's own database, in slack_sdk's SQLAlchemy tables
(slack_installations, slack_bots, slack_oauth_states). Those stores are synchronous, so every
call runs in a worker thread and the event loop keeps answering meanwhile. When a workspace
uninstalls the app or revokes its bot token (listeners.py hears it), its installation and its
subscriptions are deleted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.authorize import LOOKUP_SECONDS, CannotAuthorize, RememberedBots, WorkspaceAuthorize
from bot.core.platform import Platform
from bot.daily.clock import Clock, utc_now
from bot.errors import TransientDeliveryError
from bot.log import mask_secrets
from bot.store import writer_engine

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger("mltip.slack")
store_log = logging.getLogger("mltip.slack.installations")
flow_log = logging.getLogger("mltip.slack.oauth")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# manifest.yml's bot scopes, the least the bot needs (a test keeps the two in step).
SCOPES = ("commands", "chat:write", "users:read", "pins:write", "im:write", "channels:read", "groups:read")
STATE_SECONDS = 600  # how long an install link stays good
CREATE_ATTEMPTS = 5
NOT_INSTALLED = (
    "mltip is not installed in this workspace any more. Ask a workspace admin to add it again "
    "from the bot's install page (/slack/install)."
)


class WithoutOAuthSecrets(logging.Filter):
    """Masks OAuth codes and states in a logger's records before any handler sees them.

    bolt's flow logs the code of an exchange that failed (a code Slack failed to exchange can still
    be redeemed), and slack_sdk's state store the state it could not look up. The handlers that
    setup_logging installs mask them too; this keeps them out of any other handler as well.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: SafeRecordFilter still writes (and masks) it
            return True
        record.msg = mask_secrets(message)
        record.args = None
        return True


for _logger in (flow_log, store_log):
    if not any(isinstance(f, WithoutOAuthSecrets) for f in _logger.filters):
        _logger.addFilter(WithoutOAuthSecrets())


class ThreadedInstallationStore(AsyncInstallationStore):
    """slack_sdk's SQLAlchemy installation store for bolt's AsyncApp: each call in a worker thread."""

    def __init__(self, client_id: str, engine: Any) -> None:
        self.reads = SQLAlchemyInstallationStore(client_id, engine, logger=store_log)
        # save() reads, then writes: on SQLite that transaction must hold the write lock from the start.
        self.writes = SQLAlchemyInstallationStore(client_id, writer_engine(engine), logger=store_log)

    @property
    def logger(self) -> logging.Logger:
        return store_log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.writes.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.writes.save_bot, bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        return await asyncio.to_thread(
            self.reads.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            self.reads.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.writes.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            self.writes.delete_installation, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.writes.delete_all, enterprise_id=enterprise_id, team_id=team_id)


class ThreadedStateStore(AsyncOAuthStateStore):
    """slack_sdk's SQLAlchemy OAuth state store for bolt, each call in a worker thread."""

    def __init__(self, store: Store, *, clock: Clock = utc_now, expiration_seconds: int = STATE_SECONDS) -> None:
        self._store = store
        self._clock = clock
        # consume() reads, then deletes: the same SQLite write-lock rule as for installations.
        self.sync = SQLAlchemyOAuthStateStore(expiration_seconds, writer_engine(store.engine), logger=store_log)

    @property
    def logger(self) -> logging.Logger:
        return store_log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self._issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.sync.consume, state)

    def _issue(self) -> str:
        # Every view of the install page stores a state, and slack_sdk deletes only the used ones:
        # without this sweep, crawlers and abandoned installs would grow the table forever.
        self._store.oauth_states.sweep_expired(now=self._clock())
        return self.sync.issue()


class SlackInstalls:
    """Every workspace's installation, in the bot's database, and what the install flow needs."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        store: Store,
        *,
        clock: Clock = utc_now,
        timer: Callable[[], float] = time.monotonic,
        lookup_seconds: float = LOOKUP_SECONDS,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.store = store
        self._clock = clock  # dates what the store keeps: states' expiry sweeps, audit rows
        self.installations = ThreadedInstallationStore(client_id, store.engine)
        self.states = ThreadedStateStore(store, clock=clock)
        # Monotonic: how long the database has been unreachable, whatever the wall clock does.
        self.bots = RememberedBots(self._find_bot, clock=timer, lookup_seconds=lookup_seconds)

    def create_tables(self) -> None:
        """Create slack_sdk's tables where missing; safe when several replicas start at once."""
        for create in (self.installations.writes.create_tables, self.states.sync.create_tables):
            create_racing(create)

    async def bot_token(self, team_id: str) -> str | None:
        """The workspace's bot token, or None when the app is not installed there (the tip of the day
        asks; while the database is unreachable a token from memory does, else the post waits)."""
        try:
            bot = await self.bots.find(None, team_id)
        except CannotAuthorize:
            raise TransientDeliveryError("database_unreachable") from None
        return bot.bot_token if bot is not None else None

    async def _find_bot(self, enterprise_id: str | None, team_id: str | None) -> Bot | None:
        return await self.installations.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)

    def oauth_settings(self) -> AsyncOAuthSettings:
        """bolt's install-flow settings: our scopes and paths, our stores, nothing read from the environment."""
        return AsyncOAuthSettings(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scopes=list(SCOPES),
            user_scopes=[],
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=self.installations,
            installation_store_bot_only=True,
            state_store=self.states,
            state_expiration_seconds=STATE_SECONDS,
            logger=flow_log,
        )

    def flow(self, client: AsyncWebClient) -> AsyncOAuthFlow:
        """bolt's install flow, logging to our logger (which masks codes and states), not the app's."""
        return AsyncOAuthFlow(client=client, logger=flow_log, settings=self.oauth_settings())

    def authorize(self) -> WorkspaceAuthorize:
        """Finds the workspace's bot token for each request (from the database, or from memory while
        the database cannot be reached), checked once per token with auth.test."""
        return WorkspaceAuthorize(self.bots)

    def forget(self, enterprise_id: str | None, team_id: str | None, why: str) -> int:
        """Delete a workspace's installation and its subscriptions; returns how many subscriptions went."""
        self.installations.writes.delete_all(enterprise_id=enterprise_id, team_id=team_id)
        if team_id is None:  # an org-wide install; subscriptions are kept per workspace
            return 0
        return self.store.subscriptions.remove_workspace(
            Platform.SLACK, team_id, actor=f"slack ({why})", now=self._clock()
        )


def create_racing(create: Callable[[], None], attempts: int = CREATE_ATTEMPTS) -> None:
    """Run `create` (a CREATE TABLE IF MISSING); retry when another process created the table first."""
    for attempt in range(1, attempts + 1):
        try:
            create()
            return
        except Exception as exc:
            # Replicas starting together all find the table missing, then all create it; the losers
            # fail ("already exists", or PostgreSQL's duplicate catalog key) and find it there next time.
            text = str(exc).lower()
            if attempt == attempts or not ("already exists" in text or "duplicate key" in text):
                raise
            log.info("another process created the Slack tables first; checking again")


def oauth_routes(app: AsyncApp) -> list[web.RouteDef]:
    """GET /slack/install and GET /slack/oauth_redirect, handled by the app's AsyncOAuthFlow."""
    flow = app.oauth_flow
    if flow is None:
        return []

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(browser_request(request)))

    async def callback(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(browser_request(request)))

    return [web.get(flow.install_path, install), web.get(flow.redirect_uri_path, callback)]


def browser_request(request: web.Request) -> AsyncBoltRequest:
    """A browser's GET for bolt's install flow: its query and headers, never a body (a GET has no
    use for one, and bolt would decode and parse whatever was sent)."""
    return AsyncBoltRequest(body="", query=request.query_string, headers=dict(request.headers))
