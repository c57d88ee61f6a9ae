"""Settings, read from the environment once and validated; nothing else reads os.environ."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.core.daily import DEFAULT_MAX_SUBSCRIPTIONS_PER_WORKSPACE
from bot.core.library import BUILTIN_CONTENT
from bot.errors import ConfigError

DEFAULT_HTTP_PORT = 3000
DEFAULT_QUESTION_RETENTION_DAYS = 90
MIN_SECRET_KEY_CHARS = 16


def _default_data_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", ".")) / ".local" / "share")
    return Path(base) / "mltip"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything configurable, with the defaults that let the bot run with no setup at all."""

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    slack_client_id: str | None = None  # with the secret: the OAuth install flow, many workspaces
    slack_client_secret: str | None = None
    slack_admins: frozenset[str] = frozenset()  # user ids who may change subscriptions besides admins
    discord_token: str | None = None
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None
    discord_guild_id: int | None = None
    discord_shard_count: int | None = None
    discord_shard_ids: tuple[int, ...] | None = None
    database_url: str = "sqlite:///mltip.db"
    data_dir: Path = Path(".")
    cache_dir: Path | None = None
    http_port: int = DEFAULT_HTTP_PORT
    extra_content_dirs: tuple[Path, ...] = ()
    log_format: str = "text"
    daily_grace_hours: float = 3.0
    worker_id: str = "mltip"
    default_timezone: str = "UTC"
    shutdown_seconds: float = 25.0
    max_subscriptions_per_workspace: int = DEFAULT_MAX_SUBSCRIPTIONS_PER_WORKSPACE
    secret_key: str | None = None  # voters' pseudonyms (bot/feedback/key.py); else one in data_dir
    question_retention_days: int = DEFAULT_QUESTION_RETENTION_DAYS

    @property
    def content_roots(self) -> list[Path]:
        """The bot's own lessons, then any extra folders (a team's own lessons)."""
        return [BUILTIN_CONTENT, *self.extra_content_dirs]

    @property
    def has_slack(self) -> bool:
        """Whether Slack is configured: a bot token (one workspace) or OAuth credentials (many)."""
        return bool(self.slack_bot_token) or self.slack_oauth

    @property
    def slack_oauth(self) -> bool:
        """Whether the bot serves Slack's OAuth install flow (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def has_discord(self) -> bool:
        """Whether a Discord bot token is configured."""
        return bool(self.discord_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate settings; ConfigError says what to fix."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        port_text = get("MLTIP_HTTP_PORT") or str(DEFAULT_HTTP_PORT)
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"MLTIP_HTTP_PORT must be a port number (1-65535), not {port_text!r}")
        log_format = (get("MLTIP_LOG_FORMAT") or "text").lower()
        if log_format not in ("text", "json"):
            raise ConfigError(f"MLTIP_LOG_FORMAT must be 'text' or 'json', not {log_format!r}")
        extra = tuple(Path(p) for p in (get("MLTIP_CONTENT_DIR") or "").split(os.pathsep) if p)
        for folder in extra:
            if not folder.exists():
                raise ConfigError(f"MLTIP_CONTENT_DIR names {folder}, which does not exist")
        data_dir = Path(get("MLTIP_DATA_DIR") or _default_data_dir(env))
        guild_id = _optional_int(get("DISCORD_GUILD_ID"), "DISCORD_GUILD_ID")
        shard_count = _optional_int(get("DISCORD_SHARD_COUNT"), "DISCORD_SHARD_COUNT")
        shard_ids = _shard_ids(get("DISCORD_SHARD_IDS"), shard_count)
        grace = get("MLTIP_DAILY_GRACE_HOURS") or "3"
        try:
            grace_hours = float(grace)
        except ValueError:
            raise ConfigError(f"MLTIP_DAILY_GRACE_HOURS must be a number of hours, not {grace!r}") from None
        client_id = get("SLACK_CLIENT_ID")
        if client_id is not None and not SLACK_CLIENT_ID.match(client_id):
            raise ConfigError(
                f"SLACK_CLIENT_ID must look like 1234567890.1234567890, not {client_id!r} "
                "(copy the Client ID from your app's Basic Information > App Credentials)"
            )
        secret_key = get("MLTIP_SECRET_KEY")
        if secret_key is not None and len(secret_key) < MIN_SECRET_KEY_CHARS:
            raise ConfigError(
                f"MLTIP_SECRET_KEY must be at least {MIN_SECRET_KEY_CHARS} characters (e.g. the output of "
                "`openssl rand -hex 32`), or unset to have one generated in MLTIP_DATA_DIR"
            )
        return cls(
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=get("SLACK_API_URL"),
            slack_client_id=client_id,
            slack_client_secret=get("SLACK_CLIENT_SECRET"),
            slack_admins=_slack_user_ids(get("MLTIP_SLACK_ADMINS")),
            discord_token=get("DISCORD_TOKEN"),
            discord_api_url=get("DISCORD_API_URL"),
            discord_gateway_url=get("DISCORD_GATEWAY_URL"),
            discord_guild_id=guild_id,
            discord_shard_count=shard_count,
            discord_shard_ids=shard_ids,
            database_url=get("MLTIP_DATABASE_URL") or f"sqlite:///{data_dir / 'mltip.db'}",
            data_dir=data_dir,
            cache_dir=Path(env.get("XDG_CACHE_HOME") or Path(env.get("HOME", ".")) / ".cache") / "mltip",
            http_port=int(port_text),
            extra_content_dirs=extra,
            log_format=log_format,
            daily_grace_hours=grace_hours,
            default_timezone=get("MLTIP_DEFAULT_TIMEZONE") or "UTC",
            # Stable per replica (e.g. its hostname) lets a restarted worker take back its own
            # unfinished claims at once; the default, unique per process, waits for them to go stale.
            worker_id=get("MLTIP_WORKER_ID") or f"{os.uname().nodename}:{os.getpid()}",
            shutdown_seconds=_seconds(get("MLTIP_SHUTDOWN_SECONDS") or "25", "MLTIP_SHUTDOWN_SECONDS"),
            max_subscriptions_per_workspace=_at_least_one(
                get("MLTIP_MAX_SUBSCRIPTIONS_PER_WORKSPACE") or str(DEFAULT_MAX_SUBSCRIPTIONS_PER_WORKSPACE),
                "MLTIP_MAX_SUBSCRIPTIONS_PER_WORKSPACE",
            ),
            secret_key=secret_key,
            question_retention_days=_at_least_one(
                get("MLTIP_QUESTION_RETENTION_DAYS") or str(DEFAULT_QUESTION_RETENTION_DAYS),
                "MLTIP_QUESTION_RETENTION_DAYS",
            ),
        )


SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CLIENT_ID = re.compile(r"^[0-9]+\.[0-9]+$")


def _slack_user_ids(value: str | None) -> frozenset[str]:
    """MLTIP_SLACK_ADMINS: Slack member ids (U012AB3CD) separated by commas or spaces."""
    ids = [part for part in re.split(r"[\s,]+", value or "") if part]
    for user_id in ids:
        if not SLACK_USER_ID.match(user_id):
            raise ConfigError(
                f"MLTIP_SLACK_ADMINS must be Slack member ids such as U012AB3CD, separated by commas; {user_id!r} "
                "is not one (a member's id is in their profile: ⋮ > Copy member ID)"
            )
    return frozenset(ids)


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if seconds < 0:
        raise ConfigError(f"{name} must not be negative")
    return seconds


def _at_least_one(value: str, name: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def _optional_int(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _shard_ids(value: str | None, shard_count: int | None) -> tuple[int, ...] | None:
    """DISCORD_SHARD_IDS as '0,1,2' or a range '0-3'; each must be below DISCORD_SHARD_COUNT."""
    if value is None:
        return None
    if shard_count is None:
        raise ConfigError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total number of shards)")
    ids: list[int] = []
    for part in value.replace(" ", "").split(","):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ConfigError(f"DISCORD_SHARD_IDS must look like '0,1,2' or '0-3', not {value!r}")
        ids += range(int(low), int(high or low) + 1)
    if not ids or max(ids) >= shard_count:
        raise ConfigError(f"DISCORD_SHARD_IDS {value!r} must name shards below DISCORD_SHARD_COUNT={shard_count}")
    return tuple(sorted(set(ids)))
