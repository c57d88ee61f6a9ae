"""The bot's HTTP server: /healthz, /readyz, /metrics, and the routes adapters serve (/slack/events)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping

from aiohttp import web

from bot.metrics import Metrics

ReadinessCheck = Callable[[], Awaitable[bool]]
CHECK_TIMEOUT = 2.0


async def healthz(_request: web.Request) -> web.Response:
    """Alive: the process answers."""
    return web.Response(text="ok\n")


def _readyz(checks: Mapping[str, ReadinessCheck]) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def readyz(_request: web.Request) -> web.Response:
        results: dict[str, bool] = {}
        for name, check in checks.items():
            try:
                results[name] = await asyncio.wait_for(check(), CHECK_TIMEOUT)
            except Exception:  # a failing check means "not ready", whatever it raised
                results[name] = False
        ready = all(results.values())
        return web.json_response({"ready": ready, "checks": results}, status=200 if ready else 503)

    return readyz


def _metrics(metrics: Metrics) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def serve_metrics(_request: web.Request) -> web.Response:
        response = web.Response(body=metrics.render())
        response.headers["Content-Type"] = metrics.content_type
        return response

    return serve_metrics


def build_web_app(
    routes: Iterable[web.RouteDef],
    *,
    metrics: Metrics | None = None,
    readiness: Mapping[str, ReadinessCheck] | None = None,
) -> web.Application:
    """An aiohttp application with health, readiness, metrics and the adapters' routes."""
    app = web.Application()
    app.add_routes([web.get("/healthz", healthz), web.get("/readyz", _readyz(readiness or {}))])
    if metrics is not None:
        app.add_routes([web.get("/metrics", _metrics(metrics))])
    app.add_routes(list(routes))
    return app


async def start_web(app: web.Application, port: int, host: str = "0.0.0.0") -> web.AppRunner:
    """Serve `app` on host:port until the returned runner is cleaned up."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
