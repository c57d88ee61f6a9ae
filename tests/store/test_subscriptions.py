"""Subscribing is an upsert with an audit trail; pauses keep channels and workspaces quiet."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.core.weekdays import MON_TO_FRI, Weekdays
from bot.errors import CommandError
from bot.store import AuditAction, PauseKind, Platform, Store
from bot.store.tables import deliveries, subscriptions
from tests.store import workers
from tests.store.helpers import NOW, channel, subscribe
from tests.support.processes import run_replicas


def count_subscriptions(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(subscriptions)).scalar_one())


def test_subscribe_keeps_the_settings(store: Store) -> None:
    key = channel("C42")
    made = store.subscriptions.subscribe(
        key,
        local_time=time(21, 30),
        timezone=ZoneInfo("Australia/Sydney"),
        weekdays=MON_TO_FRI,
        topic="papers",
        actor="U1",
        now=NOW,
    )
    assert store.subscriptions.get(key) == made
    assert store.subscriptions.by_id(made.id) == made
    assert (made.key, made.local_time, made.timezone, made.weekdays, made.topic) == (
        key,
        time(21, 30),
        "Australia/Sydney",
        MON_TO_FRI,
        "papers",
    )
    assert (made.paused, made.created_by, made.created_at, made.updated_at) == (False, "U1", NOW, NOW)
    assert made.zone == ZoneInfo("Australia/Sydney")


def test_the_same_command_twice_leaves_one_subscription_and_one_audit_row(store: Store) -> None:
    first = subscribe(store)
    again = store.subscriptions.subscribe(
        channel(),
        local_time=time(9, 0),
        timezone="Europe/Berlin",
        weekdays=Weekdays(127),
        actor="U2",
        now=NOW + timedelta(seconds=1),
    )
    assert again == first
    assert count_subscriptions(store) == 1
    log = store.subscriptions.audit(Platform.SLACK, "T1", "C1")
    assert [entry.action for entry in log] == [AuditAction.SUBSCRIBE]
    settings = {"local_time": "09:00", "timezone": "Europe/Berlin", "weekdays": Weekdays(127).code, "topic": None}
    settings |= {"repeat": "weekdays", "every_days": None, "anchor_date": None, "month_day": None}
    assert log[0].details == {**settings, "thread": False, "pin": False}
    assert (log[0].actor, log[0].at, log[0].subscription_id) == ("U-admin", NOW, first.id)


def test_a_damaged_weekdays_column_is_a_storage_error_not_a_users_mistake(store: Store) -> None:
    made = subscribe(store)
    with store.engine.begin() as connection:
        connection.execute(subscriptions.update().where(subscriptions.c.id == made.id).values(weekdays="weekdays"))
    # The store reads back what it wrote, strictly: 'weekdays' is what a person types, not a stored code.
    with pytest.raises(ValueError, match="stored weekdays code") as raised:
        store.subscriptions.get(channel())
    assert not isinstance(raised.value, CommandError)


def test_changing_the_time_or_zone_updates_the_subscription(store: Store) -> None:
    first = subscribe(store)
    later = NOW + timedelta(hours=1)
    changed = store.subscriptions.subscribe(
        channel(), local_time=time(8, 15), timezone="America/New_York", weekdays=Weekdays(127), actor="U2", now=later
    )
    assert changed.id == first.id
    assert (changed.local_time, changed.timezone) == (time(8, 15), "America/New_York")
    assert (changed.created_by, changed.created_at, changed.updated_by, changed.updated_at) == (
        "U-admin",
        NOW,
        "U2",
        later,
    )
    assert count_subscriptions(store) == 1
    newest = store.subscriptions.audit(Platform.SLACK, "T1")[0]
    assert newest.action is AuditAction.CHANGE
    assert newest.details == {
        "before": {"local_time": "09:00", "timezone": "Europe/Berlin"},
        "after": {"local_time": "08:15", "timezone": "America/New_York"},
    }


def test_subscribe_refuses_what_the_schedule_cannot_use(store: Store) -> None:
    with pytest.raises(ValueError, match="at least one day"):
        store.subscriptions.subscribe(
            channel(), local_time=time(9), timezone="UTC", weekdays=Weekdays(0), actor="U", now=NOW
        )
    with pytest.raises(ValueError, match="minutes"):
        store.subscriptions.subscribe(
            channel(), local_time=time(9, 0, 30), timezone="UTC", weekdays=MON_TO_FRI, actor="U", now=NOW
        )


def test_concurrent_double_clicks_leave_one_subscription(store: Store) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda _: subscribe(store).id, range(8)))
    assert len(set(made)) == 1
    assert count_subscriptions(store) == 1
    assert [e.action for e in store.subscriptions.audit(Platform.SLACK, "T1")] == [AuditAction.SUBSCRIBE]


@pytest.mark.process
def test_replicas_subscribing_at_once_leave_one_subscription(store: Store, database_url: str) -> None:
    made = run_replicas(workers.subscribe_same_channel, [(database_url, f"U{n}", NOW) for n in range(3)], timeout=60)
    assert len(set(made)) == 1
    assert count_subscriptions(store) == 1
    log = store.subscriptions.audit(Platform.DISCORD, "G1")
    assert [entry.action for entry in log] == [AuditAction.SUBSCRIBE]


def test_unsubscribe_removes_the_subscription_and_its_ledger_but_keeps_the_audit(store: Store) -> None:
    subscription = subscribe(store)
    store.ledger.plan(subscription.id, date(2024, 7, 15), NOW)
    assert store.subscriptions.unsubscribe(channel(), actor="U3", now=NOW)
    assert store.subscriptions.get(channel()) is None
    assert not store.subscriptions.unsubscribe(channel(), actor="U3", now=NOW)
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(deliveries)).scalar_one() == 0
    log = store.subscriptions.audit(Platform.SLACK, "T1", "C1")
    assert [entry.action for entry in log] == [AuditAction.UNSUBSCRIBE, AuditAction.SUBSCRIBE]
    assert all(entry.subscription_id is None for entry in log)  # the subscription is gone
    assert log[0].details["subscription_id"] == subscription.id
    assert log[0].actor == "U3"


def test_pause_and_resume(store: Store) -> None:
    subscription = subscribe(store)
    other = subscribe(store, channel("C2"))
    refused = PauseKind.CHANNEL_REFUSED
    paused = store.subscriptions.pause(channel(), kind=refused, reason="channel_not_found", actor="mltip", now=NOW)
    assert paused is not None and paused.paused
    assert (paused.pause_kind, paused.pause_reason) == (refused, "channel_not_found")
    assert [s.id for s in store.subscriptions.active()] == [other.id]
    # The poster may report the same error many times; it is one pause in the audit log.
    store.subscriptions.pause(channel(), kind=refused, reason="channel_not_found", actor="mltip", now=NOW)
    resumed = store.subscriptions.resume(channel(), actor="U1", now=NOW)
    assert resumed is not None and not resumed.paused
    assert (resumed.pause_kind, resumed.pause_reason) == (None, None)
    assert store.subscriptions.resume(channel(), actor="U1", now=NOW) == resumed
    assert [s.id for s in store.subscriptions.active()] == [subscription.id, other.id]
    log = store.subscriptions.audit(Platform.SLACK, "T1", "C1")
    assert [e.action for e in log] == [AuditAction.RESUME, AuditAction.PAUSE, AuditAction.SUBSCRIBE]
    assert log[1].details == {"kind": "channel_refused", "reason": "channel_not_found"}
    assert store.subscriptions.pause(channel("nope"), kind=PauseKind.BY_HAND, actor="U", now=NOW) is None


def test_a_paused_workspace_is_not_due(store: Store) -> None:
    slack_1 = subscribe(store, channel("C1"))
    slack_2 = subscribe(store, channel("C2"))
    elsewhere = subscribe(store, channel("C1", workspace="T2"))
    discord = subscribe(store, channel("C1", platform=Platform.DISCORD, workspace="T1"))
    for subscription in (slack_1, slack_2, elsewhere, discord):
        store.ledger.plan(subscription.id, date(2024, 7, 15), NOW)

    assert store.subscriptions.pause_workspace(Platform.SLACK, "T1", reason="token_revoked", actor="mltip", now=NOW)
    assert not store.subscriptions.pause_workspace(Platform.SLACK, "T1", reason="token_revoked", actor="m", now=NOW)
    pause = store.subscriptions.workspace_pause(Platform.SLACK, "T1")
    assert pause is not None and (pause.reason, pause.at) == ("token_revoked", NOW)
    assert [s.id for s in store.subscriptions.active()] == [elsewhere.id, discord.id]
    assert [s.id for s in store.subscriptions.active([Platform.DISCORD])] == [discord.id]
    claimed = {c.subscription.id for c in store.ledger.claim_due(NOW, "w1")}
    assert claimed == {elsewhere.id, discord.id}

    assert store.subscriptions.resume_workspace(Platform.SLACK, "T1", actor="U1", now=NOW)
    assert store.subscriptions.workspace_pause(Platform.SLACK, "T1") is None
    assert {c.subscription.id for c in store.ledger.claim_due(NOW, "w1")} == {slack_1.id, slack_2.id}
    actions = [e.action for e in store.subscriptions.audit(Platform.SLACK, "T1")][:2]
    assert actions == [AuditAction.RESUME_WORKSPACE, AuditAction.PAUSE_WORKSPACE]


def test_remove_workspace_forgets_its_subscriptions(store: Store) -> None:
    subscribe(store, channel("C1"))
    subscribe(store, channel("C2"))
    kept = subscribe(store, channel("C1", workspace="T2"))
    store.subscriptions.pause_workspace(Platform.SLACK, "T1", reason="invalid_auth", actor="mltip", now=NOW)
    assert store.subscriptions.remove_workspace(Platform.SLACK, "T1", actor="mltip", now=NOW) == 2
    assert store.subscriptions.workspace_pause(Platform.SLACK, "T1") is None
    assert [s.id for s in store.subscriptions.active()] == [kept.id]
    newest = store.subscriptions.audit(Platform.SLACK, "T1")[0]
    assert (newest.action, newest.details) == (AuditAction.REMOVE_WORKSPACE, {"channels": ["C1", "C2"]})
