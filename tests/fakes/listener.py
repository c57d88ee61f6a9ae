"""Any HTTP server an attacker might point the bot at: records every request it receives.

Stands in for the `response_url` of a forged request; a test asserts it heard nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Listener:
    """Start with `await listener.start()`; `url` accepts any method on any path."""

    heard: list[tuple[str, str, bytes]] = field(default_factory=list)  # (method, path, body)
    _runner: web.AppRunner | None = None
    _port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/hook"

    async def start(self) -> Listener:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._record)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, request: web.Request) -> web.Response:
        self.heard.append((request.method, request.path, await request.read()))
        return web.Response(text="ok")
