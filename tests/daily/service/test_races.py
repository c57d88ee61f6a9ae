"""`/mltip daily` under concurrency: every request is answered, whatever the others do at the same moment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.core.replies import Reply
from bot.daily.service import DailyService
from bot.store import AuditAction, Platform, Store
from tests.daily.service.helpers import KEY, MONDAY_MORNING, daily
from tests.store import workers
from tests.support.clock import FakeClock
from tests.support.processes import run_replicas

TOGGLES = ("off", "09:00 Europe/Berlin")


def final_state_agrees_with_the_audit_log(store: Store) -> None:
    subscription = store.subscriptions.get(KEY)
    newest = store.subscriptions.audit(Platform.SLACK, KEY.workspace_id, KEY.channel_id, limit=1)
    subscribed = bool(newest) and newest[0].action is not AuditAction.UNSUBSCRIBE
    assert (subscription is not None) == subscribed


def test_concurrent_off_and_on_in_one_channel_are_all_answered(store: Store) -> None:
    service = DailyService(store, clock=FakeClock(MONDAY_MORNING))
    requests = 200
    start = threading.Barrier(8)

    def ask(n: int) -> Reply:
        if n < 8:
            start.wait()
        return daily(service, TOGGLES[n % 2])

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(ask, n) for n in range(requests)]
    failures = [repr(f.exception()) for f in futures if f.exception() is not None]
    assert not failures, f"{len(failures)} of {requests} requests failed: {failures[:3]}"
    assert all(f.result().title.startswith("Tip of the day") for f in futures)
    final_state_agrees_with_the_audit_log(store)


@pytest.mark.process
def test_replicas_turning_one_channel_off_and_on_are_all_answered(store: Store, database_url: str) -> None:
    replicas = 4
    reported = run_replicas(workers.toggle_daily, [(database_url, 50, n) for n in range(replicas)])
    failures = [failure for each in reported for failure in each]
    assert not failures, f"{len(failures)} of {replicas * 50} requests failed: {failures[:3]}"
    final_state_agrees_with_the_audit_log(store)
