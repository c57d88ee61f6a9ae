"""Where discord.py connects: DISCORD_API_URL and DISCORD_GATEWAY_URL.

DISCORD_API_URL and DISCORD_GATEWAY_URL are applied to two class attributes, because discord.py
has no per-client setting for either:
- every REST request, interaction callbacks and webhook follow-ups included, builds its URL
  from `discord.http.Route.BASE`, a ClassVar the library itself rewrites process-wide
  (`discord.http._set_api_version`);
- every fresh gateway connection — the first IDENTIFY, a re-IDENTIFY after INVALID_SESSION, each
  shard of an AutoShardedClient given a shard count — starts at
  `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` (a plain Client never asks GET /gateway/bot).
  A RESUME goes to READY's `resume_gateway_url`, as Discord requires, so a gateway proxy must
  rewrite that field if RESUMEs are to pass through it too.
So the settings hold for the whole process while an adapter runs: its `start()` claims them, a
second adapter asking for different ones is refused with ConfigError, and discord.py's defaults
come back when the last adapter closes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import INTERNAL_API_VERSION, Route

from bot.config import Settings
from bot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where discord.py sends REST requests and opens gateway connections."""

    api_base: str
    gateway: yarl.URL


DISCORD_DEFAULTS = Endpoints(api_base=Route.BASE, gateway=DiscordWebSocket.DEFAULT_GATEWAY)
_claims: list[Endpoints] = []  # one entry per running adapter in this process


def endpoints_for(settings: Settings) -> Endpoints:
    """The endpoints the settings ask for; a REST URL without `/api/vN` gets discord.py's version."""
    api_base = DISCORD_DEFAULTS.api_base
    if settings.discord_api_url:
        api_base = settings.discord_api_url.rstrip("/")
        if not re.search(r"/api/v\d+$", api_base):
            api_base += f"/api/v{INTERNAL_API_VERSION}"
    gateway = yarl.URL(settings.discord_gateway_url) if settings.discord_gateway_url else DISCORD_DEFAULTS.gateway
    return Endpoints(api_base=api_base, gateway=gateway)


def claim(endpoints: Endpoints) -> None:
    """Point discord.py at `endpoints` for this process; ConfigError if a running adapter disagrees."""
    if _claims and _claims[0] != endpoints:
        raise ConfigError(
            f"another Discord adapter in this process uses {_claims[0].api_base} and {_claims[0].gateway}; "
            "discord.py supports one REST base and one gateway URL per process"
        )
    _claims.append(endpoints)
    Route.BASE = endpoints.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = endpoints.gateway


def release(endpoints: Endpoints) -> None:
    """Give up a claim; the last one out restores discord.py's defaults."""
    _claims.remove(endpoints)
    if not _claims:
        Route.BASE = DISCORD_DEFAULTS.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = DISCORD_DEFAULTS.gateway
