"""Engines, migrations and how datetimes are stored."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.errors import ConfigError
from bot.store import Store, current_revision, head_revision, make_engine, upgrade
from bot.store.tables import metadata
from tests.store.helpers import NOW, subscribe

TABLES = {
    "subscriptions",
    "deliveries",
    "deck_cards",
    "audit_log",
    "workspace_pauses",
    "votes",
    "unanswered_questions",
    "alembic_version",
}


def test_upgrade_from_empty_creates_the_schema_at_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(database_url)
        assert current_revision(engine) == head_revision() is not None
        assert set(inspect(engine).get_table_names()) == TABLES
        with engine.connect() as connection:
            # The migrations build exactly the tables the code queries.
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        upgrade(database_url)  # a second run (every start-up) changes nothing
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_replicas_starting_together_migrate_once(database_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            upgrade(database_url)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store.open(database_url, migrate=False) as store:
        assert store.is_current()


def test_sqlite_engine_creates_its_folder_and_sets_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert path.exists()
    finally:
        engine.dispose()


def test_postgres_urls_use_psycopg_3() -> None:
    for url in ("postgresql://u@db/mltip", "postgres://u@db/mltip"):
        engine = make_engine(url)  # nothing connects until the first query
        assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
        engine.dispose()


def test_other_databases_are_refused_with_a_message() -> None:
    with pytest.raises(ConfigError, match=r"MLTIP_DATABASE_URL must be sqlite:///PATH or postgresql://"):
        make_engine("mysql://u@db/mltip")


def test_datetimes_come_back_as_the_same_instant_in_utc(store: Store) -> None:
    subscription = subscribe(store)
    berlin = datetime(2024, 10, 27, 2, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # fold=0: CEST, 00:30 UTC
    assert store.ledger.plan(subscription.id, date(2024, 10, 27), berlin)
    delivery = store.ledger.last_delivery(subscription.id)
    assert delivery is not None
    # Compared in UTC: Python never calls a repeated (ambiguous) wall time equal across zones (PEP 495).
    assert delivery.due_at == berlin.astimezone(UTC) == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert delivery.due_at.utcoffset() == timedelta(0)
    assert subscription.created_at == NOW and subscription.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(store: Store) -> None:
    subscription = subscribe(store)
    with pytest.raises(Exception, match="naive datetime"):
        store.ledger.plan(subscription.id, date(2024, 7, 15), datetime(2024, 7, 15, 7, 0))


def test_comparisons_use_the_instant_not_the_wall_time(store: Store) -> None:
    # 08:30 in Kolkata is 03:00 UTC: due at 03:00 UTC, not at 08:30 UTC.
    subscription = subscribe(store)
    kolkata = datetime(2024, 7, 15, 8, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
    store.ledger.plan(subscription.id, date(2024, 7, 15), kolkata)
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM deliveries")).scalar() == 1
    assert store.ledger.claim_due(kolkata - timedelta(seconds=1), "w") == []
    assert len(store.ledger.claim_due(datetime(2024, 7, 15, 3, 0, tzinfo=ZoneInfo("UTC")), "w")) == 1
