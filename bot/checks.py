"""Start-up checks: a setup that cannot work is refused with a message that says what to fix."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.config import Settings

SLACK_TOKEN_KINDS = {
    "xoxb": "a bot token",
    "xoxp": "a user token",
    "xapp": "an app-level token",
    "xoxe": "a refresh token",
    "xoxa": "a workspace token",
}
DATABASE_TIMEOUT_SECONDS = 5.0
# Discord bot tokens are three dot-separated base64url parts.
DISCORD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


def _slack_kind(token: str) -> str:
    prefix = token.split("-", 1)[0]
    return SLACK_TOKEN_KINDS.get(prefix, "not a Slack token")


def check_settings(settings: Settings) -> list[str]:
    """Every problem with the configuration itself (no network needed), as sentences."""
    problems: list[str] = []
    bot_token, app_token = settings.slack_bot_token, settings.slack_app_token
    if bot_token and not bot_token.startswith("xoxb-"):
        problems.append(
            f"SLACK_BOT_TOKEN is {_slack_kind(bot_token)}; use the Bot User OAuth Token (xoxb-...) "
            "from your app's OAuth & Permissions page"
        )
    if app_token and not app_token.startswith("xapp-"):
        problems.append(
            f"SLACK_APP_TOKEN is {_slack_kind(app_token)}; create an app-level token (xapp-...) with "
            "connections:write under Basic Information, or unset it to use HTTP mode"
        )
    oauth = settings.slack_oauth
    if app_token and not bot_token and not oauth:
        problems.append("SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not; Socket Mode needs both")
    if (bot_token or oauth) and not app_token and not settings.slack_signing_secret:
        problems.append(
            "Slack HTTP mode needs SLACK_SIGNING_SECRET (Basic Information > Signing Secret), "
            "or set SLACK_APP_TOKEN to use Socket Mode"
        )
    problems += _slack_oauth_problems(settings)
    token = settings.discord_token
    if token and (token.startswith(("xox", "xapp")) or not DISCORD_TOKEN.match(token.removeprefix("Bot "))):
        problems.append("DISCORD_TOKEN does not look like a Discord bot token (copy it from the Bot page)")
    problems += _check_timezone(settings.default_timezone)
    return problems


def _slack_oauth_problems(settings: Settings) -> list[str]:
    """SLACK_CLIENT_ID / SLACK_CLIENT_SECRET: both or neither, HTTP mode, no fixed bot token."""
    client_id, secret = settings.slack_client_id, settings.slack_client_secret
    where = "from your app's Basic Information > App Credentials"
    if client_id and not secret:
        return [f"SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not; the install flow needs both (copy it {where})"]
    if secret and not client_id:
        return [f"SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not; the install flow needs both (copy it {where})"]
    if not settings.slack_oauth:
        return []
    problems: list[str] = []
    if settings.slack_bot_token:
        problems.append(
            "set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (any number of "
            "workspaces, each installed at /slack/install), not both; unset SLACK_BOT_TOKEN to distribute the app"
        )
    if settings.slack_app_token:
        problems.append(
            "the Slack install flow (SLACK_CLIENT_ID) needs HTTP mode: unset SLACK_APP_TOKEN and set "
            "SLACK_SIGNING_SECRET"
        )
    if secret == settings.slack_signing_secret:
        problems.append(f"SLACK_CLIENT_SECRET is the same as SLACK_SIGNING_SECRET; copy the Client Secret {where}")
    return problems


def check_database(settings: Settings, timeout: float = DATABASE_TIMEOUT_SECONDS) -> list[str]:
    """The database cannot be reached (connect with a short timeout, then SELECT 1), as a sentence."""
    from bot.store.db import masked_url, unreachable_reason  # sqlalchemy loads only for this check

    reason = unreachable_reason(settings.database_url, timeout=timeout)
    if reason is None:
        return []
    return [f"cannot reach the database at {masked_url(settings.database_url)}: {reason}; check MLTIP_DATABASE_URL"]


def run_checks(settings: Settings, extra: list[Callable[[Settings], list[str]]] | None = None) -> list[str]:
    """The configuration checks plus any `extra` ones (such as reaching the database)."""
    problems = check_settings(settings)
    for check in extra or []:
        problems += check(settings)
    return problems


def _check_timezone(name: str) -> list[str]:
    from bot.daily.zones import resolve_timezone
    from bot.errors import CommandError

    try:
        resolve_timezone(name)
    except CommandError as exc:
        return [f"MLTIP_DEFAULT_TIMEZONE: {exc}"]
    return []
