"""When a tip of the day fires: local times on the dates a rule yields, in IANA zones, through DST.

The rule (issue #5): one post per local date, at the subscription's local time in its own zone.
Which dates is a DateRule: chosen weekdays, every N days or a day of the month (core/cadence.py).
Two holds take dates out again, each for a reason `status` names: `skip next` (one date) and
`pause until` (every date before the day it resumes on by itself).

- A local time that does not exist that day (the spring-forward gap) posts at the next valid
  instant, the moment the clocks jump: 02:30 in New York on the spring-forward day -> 03:00 EDT.
- A local time that happens twice (fall-back) posts once, at the first occurrence (fold=0).

Everything here is pure (standard library only, no clock, no database): callers pass `now` as a
timezone-aware datetime.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.weekdays import Weekdays


class DateRule(Protocol):
    """Which local dates post: Weekdays and bot.core.cadence.Cadence are both one."""

    def includes(self, day: date, /) -> bool:
        """Whether a post is due on local date `day`."""
        ...


class Held(enum.StrEnum):
    """Why a date the rule yields does not post."""

    SKIP_NEXT = "skip next"  # someone asked to skip exactly this one
    PAUSED = "paused until"  # before the date a `pause until` ends on


@dataclass(frozen=True, slots=True)
class UpcomingDate:
    """One of the rule's next dates: when it fires, and why not when it is skipped."""

    local_date: date
    at: datetime  # UTC
    skipped: Held | None = None
    also_skipped: int = 0  # PAUSED: how many later dates of the rule the same pause also skips


def skipped_because(day: date, *, skip_date: date | None, paused_until: date | None) -> Held | None:
    """Why local date `day` (one the rule yields) does not post, or None when it does."""
    if paused_until is not None and day < paused_until:
        return Held.PAUSED
    if day == skip_date:
        return Held.SKIP_NEXT
    return None


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock reading in `zone` at `instant`."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def fire_time(local_date: date, local_time: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of the post for `local_date` at `local_time` in `zone` (rules in the module doc)."""
    wall = datetime.combine(local_date, local_time.replace(tzinfo=None, fold=0))
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)  # fold=0: the earlier of a repeated time
    if _wall(first, zone) == wall:
        return first
    # The wall time falls in a gap. Read with either offset it lands on both sides of the jump;
    # the jump itself is the first instant whose wall clock has passed `wall` (whole seconds in tzdata).
    low, high = sorted(int(wall.replace(tzinfo=zone, fold=fold).timestamp()) for fold in (0, 1))
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _check_days(days: DateRule) -> None:
    # Every Cadence yields a date at least every 31 days; an empty Weekdays never would.
    if isinstance(days, Weekdays) and not days:
        raise ValueError("a schedule needs at least one day of the week")


def next_fire_times(now_utc: datetime, local_time: time, zone: ZoneInfo, days: DateRule, count: int) -> list[datetime]:
    """The next `count` fire times strictly after `now_utc`, in UTC, earliest first."""
    _check_days(days)
    now = _utc(now_utc)
    # Start a day early: a date's post can fall after its local midnight has passed elsewhere.
    day = now.astimezone(zone).date() - timedelta(days=1)
    found: list[datetime] = []
    while len(found) < count:
        if days.includes(day) and (instant := fire_time(day, local_time, zone)) > now:
            found.append(instant)
        day += timedelta(days=1)
    return found


def upcoming_dates(
    now_utc: datetime,
    local_time: time,
    zone: ZoneInfo,
    days: DateRule,
    count: int,
    *,
    skip_date: date | None = None,
    paused_until: date | None = None,
) -> list[UpcomingDate]:
    """The rule's dates after `now_utc`, up to and including the `count`-th that posts, earliest first.

    Skipped dates are listed where they fall, saying why; a pause's run of dates is one entry
    (its first date, and how many more it covers), however long the pause.
    """
    _check_days(days)
    now = _utc(now_utc)
    day = now.astimezone(zone).date() - timedelta(days=1)  # a day early, as in next_fire_times
    found: list[UpcomingDate] = []
    posting = 0
    while posting < count:
        if days.includes(day) and (instant := fire_time(day, local_time, zone)) > now:
            why = skipped_because(day, skip_date=skip_date, paused_until=paused_until)
            if why is Held.PAUSED and found and found[-1].skipped is Held.PAUSED:
                found[-1] = replace(found[-1], also_skipped=found[-1].also_skipped + 1)
            else:
                found.append(UpcomingDate(day, instant, why))
            posting += why is None
        day += timedelta(days=1)
    return found


def due_dates(now_utc: datetime, local_time: time, zone: ZoneInfo, days: DateRule, grace: timedelta) -> list[date]:
    """The local dates whose fire time lies in (now - grace, now], oldest first (usually 0 or 1).

    Called on every tick with the same grace, each date is due from its fire time until `grace`
    later, so a late tick (a restart) still finds it and the ledger's unique key stops a repeat.
    """
    _check_days(days)
    if grace < timedelta(0):
        raise ValueError(f"grace must not be negative, got {grace}")
    now = _utc(now_utc)
    since = now - grace
    # A date's fire time reads as that date (or, in a gap at midnight, the next) on the local clock.
    day = since.astimezone(zone).date() - timedelta(days=1)
    last = now.astimezone(zone).date()
    dates: list[date] = []
    while day <= last:
        if days.includes(day) and since < fire_time(day, local_time, zone) <= now:
            dates.append(day)
        day += timedelta(days=1)
    return dates
