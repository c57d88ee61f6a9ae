"""The DailyService on a fresh store, on SQLite and (when configured) PostgreSQL, with a settable clock."""

from __future__ import annotations

import pytest

from bot.daily.service import DailyService
from bot.store import Store
from tests.daily.service.helpers import MONDAY_MORNING, Clock
from tests.store.conftest import database_url, store  # noqa: F401  (each test runs on both databases)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_MORNING)


@pytest.fixture
def service(store: Store, clock: Clock) -> DailyService:  # noqa: F811
    return DailyService(store, clock=clock)
