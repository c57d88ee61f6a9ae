"""The bot's HTTP server: health endpoints, and the routes adapters serve (Slack's /slack/events)."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web


async def healthz(_request: web.Request) -> web.Response:
    """Alive: the process answers."""
    return web.Response(text="ok\n")


def build_web_app(routes: Iterable[web.RouteDef]) -> web.Application:
    """An aiohttp application with the health endpoint and the adapters' routes."""
    app = web.Application()
    app.add_routes([web.get("/healthz", healthz), *routes])
    return app


async def start_web(app: web.Application, port: int, host: str = "0.0.0.0") -> web.AppRunner:
    """Serve `app` on host:port until the returned runner is cleaned up."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
