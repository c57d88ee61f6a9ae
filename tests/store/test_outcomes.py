"""How the daily posts went, per subscribed channel and in total, from the ledger."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update

from bot.core.weekdays import EVERY_DAY
from bot.store import Store
from bot.store.records import TargetKind
from bot.store.tables import deliveries
from tests.store.helpers import NOW, channel, subscribe

TODAY = date(2024, 7, 15)


def settle(store: Store, subscription_id: int, days_ago: int, status: str) -> None:
    day = TODAY - timedelta(days=days_ago)
    assert store.ledger.plan(subscription_id, day, NOW - timedelta(days=days_ago))
    with store.engine.begin() as connection:
        connection.execute(
            update(deliveries)
            .where(deliveries.c.subscription_id == subscription_id, deliveries.c.local_date == day)
            .values(status=status)
        )


def test_each_subscribed_channel_counts_its_settled_posts_since_a_date(store: Store) -> None:
    general, papers, quiet = (subscribe(store, channel(name)) for name in ("C1", "C2", "C3"))
    for days_ago, status in enumerate(["sent", "sent", "unknown", "failed", "skipped", "pending"]):
        settle(store, general.id, days_ago, status)
    settle(store, general.id, 40, "sent")  # before the window
    settle(store, papers.id, 0, "sent")
    subscribe(store, channel("C9", workspace="T2"))
    person = store.subscriptions.subscribe(
        channel("U0ANA"),
        local_time=NOW.time(),
        timezone="Europe/Berlin",
        weekdays=EVERY_DAY,
        actor="U0ANA",
        now=NOW,
        kind=TargetKind.PERSON,
    )
    settle(store, person.id, 0, "sent")  # a person's own tip by DM is not the workspace's to see
    outcomes = store.outcomes.by_channel("slack", "T1", TODAY - timedelta(days=30))
    assert [(o.channel_id, o.counts) for o in outcomes] == [
        ("C1", {"delivered": 2, "unknown": 1, "failed": 1, "skipped": 1}),
        ("C2", {"delivered": 1, "unknown": 0, "failed": 0, "skipped": 0}),
        ("C3", {"delivered": 0, "unknown": 0, "failed": 0, "skipped": 0}),
    ]
    assert quiet.channel_id == "C3"


def test_totals_count_every_workspace(store: Store) -> None:
    one, two = subscribe(store, channel("C1")), subscribe(store, channel("C1", workspace="T2"))
    settle(store, one.id, 0, "sent")
    settle(store, two.id, 0, "failed")
    settle(store, two.id, 50, "skipped")
    assert store.outcomes.totals() == {"delivered": 1, "unknown": 0, "failed": 1, "skipped": 1}
    assert store.outcomes.totals(TODAY - timedelta(days=30)) == {
        "delivered": 1,
        "unknown": 0,
        "failed": 1,
        "skipped": 0,
    }
