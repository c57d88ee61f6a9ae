"""Exactly once through kill -9 and through replicas: real processes, one database, the fake Slack."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from datetime import UTC, datetime

import pytest

from bot.store import DeliveryStatus, Platform, Store, TargetKind
from tests.daily.harness import subscribe_many
from tests.fakes.slack_server import ApiCall, FakeSlack
from tests.support.processes import start_daily_worker

pytestmark = pytest.mark.process

SUBSCRIBED = datetime(2024, 7, 14, 12, 0, tzinfo=UTC)
NINE_BERLIN = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)


async def worker(url: str, fake: FakeSlack, worker_id: str, concurrency: int = 64) -> asyncio.subprocess.Process:
    return await start_daily_worker(url, fake.api_url, NINE_BERLIN, worker_id, concurrency)


def posts(fake: FakeSlack) -> Counter[str]:
    return Counter(call.params["channel"] for call in fake.calls_to("chat.postMessage"))


@pytest.mark.parametrize("killed_after", [1, 17, 39])
async def test_kill_9_mid_fan_out_loses_nothing_and_doubles_nothing(
    database_url: str, store: Store, killed_after: int
) -> None:
    total = 40
    subscribe_many(store, total, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    fake = await FakeSlack().start()
    victim: asyncio.subprocess.Process | None = None

    def kill_at_k(call: ApiCall) -> None:
        # The k-th post has reached Slack; the worker dies before it hears back.
        if call.method == "chat.postMessage" and len(fake.calls_to("chat.postMessage")) == killed_after:
            assert victim is not None
            os.kill(victim.pid, signal.SIGKILL)

    try:
        fake.on_call = kill_at_k
        victim = await worker(database_url, fake, "bot-1", concurrency=1)
        assert await asyncio.wait_for(victim.wait(), 60) == -signal.SIGKILL
        fake.on_call = None
        assert sum(posts(fake).values()) == killed_after

        restarted = await worker(database_url, fake, "bot-1", concurrency=1)  # same worker: recovers at once
        _, stderr = await asyncio.wait_for(restarted.communicate(), 60)
        assert restarted.returncode == 0, stderr.decode()
    finally:
        await fake.stop()
    assert posts(fake) == Counter({f"C{n}": 1 for n in range(total)})  # every channel once, none twice
    statuses = Counter(d.status for s in store.subscriptions.active() if (d := store.ledger.last_delivery(s.id)))
    # The post in flight at the kill reached Slack but its answer never came back: it is
    # reported as unknown, not resent.
    assert statuses == Counter({DeliveryStatus.SENT: total - 1, DeliveryStatus.UNKNOWN: 1})


async def test_three_replicas_post_each_subscription_once(database_url: str, store: Store) -> None:
    total = 300
    subscribe_many(store, total, platform=Platform.SLACK, workspaces=15, now=SUBSCRIBED)
    fake = await FakeSlack().start()
    try:
        replicas = [await worker(database_url, fake, f"replica-{n}") for n in range(3)]
        results = await asyncio.wait_for(asyncio.gather(*(r.communicate() for r in replicas)), 120)
        for replica, (_, stderr) in zip(replicas, results, strict=True):
            assert replica.returncode == 0, stderr.decode()
    finally:
        await fake.stop()
    assert posts(fake) == Counter({f"C{n}": 1 for n in range(total)})
    workers = Counter(d.claimed_by for s in store.subscriptions.active() if (d := store.ledger.last_delivery(s.id)))
    assert sum(workers.values()) == total
    print(f"\nclaims per replica: {dict(workers)}")


async def test_kill_9_mid_fan_out_of_personal_tips_sends_each_dm_once(database_url: str, store: Store) -> None:
    total, killed_after = 20, 7
    subscribe_many(
        store, total, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED, prefix="U", kind=TargetKind.PERSON
    )
    fake = await FakeSlack().start()
    victim: asyncio.subprocess.Process | None = None

    def kill_at_k(call: ApiCall) -> None:
        if call.method == "chat.postMessage" and len(fake.calls_to("chat.postMessage")) == killed_after:
            assert victim is not None
            os.kill(victim.pid, signal.SIGKILL)

    try:
        fake.on_call = kill_at_k
        victim = await worker(database_url, fake, "bot-1", concurrency=1)
        assert await asyncio.wait_for(victim.wait(), 60) == -signal.SIGKILL
        fake.on_call = None
        restarted = await worker(database_url, fake, "bot-1", concurrency=1)
        _, stderr = await asyncio.wait_for(restarted.communicate(), 60)
        assert restarted.returncode == 0, stderr.decode()
    finally:
        await fake.stop()
    # Each person's DM (opened with conversations.open) got one tip; none got two.
    assert posts(fake) == Counter({fake.dm_of(f"U{n}"): 1 for n in range(total)})
    statuses = Counter(d.status for s in store.subscriptions.active() if (d := store.ledger.last_delivery(s.id)))
    assert statuses == Counter({DeliveryStatus.SENT: total - 1, DeliveryStatus.UNKNOWN: 1})
