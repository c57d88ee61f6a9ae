"""Migration v0005_personal_tips: subscriptions get a kind (channel or person), skips a 'by_hand' reason.

Rows written before it are inserted as that code wrote them, then upgraded; every test runs on
SQLite and (with MLTIP_TEST_DATABASE_URL) on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, insert, inspect, select, text

from bot.store import SkipReason, Store, TargetKind, make_engine, upgrade
from bot.store.db import writing
from bot.store.tables import deck_cards, deliveries, subscriptions
from tests.store.helpers import NOW, as_it_was, channel
from tests.store.test_migrations import downgrade

BEFORE = "v0004_schedule_rules"  # the revision before v0005_personal_tips
COMMON = {"local_time": "09:00", "timezone": "UTC", "weekdays": "mon", "topic": None, "workspace_id": "T1"}
WHO = {"created_by": "U", "created_at": NOW, "updated_by": "U", "updated_at": NOW, "platform": "slack"}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine, BEFORE)
    yield engine
    engine.dispose()


def old_rows(engine: Engine) -> dict[str, Any]:
    """A channel with a sent delivery its deck card points at, as the code before v0005 wrote them."""
    with writing(engine) as connection:
        old_subscriptions = as_it_was(connection, subscriptions)  # without later migrations' columns
        sub = connection.execute(
            insert(old_subscriptions)
            .values(channel_id="C1", paused=False, **COMMON, **WHO)
            .returning(old_subscriptions.c.id)
        ).scalar_one()
        sent = {"subscription_id": sub, "local_date": date(2024, 7, 15), "due_at": NOW, "attempts": 1}
        delivery = connection.execute(
            insert(deliveries).values(status="sent", **sent).returning(deliveries.c.id)
        ).scalar_one()
        card = {"subscription_id": sub, "cycle": 1, "lesson_id": "x", "position": 0, "dealt": True}
        connection.execute(insert(deck_cards).values(dealt_delivery_id=delivery, **card))
    return {"subscription": sub, "delivery": delivery}


def set_skip_reason(engine: Engine, delivery_id: int, reason: str) -> None:
    with writing(engine) as connection:
        connection.execute(
            text("UPDATE deliveries SET skip_reason = :r WHERE id = :id"), {"r": reason, "id": delivery_id}
        )


def test_upgrading_makes_every_subscription_a_channels_and_rebuilds_nothing(engine: Engine) -> None:
    ids = old_rows(engine)
    upgrade(engine)
    subscription = Store(engine).subscriptions.get(channel("C1"))
    assert subscription is not None and subscription.kind is TargetKind.CHANNEL and not subscription.personal
    with engine.connect() as connection:  # no table was rebuilt: the deck card still points at its delivery
        assert connection.execute(select(deck_cards.c.dealt_delivery_id)).scalars().all() == [ids["delivery"]]
        assert connection.execute(select(deliveries.c.id)).scalars().all() == [ids["delivery"]]


def test_a_persons_skip_is_allowed_and_the_checks_still_refuse_the_rest(engine: Engine) -> None:
    ids = old_rows(engine)
    upgrade(engine)
    set_skip_reason(engine, ids["delivery"], SkipReason.BY_HAND.value)
    delivery = Store(engine).ledger.get(ids["delivery"])
    assert delivery is not None and delivery.skip_reason is SkipReason.BY_HAND
    for statement, row in (
        ("UPDATE deliveries SET skip_reason = 'whatever' WHERE id = :id", ids["delivery"]),
        ("UPDATE subscriptions SET kind = 'group' WHERE id = :id", ids["subscription"]),
        ("UPDATE deliveries SET status = 'lost' WHERE id = :id", ids["delivery"]),  # the older CHECKs are kept
    ):
        with pytest.raises(Exception, match=r"(?i)check"), writing(engine) as connection:
            connection.execute(text(statement), {"id": row})


def test_downgrading_drops_the_persons_tips_and_narrows_the_skip_reasons(engine: Engine) -> None:
    ids = old_rows(engine)
    upgrade(engine)
    with writing(engine) as connection:
        person = connection.execute(
            insert(subscriptions)
            .values(channel_id="U1", kind="person", paused=False, **COMMON, **WHO)
            .returning(subscriptions.c.id)
        ).scalar_one()
        skipped = {"subscription_id": person, "local_date": date(2024, 7, 16), "due_at": NOW, "attempts": 0}
        connection.execute(insert(deliveries).values(status="skipped", skip_reason="by_hand", **skipped))
    downgrade(engine, BEFORE)
    assert "kind" not in {column["name"] for column in inspect(engine).get_columns("subscriptions")}
    with engine.connect() as connection:
        assert connection.execute(select(subscriptions.c.channel_id)).scalars().all() == ["C1"]
        assert connection.execute(select(deliveries.c.id)).scalars().all() == [ids["delivery"]]
        assert connection.execute(select(deck_cards.c.dealt_delivery_id)).scalars().all() == [ids["delivery"]]
    with pytest.raises(Exception, match=r"(?i)check"):
        set_skip_reason(engine, ids["delivery"], "by_hand")
    upgrade(engine)  # and up again from there
    set_skip_reason(engine, ids["delivery"], "by_hand")
