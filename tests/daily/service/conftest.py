"""The DailyService on a fresh store, on SQLite and (when configured) PostgreSQL, with a settable clock."""

from __future__ import annotations

import pytest

from bot.daily.service import DailyService
from bot.store import Store
from tests.daily.service.helpers import MONDAY_MORNING
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_MORNING)


@pytest.fixture
def service(store: Store, clock: FakeClock) -> DailyService:
    return DailyService(store, clock=clock)
