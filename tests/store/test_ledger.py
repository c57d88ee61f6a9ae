"""The ledger: planned once, claimed by exactly one worker, each move guarded (recovery: test_recovery.py)."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from bot.store import DeliveryStatus, PauseKind, Platform, SkipReason, Store
from tests.store import workers
from tests.store.helpers import NOW, channel, subscribe
from tests.support.processes import run_replicas

TODAY = date(2024, 7, 15)


def plan_many(store: Store, count: int) -> list[int]:
    """`count` subscriptions, each with a delivery due now (or a little earlier); their delivery ids."""
    ids: list[int] = []
    for n in range(count):
        subscription = subscribe(store, channel(f"C{n:03d}"))
        assert store.ledger.plan(subscription.id, TODAY, NOW - timedelta(seconds=n))
        delivery = store.ledger.last_delivery(subscription.id)
        assert delivery is not None
        ids.append(delivery.id)
    return sorted(ids)


def test_plan_is_idempotent(store: Store) -> None:
    subscription = subscribe(store)
    assert store.ledger.plan(subscription.id, TODAY, NOW)
    assert not store.ledger.plan(subscription.id, TODAY, NOW)
    assert not store.ledger.plan(subscription.id, TODAY, NOW + timedelta(hours=1))  # the key is the date
    assert store.ledger.plan(subscription.id, TODAY + timedelta(days=1), NOW + timedelta(days=1))
    history = store.ledger.history(subscription.id)
    assert [(d.local_date, d.status, d.due_at, d.attempts) for d in history] == [
        (TODAY + timedelta(days=1), DeliveryStatus.PENDING, NOW + timedelta(days=1), 0),
        (TODAY, DeliveryStatus.PENDING, NOW, 0),
    ]
    assert not store.ledger.plan(subscription.id + 1000, TODAY, NOW)  # no such subscription


def test_concurrent_planning_creates_one_delivery(store: Store) -> None:
    subscription = subscribe(store)
    barrier = threading.Barrier(6)

    def plan(_: int) -> bool:
        barrier.wait()
        return store.ledger.plan(subscription.id, TODAY, NOW)

    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(pool.map(plan, range(6)))
    assert created.count(True) == 1
    assert len(store.ledger.history(subscription.id)) == 1


def test_claim_due_takes_due_deliveries_oldest_first(store: Store) -> None:
    early, late, future = (subscribe(store, channel(name)) for name in ("early", "late", "future"))
    store.ledger.plan(late.id, TODAY, NOW - timedelta(minutes=1))
    store.ledger.plan(early.id, TODAY, NOW - timedelta(minutes=30))
    store.ledger.plan(future.id, TODAY, NOW + timedelta(seconds=1))
    claims = store.ledger.claim_due(NOW, "worker-1")
    assert [c.subscription.id for c in claims] == [early.id, late.id]
    assert [c.subscription.key for c in claims] == [early.key, late.key]
    delivery = claims[0].delivery
    assert (delivery.status, delivery.claimed_by, delivery.claimed_at, delivery.attempts) == (
        DeliveryStatus.CLAIMED,
        "worker-1",
        NOW,
        1,
    )
    assert store.ledger.claim_due(NOW, "worker-2") == []  # already claimed
    assert [c.subscription.id for c in store.ledger.claim_due(NOW + timedelta(seconds=1), "w")] == [future.id]


def test_claim_due_respects_the_limit(store: Store) -> None:
    plan_many(store, 5)
    assert len(store.ledger.claim_due(NOW, "w", limit=2)) == 2
    assert len(store.ledger.claim_due(NOW, "w", limit=10)) == 3


def test_claim_due_serves_every_workspace_before_any_workspace_twice(store: Store) -> None:
    backlog = [subscribe(store, channel(f"B{n:02d}", workspace="T-big")) for n in range(30)]
    for subscription in backlog:  # due an hour ago, still queued
        store.ledger.plan(subscription.id, TODAY, NOW - timedelta(hours=1))
    lone = subscribe(store, channel("L1", workspace="T-lone"))
    discord = subscribe(store, channel("D1", platform=Platform.DISCORD, workspace="T-big"))  # another platform
    store.ledger.plan(lone.id, TODAY, NOW)
    store.ledger.plan(discord.id, TODAY, NOW)
    claimed = [c.subscription.id for c in store.ledger.claim_due(NOW, "w", limit=4)]
    assert sorted(claimed) == sorted([backlog[0].id, backlog[1].id, lone.id, discord.id])
    rest = store.ledger.claim_due(NOW, "w", limit=100, skip=[("slack", "T-big")])  # that lane is full
    assert rest == []
    assert [c.subscription.id for c in store.ledger.claim_due(NOW, "w", limit=3)] == [s.id for s in backlog[2:5]]


def test_on_postgresql_fair_claims_skip_locked_rows_and_still_fill_the_limit(store: Store, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises claims with its write lock")
    firsts = [subscribe(store, channel(f"F{n}", workspace=f"T{n}")) for n in range(3)]
    seconds = [subscribe(store, channel(f"S{n}", workspace=f"T{n}")) for n in range(3)]
    for subscription in firsts + seconds:
        store.ledger.plan(subscription.id, TODAY, NOW)
    held = [d.id for s in firsts if (d := store.ledger.last_delivery(s.id))]
    with store.engine.connect() as other, other.begin():
        other.execute(text("SET LOCAL lock_timeout = '5s'"))
        locked = other.execute(text("SELECT id FROM deliveries WHERE id = ANY(:ids) FOR UPDATE"), {"ids": held})
        assert len(locked.all()) == 3
        claims = store.ledger.claim_due(NOW, "w", limit=3)  # another replica holds every workspace's first
        assert sorted(c.subscription.id for c in claims) == sorted(s.id for s in seconds)
    assert sorted(c.subscription.id for c in store.ledger.claim_due(NOW, "w")) == sorted(s.id for s in firsts)


def test_paused_subscriptions_are_not_claimed(store: Store) -> None:
    subscription = subscribe(store)
    store.ledger.plan(subscription.id, TODAY, NOW)
    store.subscriptions.pause(channel(), kind=PauseKind.BY_HAND, actor="U", now=NOW)
    assert store.ledger.claim_due(NOW, "w") == []
    store.subscriptions.resume(channel(), actor="U", now=NOW)
    assert len(store.ledger.claim_due(NOW, "w")) == 1


def test_three_threads_claim_each_delivery_exactly_once(store: Store) -> None:
    planned = plan_many(store, 60)
    barrier = threading.Barrier(3)

    def work(worker: str) -> list[int]:
        barrier.wait()
        mine: list[int] = []
        while batch := store.ledger.claim_due(NOW, worker, limit=4):
            mine += [claim.delivery.id for claim in batch]
        return mine

    with ThreadPoolExecutor(max_workers=3) as pool:
        claimed = list(pool.map(work, ["w1", "w2", "w3"]))
    everything = [d for mine in claimed for d in mine]
    assert sorted(everything) == planned  # none lost, none twice


@pytest.mark.process
def test_three_processes_claim_each_delivery_exactly_once(store: Store, database_url: str) -> None:
    planned = plan_many(store, 90)
    replicas = [(database_url, f"replica-{n}", NOW) for n in range(3)]
    claimed = dict(run_replicas(workers.claim_until_empty, replicas, timeout=90))
    everything = [d for mine in claimed.values() for d in mine]
    assert sorted(everything) == planned
    assert len(set(everything)) == len(everything)
    for delivery_id in planned:
        delivery = store.ledger.get(delivery_id)
        assert delivery is not None and delivery.status is DeliveryStatus.SENT
        assert delivery.message_ref == f"{delivery.claimed_by}:{delivery_id}" and delivery.attempts == 1


def test_on_postgresql_claims_skip_rows_another_worker_holds(store: Store, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises claims with its write lock")
    planned = plan_many(store, 4)
    with store.engine.connect() as other, other.begin():
        other.execute(text("SET LOCAL lock_timeout = '5s'"))
        held = other.execute(
            text("SELECT id FROM deliveries WHERE id IN (:a, :b) FOR UPDATE"), dict(a=planned[0], b=planned[1])
        )
        assert len(held.all()) == 2
        claims = store.ledger.claim_due(NOW, "w")  # does not wait for the other transaction
        assert sorted(c.delivery.id for c in claims) == planned[2:]
    assert sorted(c.delivery.id for c in store.ledger.claim_due(NOW, "w")) == planned[:2]


@pytest.mark.process
def test_a_worker_killed_mid_claim_leaves_nothing_locked(store: Store, database_url: str) -> None:
    planned = plan_many(store, 5)
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    doomed = context.Process(target=workers.die_while_claiming, args=(database_url, ready))
    doomed.start()
    doomed.join(timeout=60)
    assert ready.is_set() and doomed.exitcode == -9
    claims = store.ledger.claim_due(NOW, "survivor")  # its transaction died with it
    assert sorted(c.delivery.id for c in claims) == planned
    assert {c.delivery.claimed_by for c in claims} == {"survivor"}


def test_settling_a_claim(store: Store) -> None:
    ids = plan_many(store, 4)
    store.ledger.claim_due(NOW, "w")
    sent, failed, unknown, released = ids
    later = NOW + timedelta(seconds=5)
    assert not store.ledger.mark_sent(sent, "not yet", later)  # nothing was sent yet
    assert not store.ledger.mark_unknown(unknown, "nothing left yet")
    for delivery_id in (sent, unknown):
        assert store.ledger.begin_send(delivery_id)
    assert not store.ledger.begin_send(sent)  # once
    assert store.ledger.mark_sent(sent, "1712345.000100", later)
    assert not store.ledger.mark_sent(sent, "again", later)  # settled already
    assert store.ledger.mark_failed(failed, "channel_not_found")
    assert store.ledger.mark_unknown(unknown, "timeout after the request was sent")
    assert store.ledger.release(released, "503 Service Unavailable", NOW + timedelta(minutes=1))
    assert not store.ledger.mark_failed(sent, "too late")

    outcome = {i: store.ledger.get(i) for i in ids}
    assert {i: (d.status, d.error) for i, d in outcome.items() if d} == {
        sent: (DeliveryStatus.SENT, None),
        failed: (DeliveryStatus.FAILED, "channel_not_found"),
        unknown: (DeliveryStatus.UNKNOWN, "timeout after the request was sent"),
        released: (DeliveryStatus.PENDING, "503 Service Unavailable"),
    }
    sent_row = outcome[sent]
    assert sent_row is not None and (sent_row.sent_at, sent_row.message_ref) == (later, "1712345.000100")

    # A released delivery waits for its retry time, then is claimed again.
    assert store.ledger.claim_due(NOW + timedelta(seconds=59), "w") == []
    retried = store.ledger.claim_due(NOW + timedelta(minutes=1), "w2")
    assert [(c.delivery.id, c.delivery.attempts, c.delivery.retry_at) for c in retried] == [(released, 2, None)]
    # An unknown outcome is never claimed again, but a late confirmation settles it.
    assert store.ledger.claim_due(NOW + timedelta(hours=1), "w") == []
    assert store.ledger.mark_sent(unknown, "late-ref", later)


def test_marks_need_a_claim(store: Store) -> None:
    (pending,) = plan_many(store, 1)
    assert not store.ledger.mark_sent(pending, "ref", NOW)
    assert not store.ledger.mark_unknown(pending, "x")
    assert not store.ledger.release(pending, "x", NOW)
    assert not store.ledger.mark_sent(pending + 1000, "ref", NOW)


def test_a_worker_whose_claim_was_taken_over_cannot_move_it(store: Store) -> None:
    (delivery_id,) = plan_many(store, 1)
    store.ledger.claim_due(NOW, "slow")
    assert store.ledger.begin_send(delivery_id, "slow")
    # "slow" held it past stale_after: it was recovered, claimed and is being sent by "fresh".
    store.ledger.recover_stale(NOW + timedelta(hours=1), {"slack"})
    store.ledger.claim_due(NOW + timedelta(hours=1), "fresh")
    assert store.ledger.begin_send(delivery_id, "fresh")
    assert not store.ledger.unsend(delivery_id, "ratelimited", "slow")
    assert not store.ledger.release(delivery_id, "ratelimited", NOW, "slow")
    delivery = store.ledger.get(delivery_id)
    assert delivery is not None and (delivery.status, delivery.claimed_by) == (DeliveryStatus.SENDING, "fresh")
    assert store.ledger.unsend(delivery_id, "ratelimited", "fresh")
    assert store.ledger.release(delivery_id, "ratelimited", NOW, "fresh")


def test_a_missed_date_is_recorded_as_skipped_for_status(store: Store) -> None:
    subscription = subscribe(store)
    assert store.ledger.record_skipped(subscription.id, TODAY, NOW, SkipReason.DOWNTIME, timedelta(hours=3))
    assert not store.ledger.record_skipped(subscription.id, TODAY, NOW, SkipReason.LATE)
    assert not store.ledger.plan(subscription.id, TODAY, NOW)  # and it will not be sent later
    last = store.ledger.last_delivery(subscription.id)
    assert last is not None and (last.status, last.skip_reason, last.grace) == (
        DeliveryStatus.SKIPPED,
        SkipReason.DOWNTIME,
        timedelta(hours=3),
    )
    assert store.ledger.last_delivery(subscription.id + 1000) is None


def test_plan_many_is_idempotent_and_handles_more_rows_than_one_insert_takes(store: Store) -> None:
    subs = [subscribe(store, channel(f"M{n}")) for n in range(3)]
    rows = [(s.id, TODAY - timedelta(days=d), NOW - timedelta(days=d), None) for s in subs for d in range(400)]
    assert store.ledger.plan_many(rows) == 1200  # more than one chunk
    assert store.ledger.plan_many(rows) == 0  # all there already
    skipped = [(subs[0].id, TODAY + timedelta(days=1), NOW + timedelta(days=1), SkipReason.DOWNTIME)]
    assert store.ledger.plan_many(skipped, timedelta(hours=2)) == 1
    last = store.ledger.last_delivery(subs[0].id)
    assert last is not None and last.status is DeliveryStatus.SKIPPED
    assert (last.skip_reason, last.grace, last.error) == (SkipReason.DOWNTIME, timedelta(hours=2), None)


def test_begin_send_only_for_the_worker_still_holding_the_claim(store: Store) -> None:
    (delivery_id,) = plan_many(store, 1)
    store.ledger.claim_due(NOW, "slow-worker")
    # Held past stale_after: recovered and claimed by another worker meanwhile.
    store.ledger.recover_stale(NOW + timedelta(minutes=11), {"discord"})
    store.ledger.claim_due(NOW + timedelta(minutes=11), "other-worker")
    assert not store.ledger.begin_send(delivery_id, "slow-worker")
    assert store.ledger.begin_send(delivery_id, "other-worker")
