"""`mltip run`: serve every configured platform from one asyncio process, or the console.

Both open the database first (migrating it to the newest schema), so `/mltip daily`, the votes
and `/mltip stats` work everywhere, the console included.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from typing import TYPE_CHECKING

from aiohttp import web

from bot.adapters import Adapter
from bot.adapters.console import run_console
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.log import setup_logging
from bot.metrics import Metrics
from bot.web import ReadinessCheck, build_web_app, start_web

if TYPE_CHECKING:
    from bot.daily.fanout import Poster
    from bot.daily.scheduler import DailyScheduler
    from bot.store import Store

log = logging.getLogger("mltip")
UPKEEP_SECONDS = 300.0  # how often votes from other replicas reach ranking, and old questions go


def open_store(settings: Settings) -> Store:
    """The bot's database (MLTIP_DATABASE_URL, else SQLite in MLTIP_DATA_DIR), migrated to the newest schema."""
    from bot.store import Store

    settings.data_dir.mkdir(parents=True, exist_ok=True)  # the default SQLite file lives there
    return Store.open(settings.database_url)


def build_engine(library: Library, store: Store, settings: Settings) -> CommandEngine:
    """The command engine, with `/mltip daily`, votes and `/mltip stats` carried out on `store`.

    From `settings`: the default zone and the cap of `/mltip daily`, the voter key
    (MLTIP_SECRET_KEY, or the data directory's) and how long unanswered questions are kept.
    """
    from datetime import timedelta

    from bot.daily.clock import utc_now
    from bot.daily.service import DailyService
    from bot.feedback.key import voter_key
    from bot.feedback.service import FeedbackService

    daily = DailyService(
        store,
        clock=utc_now,
        default_zone=settings.default_timezone,
        max_subscriptions_per_workspace=settings.max_subscriptions_per_workspace,
    )
    feedback = FeedbackService(
        store,
        library,
        key=voter_key(settings).key,
        clock=utc_now,
        retention=timedelta(days=settings.question_retention_days),
    )
    return CommandEngine(library, daily=daily, cache_dir=settings.cache_dir, feedback=feedback)


async def keep_feedback_fresh(engine: CommandEngine, stop: asyncio.Event, every: float = UPKEEP_SECONDS) -> None:
    """Until `stop`: re-read the vote tallies (other replicas' votes) and sweep old questions, every `every` s."""
    feedback = engine.feedback
    while feedback is not None and not stop.is_set():
        try:
            await asyncio.to_thread(feedback.upkeep)
        except Exception:  # the database is away, say: the snapshot stays as it was until next time
            log.warning("could not refresh the vote tallies or sweep old questions", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


def build_adapters(settings: Settings, engine: CommandEngine, store: Store | None = None) -> list[Adapter]:
    """One adapter per configured platform; each platform's library loads only when configured."""
    adapters: list[Adapter] = []
    if settings.has_slack:
        from bot.adapters.slack.adapter import SlackAdapter

        adapters.append(SlackAdapter(settings, engine, store))
    if settings.has_discord:
        from bot.adapters.discord import DiscordAdapter

        adapters.append(DiscordAdapter(settings, engine))
    return adapters


async def serve(
    settings: Settings,
    engine: CommandEngine,
    stop: asyncio.Event,
    metrics: Metrics | None = None,
    store: Store | None = None,
) -> None:
    """Start the web server, every adapter and (with a store) the daily scheduler; run until
    `stop` is set; then let in-flight posts finish (up to MLTIP_SHUTDOWN_SECONDS) and close all."""
    metrics = metrics or Metrics()
    engine.observer = metrics.observe_answer
    engine.on_unanswered = metrics.observe_unanswered
    engine.on_vote = metrics.observe_vote
    adapters = build_adapters(settings, engine, store)
    routes: list[web.RouteDef] = []
    readiness: dict[str, ReadinessCheck] = {}
    if store is not None:
        readiness["database"] = lambda: asyncio.to_thread(store.is_current)
    for adapter in adapters:
        routes += adapter.routes()
        readiness[adapter.platform] = adapter.is_connected
    app = build_web_app(routes, metrics=metrics, readiness=readiness)
    runner = await start_web(app, settings.http_port)
    log.info("listening on port %d", settings.http_port)
    daily = None
    upkeep = asyncio.create_task(keep_feedback_fresh(engine, stop), name="mltip-feedback-upkeep")
    try:
        for adapter in adapters:
            await adapter.start()
        if store is not None and adapters:
            daily = build_daily(settings, engine, store, adapters, metrics)
            daily.start()
        await stop.wait()
    finally:
        if daily is not None and not await daily.stop(settings.shutdown_seconds):
            log.warning("posts still in flight at the shutdown deadline; the next start settles them")
        for adapter in reversed(adapters):
            await adapter.close()
        upkeep.cancel()
        await asyncio.gather(upkeep, return_exceptions=True)
        await runner.cleanup()


def build_daily(
    settings: Settings, engine: CommandEngine, store: Store, adapters: list[Adapter], metrics: Metrics
) -> DailyScheduler:
    """The tip-of-the-day scheduler, posting through the configured platforms."""
    from datetime import timedelta

    from bot.daily.clock import utc_now
    from bot.daily.fanout import Fanout
    from bot.daily.pacing import DEFAULT_PACES, Pacer
    from bot.daily.scheduler import DailyScheduler

    posters: dict[str, Poster] = {}
    for adapter in adapters:
        if (poster := adapter.poster) is not None:
            posters[adapter.platform] = poster
    fanout = Fanout(
        store, engine, posters, clock=utc_now, pacer=Pacer(DEFAULT_PACES), on_outcome=metrics.observe_delivery
    )
    return DailyScheduler(
        store,
        fanout,
        clock=utc_now,
        worker_id=settings.worker_id,
        grace=timedelta(hours=settings.daily_grace_hours),
        platforms=frozenset(posters),
    )


async def _serve_until_signalled(settings: Settings, engine: CommandEngine, store: Store) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(settings, engine, stop, store=store)


def run(settings: Settings, library: Library) -> int:
    """Run until stopped; returns the exit code."""
    from bot.core.semantic import use_numpy

    use_numpy()  # a server answers many questions: a tenth of the time each, for one import at start
    with open_store(settings) as store:
        engine = build_engine(library, store, settings)
        # What start-up loaded (content, SQLAlchemy, Alembic's migration run) lives as long as the
        # process. Frozen, full collections stop walking it; otherwise each one stalls whichever
        # requests are in flight (measured: p99 of /mltip doubled in bench/slack_latency.py).
        gc.collect()
        gc.freeze()
        return _run(settings, engine, store)


def _run(settings: Settings, engine: CommandEngine, store: Store) -> int:
    if not (settings.has_slack or settings.has_discord):
        return run_console(engine, sys.stdin, sys.stdout)
    secrets = [
        s
        for s in (
            settings.slack_bot_token,
            settings.slack_app_token,
            settings.slack_signing_secret,
            settings.slack_client_secret,
            settings.discord_token,
            settings.secret_key,
        )
        if s
    ]
    setup_logging(json_format=settings.log_format == "json", secrets=secrets)
    asyncio.run(_serve_until_signalled(settings, engine, store))
    return 0
