"""Every store test runs on SQLite, and on PostgreSQL too when MLTIP_TEST_DATABASE_URL is set.

On PostgreSQL each test gets its own schema (through the URL's search_path), dropped afterwards,
so tests never see each other's rows, even from the child processes some of them start.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from bot.core.weekdays import EVERY_DAY
from bot.store import ChannelKey, Platform, Store, Subscription, make_engine

PG_URL = os.environ.get("MLTIP_TEST_DATABASE_URL", "").strip()
SKIP_PG = "set MLTIP_TEST_DATABASE_URL to run against PostgreSQL"
NOW = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'data' / 'mltip.db'}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason=SKIP_PG))],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new schema in the PostgreSQL test database."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    schema = f"mltip_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store on the test database."""
    with Store.open(database_url) as opened:
        yield opened


def channel(name: str = "C1", *, platform: Platform = Platform.SLACK, workspace: str = "T1") -> ChannelKey:
    return ChannelKey(platform=platform, workspace_id=workspace, channel_id=name)


def subscribe(
    store: Store, key: ChannelKey | None = None, *, at: time = time(9, 0), zone: str = "Europe/Berlin"
) -> Subscription:
    return store.subscriptions.subscribe(
        key or channel(), local_time=at, timezone=zone, weekdays=EVERY_DAY, actor="U-admin", now=NOW
    )
