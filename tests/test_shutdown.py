"""SIGTERM in the middle of a fan-out: posts in flight finish, the rest wait for the next start."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.weekdays import EVERY_DAY
from bot.store import ChannelKey, DeliveryStatus, Platform, Store
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, ApiCall, FakeSlack
from tests.support.ports import free_port
from tests.support.processes import start_mltip_run

pytestmark = pytest.mark.process

TOTAL = 40


def due_now(store: Store) -> None:
    fire = (datetime.now(UTC) - timedelta(minutes=2)).replace(second=0, microsecond=0)
    for n in range(TOTAL):
        key = ChannelKey(platform=Platform.SLACK, workspace_id=f"T{n % 8}", channel_id=f"C{n}")
        store.subscriptions.subscribe(
            key, local_time=fire.time(), timezone="UTC", weekdays=EVERY_DAY, actor="U", now=fire - timedelta(days=1)
        )


async def start_bot(fake: FakeSlack, url: str, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "MLTIP_DATABASE_URL": url,
        "MLTIP_HTTP_PORT": str(free_port()),
        "MLTIP_DATA_DIR": str(tmp_path),
        "MLTIP_WORKER_ID": "bot-a",
        "MLTIP_SHUTDOWN_SECONDS": "20",
    }
    return await start_mltip_run(env)


async def test_sigterm_mid_fan_out_loses_nothing_and_doubles_nothing(
    database_url: str, store: Store, tmp_path: Path
) -> None:
    due_now(store)
    fake = await FakeSlack().start()
    fake.post_delay = 0.3  # slow enough that the signal lands mid fan-out
    bot: asyncio.subprocess.Process | None = None
    signalled = asyncio.Event()

    def term_after_eight(call: ApiCall) -> None:
        if call.method == "chat.postMessage" and len(fake.calls_to("chat.postMessage")) == 8:
            assert bot is not None
            bot.send_signal(signal.SIGTERM)
            signalled.set()

    try:
        fake.on_call = term_after_eight
        bot = await start_bot(fake, database_url, tmp_path)
        _, stderr = await asyncio.wait_for(bot.communicate(), 60)
        assert signalled.is_set() and bot.returncode == 0, stderr.decode()
        first_run = len(fake.calls_to("chat.postMessage"))
        assert first_run < TOTAL  # it really stopped early
        sent = [d for s in store.subscriptions.active() if (d := store.ledger.last_delivery(s.id))]
        assert Counter(d.status for d in sent)[DeliveryStatus.SENT] == first_run, (
            Counter(d.status for d in sent),
            stderr.decode()[-3000:],
        )
        assert {d.status for d in sent} <= {DeliveryStatus.SENT, DeliveryStatus.PENDING}  # nothing in limbo

        fake.on_call = None
        fake.post_delay = 0.0
        bot = await start_bot(fake, database_url, tmp_path)
        await fake.wait_for(lambda: len(fake.calls_to("chat.postMessage")) >= TOTAL, timeout=60)
        await asyncio.sleep(0.5)  # would a double post still come?
        bot.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(bot.communicate(), 60)
        assert bot.returncode == 0, stderr.decode()
    finally:
        if bot is not None and bot.returncode is None:
            bot.kill()
        await fake.stop()
    posts = Counter(call.params["channel"] for call in fake.calls_to("chat.postMessage"))
    assert posts == Counter({f"C{n}": 1 for n in range(TOTAL)})
