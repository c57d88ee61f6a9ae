"""A daily worker in a process of its own, for the crash and replica tests.

    python -m tests.daily.worker_process DB_URL SLACK_API_URL START_ISO WORKER_ID [CONCURRENCY]

It runs one scheduler tick as `mltip run` would (same store, fan-out, poster), with the clock
starting at START_ISO, and exits 0 when the tick is done.
"""

from __future__ import annotations

import asyncio
import random
import sys
from datetime import datetime, timedelta

from bot.core.commands import CommandEngine
from bot.core.library import BUILTIN_CONTENT
from bot.core.loading import load_library
from bot.daily.scheduler import DailyScheduler
from bot.store import Store
from tests.daily.harness import make_fanout, slack_poster
from tests.support.clock import FakeClock


async def main(url: str, slack_api: str, start: str, worker_id: str, concurrency: int) -> None:
    store = Store.open(url)
    engine = CommandEngine(load_library([BUILTIN_CONTENT]), rng=random.Random(1))
    clock = FakeClock(datetime.fromisoformat(start), running=True)
    fanout = make_fanout(store, engine, {"slack": slack_poster(slack_api)}, clock, concurrency=concurrency)
    daily = DailyScheduler(
        store,
        fanout,
        clock=clock,
        worker_id=worker_id,
        grace=timedelta(hours=3),
        platforms=frozenset({"slack"}),
        stale_after=timedelta(minutes=10),
    )
    await daily.tick()
    store.close()


if __name__ == "__main__":
    url, slack_api, start, worker_id = sys.argv[1:5]
    concurrency = int(sys.argv[5]) if len(sys.argv) > 5 else 64
    asyncio.run(main(url, slack_api, start, worker_id, concurrency))
