"""What the ledger settles that no worker finished: a dead worker's claims, and posts whose window closed."""

from __future__ import annotations

from datetime import date, timedelta

from bot.store import ChannelKey, DeliveryStatus, PauseKind, Platform, Recovered, SkipReason, Store
from tests.store.helpers import NOW, channel, subscribe

TODAY = date(2024, 7, 15)


def test_recover_stale_requeues_idempotent_platforms_and_parks_the_rest(store: Store) -> None:
    slack = subscribe(store, channel("S1"))
    discord = subscribe(store, ChannelKey(platform=Platform.DISCORD, workspace_id="G1", channel_id="D1"))
    fresh = subscribe(store, channel("S2"))
    waiting = subscribe(store, channel("S3"))
    for subscription in (slack, discord, waiting):
        store.ledger.plan(subscription.id, TODAY, NOW)
    for claim in store.ledger.claim_due(NOW, "crashed-worker"):
        if claim.subscription.id != waiting.id:  # `waiting` was still waiting for its turn
            assert store.ledger.begin_send(claim.delivery.id)
    store.ledger.plan(fresh.id, TODAY, NOW)
    store.ledger.claim_due(NOW + timedelta(minutes=9), "live-worker")

    # Ten minutes on, only the crashed worker's claims are stale.
    recovered = store.ledger.recover_stale(NOW + timedelta(minutes=10), {"discord"}, stale_after=timedelta(minutes=10))
    discord_delivery, slack_delivery = store.ledger.last_delivery(discord.id), store.ledger.last_delivery(slack.id)
    waiting_delivery = store.ledger.last_delivery(waiting.id)
    assert discord_delivery is not None and slack_delivery is not None and waiting_delivery is not None
    assert (recovered.requeued, recovered.unknown) == (
        tuple(sorted((discord_delivery.id, waiting_delivery.id))),
        (slack_delivery.id,),
    )
    assert waiting_delivery.status is DeliveryStatus.PENDING and "before sending" in str(waiting_delivery.error)
    assert discord_delivery.status is DeliveryStatus.PENDING and discord_delivery.claimed_by is None
    assert slack_delivery.status is DeliveryStatus.UNKNOWN
    assert slack_delivery.error is not None and "not resent" in slack_delivery.error
    fresh_delivery = store.ledger.last_delivery(fresh.id)
    assert fresh_delivery is not None and fresh_delivery.status is DeliveryStatus.CLAIMED

    # The Discord post goes out again (its nonce makes that safe), and so does the one never
    # sent; the Slack one that may have posted does not.
    again = store.ledger.claim_due(NOW + timedelta(minutes=10), "new-worker")
    assert sorted((c.delivery.id, c.delivery.attempts) for c in again) == sorted(
        [(discord_delivery.id, 2), (waiting_delivery.id, 2)]
    )


def test_recover_stale_at_start_up_by_worker_id_or_at_once(store: Store) -> None:
    one, two = subscribe(store, channel("C1")), subscribe(store, channel("C2"))
    store.ledger.plan(one.id, TODAY, NOW)
    for claim in store.ledger.claim_due(NOW, "bot-0"):
        store.ledger.begin_send(claim.delivery.id)
    store.ledger.plan(two.id, TODAY, NOW)
    for claim in store.ledger.claim_due(NOW, "bot-1"):
        store.ledger.begin_send(claim.delivery.id)
    mine = store.ledger.recover_stale(NOW + timedelta(seconds=1), {"discord"}, worker_id="bot-0")
    assert (len(mine.requeued), len(mine.unknown)) == (0, 1)
    everything = store.ledger.recover_stale(NOW + timedelta(seconds=1), {"discord"}, stale_after=timedelta(0))
    assert (len(everything.requeued), len(everything.unknown)) == (0, 1)
    assert store.ledger.recover_stale(NOW + timedelta(days=1), {"discord"}) == Recovered(requeued=(), unknown=())


def test_skip_expired_marks_late_deliveries_with_a_reason(store: Store) -> None:
    grace = timedelta(hours=3)
    stale, retried, paused, recent, claimed = (subscribe(store, channel(f"C{n}")) for n in range(5))
    store.ledger.plan(claimed.id, TODAY, NOW - timedelta(days=2))
    store.ledger.claim_due(NOW - timedelta(days=2), "w")  # leaves `claimed` CLAIMED
    store.ledger.plan(retried.id, TODAY, NOW - grace - timedelta(minutes=1))
    (retry,) = store.ledger.claim_due(NOW - grace - timedelta(minutes=1), "w")
    store.ledger.release(retry.delivery.id, "HTTP 503", NOW + timedelta(hours=1))
    store.ledger.plan(stale.id, TODAY, NOW - grace)
    store.ledger.plan(paused.id, TODAY, NOW - timedelta(days=1))
    store.ledger.plan(recent.id, TODAY, NOW - grace + timedelta(seconds=1))
    store.subscriptions.pause(paused.key, kind=PauseKind.BY_HAND, actor="U", now=NOW)

    assert store.ledger.skip_expired(NOW, grace) == 3
    status = {s.id: store.ledger.last_delivery(s.id) for s in (stale, retried, paused, recent, claimed)}
    assert {k: d.status for k, d in status.items() if d} == {
        stale.id: DeliveryStatus.SKIPPED,
        retried.id: DeliveryStatus.SKIPPED,
        paused.id: DeliveryStatus.SKIPPED,
        recent.id: DeliveryStatus.PENDING,
        claimed.id: DeliveryStatus.CLAIMED,  # settled by recover_stale, not here
    }
    why = {k: (d.skip_reason, d.grace, d.error) for k, d in status.items() if d}
    assert why[stale.id] == (SkipReason.LATE, grace, None)
    assert why[retried.id] == (SkipReason.LATE, grace, "HTTP 503")  # the last error stays beside the reason
    assert why[paused.id] == (SkipReason.PAUSED, grace, None)
    assert why[recent.id] == (None, None, None)
    assert store.ledger.skip_expired(NOW, grace) == 0


def test_skip_expired_says_when_the_workspace_was_paused(store: Store) -> None:
    subscription = subscribe(store, channel("C1", platform=Platform.DISCORD, workspace="G9"))
    store.ledger.plan(subscription.id, TODAY, NOW)
    store.subscriptions.pause_workspace(Platform.DISCORD, "G9", reason="401 Unauthorized", actor="mltip", now=NOW)
    assert store.ledger.skip_expired(NOW + timedelta(hours=3), timedelta(hours=3)) == 1
    last = store.ledger.last_delivery(subscription.id)
    assert last is not None and (last.skip_reason, last.error) == (SkipReason.PAUSED, None)
