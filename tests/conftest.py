"""Fixtures shared by every test: the real lesson library, a seeded engine, a fresh database, a fake Slack.

Helpers that are not fixtures live in tests/support/.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.commands import CommandEngine
from bot.core.library import BUILTIN_CONTENT, Library
from bot.core.loading import load_library
from bot.store import Store
from tests.fakes.slack_server import FakeSlack
from tests.support.databases import PG_URL, SKIP_PG, postgres_schema, sqlite_url


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library([BUILTIN_CONTENT])


@pytest.fixture
def engine(library: Library) -> CommandEngine:
    return CommandEngine(library, rng=random.Random(7))


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not PG_URL, reason=SKIP_PG))],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new schema in the PostgreSQL test database.

    A test that asks for it (or for `store`) runs once on each.
    """
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store on the test database."""
    with Store.open(database_url) as opened:
        yield opened


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack (Web API, response URLs, Socket Mode) on a loopback port of its own."""
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()
