"""Thin platform adapters: parse the platform's input, call the core, render the Reply.

Each chat platform is a package of the same shape: `adapter.py` (the adapter the runner starts:
lifecycle, HTTP routes, readiness, its poster), `listeners.py` (what answers commands and button
presses, and the one error hook), `poster.py` (the tip of the day, failures sorted into
DeliveryError subclasses) and `render.py` (Reply -> the platform's message), beside modules
named for what only that platform has. What they do alike lives in the core
(bot/core/conversation.py). The console is one module, console.py: a loop over a terminal's
lines with no connection, routes or posting, so it has nothing to fill the other files with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from aiohttp import web

    from bot.daily.fanout import Poster


class Adapter(Protocol):
    """What `mltip run` (bot/runner.py) needs of a chat adapter."""

    @property
    def platform(self) -> str:
        """The platform served ('slack', 'discord'): names its poster and its /readyz check."""
        ...

    @property
    def poster(self) -> Poster | None:
        """What posts the tip of the day there, or None when the adapter does not."""
        ...

    def routes(self) -> list[web.RouteDef]:
        """The HTTP routes it serves on the bot's web server (none when it only connects out)."""
        ...

    async def is_connected(self) -> bool:
        """Whether it can answer now (the /readyz check)."""
        ...

    async def start(self) -> None:
        """Connect, or get ready to be called; raise ConfigError when the setup cannot work."""
        ...

    async def close(self) -> None:
        """Disconnect and let go of what start() took."""
        ...
