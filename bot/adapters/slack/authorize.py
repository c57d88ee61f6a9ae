"""Which bot token answers a workspace (OAuth mode), also while the database cannot be reached.

bolt's InstallationStoreAuthorize reads the workspace's bot from the database for every request
and takes any failure for "not installed", so during a database outage every user was told to
reinstall the app and /mltip stopped answering. Here an unreachable database is not an
uninstall:

- each workspace's bot, once read, is remembered in this process (RememberedBots, the newest
  REMEMBERED_WORKSPACES of them);
- when the database cannot be reached (an error that says so, or no answer in LOOKUP_SECONDS)
  the remembered bot answers, and the database is left alone for RETRY_SECONDS, so that requests
  do not each wait for it;
- a workspace not remembered gets "having trouble reaching its database" (CannotAuthorize);
- only the database saying "no installation", or Slack saying the token is dead, is "not
  installed".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot

from bot.adapters.slack.poster import INSTALL_ERRORS
from bot.core.cache import BoundedCache
from bot.store import is_unreachable

log = logging.getLogger("mltip.slack")

REMEMBERED_WORKSPACES = 10_000
LOOKUP_SECONDS = 2.0  # Slack wants an answer within 3 s
RETRY_SECONDS = 10.0
DATABASE_TROUBLE = (
    "mltip is having trouble reaching its database right now, so it cannot answer here for the moment. "
    "Please try again in a few minutes; nothing needs to be reinstalled."
)
SLACK_TROUBLE = "mltip is having trouble reaching Slack right now. Please try again in a few minutes."

Workspace = tuple[str | None, str | None]  # (enterprise_id, team_id)
FindBot = Callable[[str | None, str | None], Awaitable[Bot | None]]


class CannotAuthorize(Exception):
    """A request cannot be authorized for now (not: the app is not installed); str() is for the user."""


class RememberedBots:
    """Each workspace's bot from the database, remembered for when the database cannot be reached."""

    def __init__(
        self,
        find: FindBot,
        *,
        limit: int = REMEMBERED_WORKSPACES,
        lookup_seconds: float = LOOKUP_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._find = find
        self._bots: BoundedCache[Workspace, Bot] = BoundedCache(max_entries=limit)  # least lately found go first
        self._lookup_seconds = lookup_seconds
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._retry_at: float | None = None  # set while the database is unreachable

    async def find(self, enterprise_id: str | None, team_id: str | None) -> Bot | None:
        """The workspace's bot (None: not installed); CannotAuthorize when neither the database nor
        this process's memory can say."""
        key = (enterprise_id, team_id)
        if self._retry_at is None or self._clock() >= self._retry_at:
            try:
                bot = await asyncio.wait_for(self._find(enterprise_id, team_id), self._lookup_seconds)
            except Exception as exc:
                if not is_unreachable(exc):
                    raise
                self._unreachable(exc)
            else:
                self._reachable()
                self._remember(key, bot)
                return bot
        remembered = self._bots.get(key)
        if remembered is None:
            raise CannotAuthorize(DATABASE_TROUBLE)
        return remembered

    def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        """The workspace uninstalled the app: never answer it from memory."""
        self._bots.discard((enterprise_id, team_id))

    def _remember(self, key: Workspace, bot: Bot | None) -> None:
        if bot is None:
            self._bots.discard(key)
        else:
            self._bots.put(key, bot)

    def _unreachable(self, error: BaseException) -> None:
        if self._retry_at is None:
            why = type(error).__name__ if isinstance(error, TimeoutError) else str(error).split("\n")[0]
            log.warning(
                "cannot reach the database for Slack installations (%s); answering %d known workspace(s) "
                "from memory and trying again every %d s",
                why,
                len(self._bots),
                self._retry_seconds,
            )
        self._retry_at = self._clock() + self._retry_seconds

    def _reachable(self) -> None:
        if self._retry_at is not None:
            log.info("the database for Slack installations answers again")
            self._retry_at = None


class WorkspaceAuthorize(AsyncAuthorize):
    """bolt's authorize step: the workspace's bot token, checked once per token with auth.test."""

    def __init__(self, bots: RememberedBots, limit: int = REMEMBERED_WORKSPACES) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.bots = bots
        self._results: BoundedCache[str, AuthorizeResult] = BoundedCache(max_entries=limit)  # by bot token

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_actor: Any,
    ) -> AuthorizeResult | None:
        bot = await self.bots.find(enterprise_id, team_id)
        if bot is None or not bot.bot_token:
            return None
        token = bot.bot_token
        result = self._results.get(token)
        if result is not None:
            return result
        try:
            answer = await context.client.auth_test(token=token)
        except SlackApiError as exc:
            data = exc.response.data
            if isinstance(data, dict) and data.get("error") in INSTALL_ERRORS:
                return None  # the token is dead: that is an uninstall
            raise CannotAuthorize(SLACK_TROUBLE) from exc
        result = AuthorizeResult.from_auth_test_response(
            auth_test_response=answer, bot_token=token, bot_scopes=bot.bot_scopes
        )
        return self._results.put(token, result)
