"""What the multiprocessing tests run in their child processes (importable, for the spawn start method)."""

from __future__ import annotations

import os
import signal
from datetime import time
from typing import Any

from sqlalchemy import text

from bot.core.weekdays import EVERY_DAY
from bot.store import ChannelKey, Platform, Store
from bot.store.db import WRITE_OPTION


def claim_until_empty(url: str, worker_id: str, now: Any, barrier: Any, results: Any) -> None:
    """Claim (and mark sent) in small batches until nothing is due; report the ids claimed."""
    claimed: list[int] = []
    with Store.open(url, migrate=False) as store:
        barrier.wait()
        while batch := store.ledger.claim_due(now, worker_id, limit=3):
            for claim in batch:
                claimed.append(claim.delivery.id)
                store.ledger.begin_send(claim.delivery.id)
                store.ledger.mark_sent(claim.delivery.id, f"{worker_id}:{claim.delivery.id}", now)
    results.put((worker_id, claimed))


def subscribe_same_channel(url: str, actor: str, now: Any, barrier: Any, results: Any) -> None:
    """Subscribe one channel, as a replayed request from another replica would."""
    key = ChannelKey(platform=Platform.DISCORD, workspace_id="G1", channel_id="C1")
    with Store.open(url, migrate=False) as store:
        barrier.wait()
        subscription = store.subscriptions.subscribe(
            key, local_time=time(9, 0), timezone="Asia/Kolkata", weekdays=EVERY_DAY, actor=actor, now=now
        )
    results.put(subscription.id)


def die_while_claiming(url: str, ready: Any) -> None:
    """Lock every pending delivery in an open write transaction, then get killed (kill -9) mid-way."""
    with Store.open(url, migrate=False) as store, store.engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})  # BEGIN IMMEDIATE on SQLite
        with connection.begin():
            connection.execute(text("UPDATE deliveries SET claimed_by = 'doomed' WHERE status = 'pending'"))
            ready.set()
            os.kill(os.getpid(), signal.SIGKILL)


def toggle_daily(url: str, requests: int, offset: int, barrier: Any, results: Any) -> None:
    """`/mltip daily off` and `/mltip daily 09:00` by turns in one channel; report what failed."""
    from bot.daily.service import DailyService
    from tests.daily.service.helpers import MONDAY_MORNING, daily
    from tests.support.clock import FakeClock

    failures: list[str] = []
    with Store.open(url, migrate=False) as store:
        service = DailyService(store, clock=FakeClock(MONDAY_MORNING))
        barrier.wait()
        for n in range(requests):
            try:
                daily(service, ("off", "09:00 Europe/Berlin")[(n + offset) % 2])
            except Exception as exc:  # every failure is reported to the test
                failures.append(repr(exc))
    results.put(failures)


def subscribe_channels(url: str, cap: int, numbers: Any, barrier: Any, results: Any) -> None:
    """`/mltip daily 09:00` in channels C<n> of one workspace under a cap; report every answer."""
    from bot.core.daily import Invocation
    from bot.daily.service import DailyService
    from bot.errors import CommandError
    from tests.daily.service.helpers import MONDAY_MORNING, daily
    from tests.support.clock import FakeClock

    answers: list[str] = []
    with Store.open(url, migrate=False) as store:
        service = DailyService(store, clock=FakeClock(MONDAY_MORNING), max_subscriptions_per_workspace=cap)
        barrier.wait()
        for n in numbers:
            where = Invocation(
                platform=Platform.SLACK,
                workspace_id="T1",
                channel_id=f"C{n}",
                user_id="U1",
                user_name="a",
                can_manage=True,
            )
            try:
                answers.append(daily(service, "09:00 Europe/Berlin", where).title)
            except CommandError as refused:
                answers.append(str(refused))
    results.put(answers)
