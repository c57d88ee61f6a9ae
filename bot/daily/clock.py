"""The clock the tip of the day runs on: injected everywhere, so tests set the time and never sleep."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]  # returns the current time, aware, in UTC; tests inject their own


def utc_now() -> datetime:
    """The real clock, for production."""
    return datetime.now(UTC)
