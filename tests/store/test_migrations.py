"""Migration 0003_reasons: pause and skip reasons move from sentences into columns, and back on downgrade.

Rows written by the code before it are inserted as that code wrote them, then upgraded; every test runs
on SQLite and (with MLTIP_TEST_DATABASE_URL) on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, select, text

from bot.store import DeliveryStatus, PauseKind, SkipReason, Store, make_engine, upgrade
from bot.store.db import alembic_config, writing
from bot.store.tables import deck_cards, deliveries, subscriptions
from tests.store.helpers import NOW, as_it_was, channel

BEFORE = "0002_votes"  # the revision before 0003_reasons
# What the code before wrote, and what 0003_reasons reads it as: (kind, note).
PAUSES = {
    "C1": ("paused by hand", (PauseKind.BY_HAND, None)),
    "C2": ("paused by hand: summer holidays", (PauseKind.BY_HAND, "summer holidays")),
    "C3": ("channel_not_found", (PauseKind.CHANNEL_REFUSED, "channel_not_found")),
    "C4": (
        "discord 403 (code 50001): Missing Access",
        (PauseKind.CHANNEL_REFUSED, "discord 403 (code 50001): Missing Access"),
    ),
}
RATE_LIMITED = "still rate limited after 2 attempts in 5 min: ratelimited"
# A skipped delivery's error as the code before wrote it -> (skip_reason, grace, error left).
SKIPS = {
    "skipped: the bot was down past the 3:00:00 grace window": (SkipReason.DOWNTIME, timedelta(hours=3), None),
    "skipped: the bot was down past the 1 day, 2:00:00 grace window": (
        SkipReason.DOWNTIME,
        timedelta(days=1, hours=2),
        None,
    ),
    "skipped: the channel or workspace was paused": (SkipReason.PAUSED, None, None),
    "skipped: the channel or workspace was paused; last error: HTTP 503": (SkipReason.PAUSED, None, "HTTP 503"),
    "skipped: not sent within 3 hours of its time": (SkipReason.LATE, timedelta(hours=3), None),
    f"skipped: not sent within 1 hour of its time; last error: {RATE_LIMITED}": (
        SkipReason.LATE,
        timedelta(hours=1),
        RATE_LIMITED,
    ),
    "skipped: not sent within 0.5 hours of its time; last error: a: b; c": (
        SkipReason.LATE,
        timedelta(minutes=30),
        "a: b; c",
    ),
    "the bot was down": (None, None, "the bot was down"),  # no pattern: kept as it was
}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine, BEFORE)
    yield engine
    engine.dispose()


def downgrade(engine: Engine, revision: str) -> None:
    with writing(engine) as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def old_rows(engine: Engine) -> dict[str, Any]:
    """Subscriptions and deliveries as the code before 0003_reasons left them; returns their ids."""
    common = {"local_time": "09:00", "timezone": "UTC", "weekdays": "mon", "topic": None, "workspace_id": "T1"}
    who = {"created_by": "U", "created_at": NOW, "updated_by": "U", "updated_at": NOW, "platform": "slack"}
    ids: dict[str, Any] = {}
    with writing(engine) as connection:
        old_subscriptions = as_it_was(connection, subscriptions)
        for name, (reason, _) in PAUSES.items():
            values = {"channel_id": name, "paused": True, "pause_reason": reason, **common, **who}
            ids[name] = connection.execute(
                insert(old_subscriptions).values(**values).returning(old_subscriptions.c.id)
            ).scalar()
        posting = {"channel_id": "C9", "paused": False, "pause_reason": None, **common, **who}
        ids["C9"] = connection.execute(
            insert(old_subscriptions).values(**posting).returning(old_subscriptions.c.id)
        ).scalar()
        for n, error in enumerate(SKIPS):
            row = {"subscription_id": ids["C9"], "local_date": date(2024, 7, 1) + timedelta(days=n), "due_at": NOW}
            values = {**row, "status": "skipped", "attempts": 0, "error": error}
            ids[error] = connection.execute(insert(deliveries).values(**values).returning(deliveries.c.id)).scalar()
        failed = {"subscription_id": ids["C9"], "local_date": date(2024, 8, 1), "due_at": NOW, "attempts": 1}
        values = {**failed, "status": "failed", "error": "skipped: not sent within 3 hours of its time"}
        ids["failed"] = connection.execute(insert(deliveries).values(**values).returning(deliveries.c.id)).scalar()
        connection.execute(
            insert(deck_cards).values(subscription_id=ids["C9"], cycle=1, lesson_id="x", position=0, dealt=False)
        )
    return ids


def test_upgrading_turns_the_old_sentences_into_columns(engine: Engine) -> None:
    ids = old_rows(engine)
    upgrade(engine)
    store = Store(engine)
    for name, (_, (kind, note)) in PAUSES.items():
        subscription = store.subscriptions.get(channel(name))
        assert subscription is not None and subscription.paused
        assert (subscription.pause_kind, subscription.pause_reason) == (kind, note), name
    posting = store.subscriptions.get(channel("C9"))
    assert posting is not None and (posting.paused, posting.pause_kind, posting.pause_reason) == (False, None, None)
    for error, expected in SKIPS.items():
        delivery = store.ledger.get(ids[error])
        assert delivery is not None and delivery.status is DeliveryStatus.SKIPPED
        assert (delivery.skip_reason, delivery.grace, delivery.error) == expected, error
    failed = store.ledger.get(ids["failed"])  # only SKIPPED rows are read for a reason
    assert failed is not None and (failed.skip_reason, failed.error) == (
        None,
        "skipped: not sent within 3 hours of its time",
    )
    with engine.connect() as connection:  # adding the columns rebuilt no table, so nothing cascaded away
        assert connection.execute(select(deck_cards.c.lesson_id)).scalars().all() == ["x"]


def test_the_new_columns_refuse_values_outside_their_enums(engine: Engine) -> None:
    ids = old_rows(engine)
    upgrade(engine)
    for statement in (
        "UPDATE subscriptions SET pause_kind = 'by hand' WHERE id = :id",
        "UPDATE deliveries SET skip_reason = 'whatever' WHERE id = :id",
    ):
        row = ids["C1"] if "subscriptions" in statement else ids["failed"]
        with pytest.raises(Exception, match=r"(?i)check"), writing(engine) as connection:
            connection.execute(text(statement), {"id": row})


def test_downgrading_writes_the_sentences_back(engine: Engine) -> None:
    ids = old_rows(engine)
    with engine.connect() as connection:
        before = {
            "subscriptions": connection.execute(select(subscriptions.c.id, subscriptions.c.pause_reason)).all(),
            "deliveries": connection.execute(select(deliveries.c.id, deliveries.c.error)).all(),
        }
    upgrade(engine)
    downgrade(engine, BEFORE)
    with engine.connect() as connection:
        after = {
            "subscriptions": connection.execute(select(subscriptions.c.id, subscriptions.c.pause_reason)).all(),
            "deliveries": connection.execute(select(deliveries.c.id, deliveries.c.error)).all(),
        }
    assert sorted(after["subscriptions"]) == sorted(before["subscriptions"])
    assert sorted(after["deliveries"]) == sorted(before["deliveries"])
    assert "pause_kind" not in {column["name"] for column in inspect(engine).get_columns("subscriptions")}
    assert "skip_reason" not in {column["name"] for column in inspect(engine).get_columns("deliveries")}
    upgrade(engine)  # and up again from there
    delivery = Store(engine).ledger.get(ids["skipped: the channel or workspace was paused; last error: HTTP 503"])
    assert delivery is not None and (delivery.skip_reason, delivery.error) == (SkipReason.PAUSED, "HTTP 503")
