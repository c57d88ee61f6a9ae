"""A subscription's settings as columns: time, zone, topic, date rule, thread and pin (written and compared)."""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.cadence import Cadence
from bot.core.weekdays import Weekdays

# The columns a schedule change compares and audits (before/after).
SETTINGS = (
    "local_time",
    "timezone",
    "weekdays",
    "topic",
    "repeat",
    "every_days",
    "anchor_date",
    "month_day",
    "thread",
    "pin",
)


def settings_columns(
    local_time: time,
    timezone: str | ZoneInfo,
    cadence: Cadence,
    topic: str | None,
    *,
    thread: bool = False,
    pin: bool = False,
) -> dict[str, Any]:
    """A subscription's settings as the values of its columns (what subscribe() writes and compares)."""
    if local_time.second or local_time.microsecond:
        raise ValueError(f"subscriptions keep minutes, not seconds: {local_time}")
    zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    if zone.key is None:
        raise ValueError("the time zone must be an IANA zone (ZoneInfo(key), not from a file)")
    return {
        "local_time": local_time.strftime("%H:%M"),
        "timezone": zone.key,
        "weekdays": cadence.weekdays.code,
        "topic": topic,
        "repeat": cadence.repeat.value,
        "every_days": cadence.every_days,
        "anchor_date": cadence.anchor,
        "month_day": cadence.month_day,
        "thread": thread,
        "pin": pin,
    }


def rule_asked_for(weekdays: Weekdays | None, cadence: Cadence | None) -> Cadence:
    """The rule a subscribe() call asks for: `cadence`, or `weekdays` as a weekdays rule."""
    if cadence is None:
        if weekdays is None:
            raise ValueError("give the days of the week or a cadence")
        return Cadence.on_weekdays(weekdays)
    if weekdays is not None and weekdays != cadence.weekdays:
        raise ValueError(f"weekdays {weekdays.code} contradict the cadence {cadence}")
    return cadence
