"""thread/pin on a subscription, whom to tell of a pause, the one claim per pause, and the previous post's ref."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, time, timedelta

from bot.core.weekdays import EVERY_DAY
from bot.store import AuditAction, PauseKind, Platform, Store
from tests.store.helpers import NOW, channel, subscribe


def test_thread_and_pin_are_kept_changed_and_audited(store: Store) -> None:
    key = channel()
    first = store.subscriptions.subscribe(
        key,
        local_time=time(9, 0),
        timezone="UTC",
        weekdays=EVERY_DAY,
        thread=True,
        actor="ada (U1)",
        actor_id="U1",
        now=NOW,
    )
    assert (first.thread, first.pin, first.set_by_user_id) == (True, False, "U1")
    changed = store.subscriptions.subscribe(
        key,
        local_time=time(9, 0),
        timezone="UTC",
        weekdays=EVERY_DAY,
        pin=True,
        actor="bo (U2)",
        actor_id="U2",
        now=NOW,
    )
    assert (changed.thread, changed.pin, changed.set_by_user_id) == (False, True, "U2")
    [change, _subscribe] = store.subscriptions.audit(Platform.SLACK, "T1", "C1")
    assert change.action is AuditAction.CHANGE
    assert change.details == {"before": {"thread": True, "pin": False}, "after": {"thread": False, "pin": True}}


def test_one_claim_per_pause_even_when_many_workers_race_and_a_new_pause_gets_a_new_one(store: Store) -> None:
    made = subscribe(store)
    assert not store.pause_notices.claim_channel(made.id, NOW)  # not paused: nothing to tell
    store.subscriptions.pause(made.key, kind=PauseKind.CHANNEL_REFUSED, reason="is_archived", actor="mltip", now=NOW)
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda _: store.pause_notices.claim_channel(made.id, NOW), range(8)))
    assert claims.count(True) == 1
    assert not store.pause_notices.claim_channel(made.id, NOW + timedelta(days=1))  # the next day: still told once
    store.subscriptions.resume(made.key, actor="ada", now=NOW)
    store.subscriptions.pause(
        made.key, kind=PauseKind.CHANNEL_REFUSED, reason="channel_not_found", actor="mltip", now=NOW
    )
    assert store.pause_notices.claim_channel(made.id, NOW)


def test_a_workspace_pause_is_claimed_once_and_cleared_by_resuming(store: Store) -> None:
    assert not store.pause_notices.claim_workspace(Platform.SLACK, "T1", NOW)
    store.subscriptions.pause_workspace(Platform.SLACK, "T1", reason="token_revoked", actor="mltip", now=NOW)
    assert [store.pause_notices.claim_workspace(Platform.SLACK, "T1", NOW) for _ in range(3)] == [True, False, False]
    store.subscriptions.resume_workspace(Platform.SLACK, "T1", actor="ada", now=NOW)
    store.subscriptions.pause_workspace(Platform.SLACK, "T1", reason="token_revoked", actor="mltip", now=NOW)
    assert store.pause_notices.claim_workspace(Platform.SLACK, "T1", NOW)


def test_the_previous_post_is_the_last_sent_one_before_today_and_a_note_keeps_it_sent(store: Store) -> None:
    made = subscribe(store)
    refs = {}
    for day in (13, 14, 15):
        store.ledger.plan(made.id, date(2024, 7, day), NOW)
    claims = store.ledger.claim_due(NOW + timedelta(hours=1), worker_id="w")
    for claim, ref in zip(sorted(claims, key=lambda c: c.delivery.local_date), ("111.1", "222.2", None), strict=True):
        if ref is None:
            store.ledger.mark_failed(claim.delivery.id, "is_archived")
            continue
        store.ledger.begin_send(claim.delivery.id, "w")
        store.ledger.mark_sent(claim.delivery.id, ref, NOW)
        refs[claim.delivery.local_date] = claim.delivery.id
    assert store.posted.previous_ref(made.id, date(2024, 7, 16)) == "222.2"  # the failed 15th is skipped
    assert store.posted.previous_ref(made.id, date(2024, 7, 14)) == "111.1"
    assert store.posted.previous_ref(made.id, date(2024, 7, 13)) is None
    sent = refs[date(2024, 7, 14)]
    assert store.posted.note(sent, "pin failed: missing_scope")
    after = store.ledger.get(sent)
    assert after is not None and after.status.value == "sent" and after.error == "pin failed: missing_scope"
