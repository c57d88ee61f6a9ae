"""Fire times across DST in four zones, with explicit instants: no real clock, no sleeping."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.weekdays import EVERY_DAY, MON_TO_FRI, WEEKENDS, Weekdays
from bot.daily.arguments import parse_weekdays
from bot.daily.fire_times import due_dates, fire_time, next_fire_times

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")
ZONES = [NEW_YORK, BERLIN, SYDNEY, KOLKATA]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- fire_time across DST ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # Ordinary days: the local time, in the zone's offset of the day.
        (NEW_YORK, date(2024, 1, 15), time(9, 0), utc(2024, 1, 15, 14, 0)),  # EST, -5
        (NEW_YORK, date(2024, 7, 15), time(9, 0), utc(2024, 7, 15, 13, 0)),  # EDT, -4
        (BERLIN, date(2024, 1, 15), time(9, 0), utc(2024, 1, 15, 8, 0)),  # CET, +1
        (BERLIN, date(2024, 7, 15), time(9, 0), utc(2024, 7, 15, 7, 0)),  # CEST, +2
        (SYDNEY, date(2024, 1, 15), time(9, 0), utc(2024, 1, 14, 22, 0)),  # AEDT (summer), +11
        (SYDNEY, date(2024, 7, 15), time(9, 0), utc(2024, 7, 14, 23, 0)),  # AEST (winter), +10
        (KOLKATA, date(2024, 3, 10), time(9, 0), utc(2024, 3, 10, 3, 30)),  # IST, +5:30, no DST
        (KOLKATA, date(2024, 11, 3), time(0, 15), utc(2024, 11, 2, 18, 45)),  # the UTC date differs
        # Spring forward: the time does not exist, so the post goes out when the clocks jump.
        (NEW_YORK, date(2024, 3, 10), time(2, 30), utc(2024, 3, 10, 7, 0)),  # 03:00 EDT
        (NEW_YORK, date(2024, 3, 10), time(2, 0), utc(2024, 3, 10, 7, 0)),  # 02:00 is in the gap too
        (NEW_YORK, date(2024, 3, 10), time(3, 0), utc(2024, 3, 10, 7, 0)),  # 03:00 exists: the same instant
        (NEW_YORK, date(2024, 3, 10), time(9, 0), utc(2024, 3, 10, 13, 0)),  # later that day: EDT
        (BERLIN, date(2024, 3, 31), time(2, 30), utc(2024, 3, 31, 1, 0)),  # 03:00 CEST
        (SYDNEY, date(2024, 10, 6), time(2, 30), utc(2024, 10, 5, 16, 0)),  # 03:00 AEDT (southern spring)
        # Fall back: the time happens twice; the post goes out at the first one (summer time).
        (NEW_YORK, date(2024, 11, 3), time(1, 30), utc(2024, 11, 3, 5, 30)),  # 01:30 EDT, not EST
        (BERLIN, date(2024, 10, 27), time(2, 30), utc(2024, 10, 27, 0, 30)),  # 02:30 CEST, not CET
        (SYDNEY, date(2024, 4, 7), time(2, 30), utc(2024, 4, 6, 15, 30)),  # 02:30 AEDT, not AEST
    ],
)
def test_fire_time(zone: ZoneInfo, day: date, at: time, expected: datetime) -> None:
    fired = fire_time(day, at, zone)
    assert fired == expected
    assert fired.tzinfo is UTC


def test_a_repeated_time_posts_once_at_the_first_occurrence() -> None:
    # Ticking every minute through New York's fall-back night, 01:30 is due exactly once.
    grace = timedelta(minutes=1)
    ticks = [utc(2024, 11, 3, 4, 0) + n * grace for n in range(4 * 60)]
    due = [(tick, due_dates(tick, time(1, 30), NEW_YORK, EVERY_DAY, grace)) for tick in ticks]
    hits = [(tick, dates) for tick, dates in due if dates]
    assert hits == [(utc(2024, 11, 3, 5, 30), [date(2024, 11, 3)])]


def test_a_skipped_time_posts_once_on_the_spring_forward_day() -> None:
    grace = timedelta(minutes=1)
    ticks = [utc(2024, 3, 10, 5, 0) + n * grace for n in range(4 * 60)]
    hits = [(tick, dates) for tick in ticks if (dates := due_dates(tick, time(2, 30), NEW_YORK, EVERY_DAY, grace))]
    assert hits == [(utc(2024, 3, 10, 7, 0), [date(2024, 3, 10)])]


# --- weekdays, next fire times, due dates -------------------------------------------------------


def test_next_three_fire_times_skip_the_weekend_and_cross_the_dst_change() -> None:
    # Friday 2024-03-08 10:00 in New York, after that day's 09:00 post; DST starts on Sunday.
    now = utc(2024, 3, 8, 15, 0)
    assert next_fire_times(now, time(9, 0), NEW_YORK, MON_TO_FRI, 3) == [
        utc(2024, 3, 11, 13, 0),  # Monday, now EDT
        utc(2024, 3, 12, 13, 0),
        utc(2024, 3, 13, 13, 0),
    ]


def test_next_fire_times_are_strictly_after_now() -> None:
    now = utc(2024, 7, 15, 7, 0)  # exactly 09:00 in Berlin: due now, so not "next"
    assert next_fire_times(now, time(9, 0), BERLIN, EVERY_DAY, 1) == [utc(2024, 7, 16, 7, 0)]
    assert next_fire_times(now - timedelta(seconds=1), time(9, 0), BERLIN, EVERY_DAY, 1) == [now]


def test_next_fire_times_in_sydney_across_the_april_change() -> None:
    now = utc(2024, 4, 5, 0, 0)  # Friday 11:00 AEDT
    assert next_fire_times(now, time(8, 0), SYDNEY, WEEKENDS, 3) == [
        utc(2024, 4, 5, 21, 0),  # Sat 6 April 08:00 AEDT (+11)
        utc(2024, 4, 6, 22, 0),  # Sun 7 April 08:00 AEST (+10): DST ended at 03:00 that morning
        utc(2024, 4, 12, 22, 0),  # the next Saturday
    ]


def test_next_fire_times_in_kolkata_with_chosen_days() -> None:
    now = utc(2024, 1, 1, 0, 0)  # Monday 05:30 IST
    days = parse_weekdays("mon,wed,fri")
    assert next_fire_times(now, time(21, 30), KOLKATA, days, 3) == [
        utc(2024, 1, 1, 16, 0),
        utc(2024, 1, 3, 16, 0),
        utc(2024, 1, 5, 16, 0),
    ]


def test_due_dates_within_the_grace_window() -> None:
    at = time(9, 0)
    fired = utc(2024, 7, 15, 7, 0)  # Monday 09:00 in Berlin
    grace = timedelta(hours=3)
    assert due_dates(fired - timedelta(seconds=1), at, BERLIN, EVERY_DAY, grace) == []
    assert due_dates(fired, at, BERLIN, EVERY_DAY, grace) == [date(2024, 7, 15)]
    assert due_dates(fired + timedelta(hours=2, minutes=59), at, BERLIN, EVERY_DAY, grace) == [date(2024, 7, 15)]
    assert due_dates(fired + grace, at, BERLIN, EVERY_DAY, grace) == []  # the window is half-open
    assert due_dates(fired, at, BERLIN, WEEKENDS, grace) == []  # a Monday


def test_due_dates_across_a_day_boundary() -> None:
    # 23:30 in Kolkata on Sunday is 18:00 UTC; an hour later it is Monday locally.
    at = time(23, 30)
    now = utc(2024, 1, 7, 19, 0)
    assert due_dates(now, at, KOLKATA, EVERY_DAY, timedelta(hours=2)) == [date(2024, 1, 7)]
    assert due_dates(now, at, KOLKATA, MON_TO_FRI, timedelta(hours=2)) == []  # Sunday is not a weekday
    # A grace window longer than a day reaches back over two dates, oldest first.
    assert due_dates(now, at, KOLKATA, EVERY_DAY, timedelta(hours=30)) == [date(2024, 1, 6), date(2024, 1, 7)]


def test_due_dates_in_sydney_are_on_the_local_date() -> None:
    # 08:00 on Monday 2024-07-15 in Sydney is still Sunday in UTC.
    now = utc(2024, 7, 14, 22, 30)
    assert due_dates(now, time(8, 0), SYDNEY, Weekdays.MON, timedelta(hours=1)) == [date(2024, 7, 15)]
    assert due_dates(now, time(8, 0), SYDNEY, Weekdays.SUN, timedelta(hours=1)) == []


def test_schedules_need_aware_times_and_some_days() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_dates(datetime(2024, 1, 1), time(9, 0), BERLIN, EVERY_DAY, timedelta(hours=1))
    with pytest.raises(ValueError, match="at least one day"):
        next_fire_times(utc(2024, 1, 1), time(9, 0), BERLIN, Weekdays(0), 3)


# --- properties ---------------------------------------------------------------------------------


@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    at=st.times(),
)
def test_one_fire_time_per_local_date_strictly_increasing(zone: ZoneInfo, day: date, at: time) -> None:
    fired = fire_time(day, at, zone)
    following = fire_time(day + timedelta(days=1), at, zone)
    assert fired < following
    # The instant reads as that local date, at the local time or (in a gap) just after it.
    local = fired.astimezone(zone).replace(tzinfo=None)
    wanted = datetime.combine(day, at)
    assert local.date() == day
    assert wanted <= local <= wanted + timedelta(hours=1)
    if local != wanted:  # only in a spring-forward gap: `wanted` itself never shows on the clock
        assert fired.astimezone(zone).dst() != (fired - timedelta(seconds=1)).astimezone(zone).dst()
    # And it is due on exactly that date, in a window ending at the fire time.
    assert due_dates(fired, at, zone, EVERY_DAY, timedelta(minutes=1)) == [day]
    assert day not in due_dates(fired - timedelta(microseconds=1), at, zone, EVERY_DAY, timedelta(hours=1))


@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
    at=st.times(),
)
def test_consecutive_windows_make_every_date_due_exactly_once(zone: ZoneInfo, start: datetime, at: time) -> None:
    # A ticker every 20 minutes over three days sees each local date exactly once.
    step = timedelta(minutes=20)
    seen = [d for n in range(1, 3 * 72 + 1) for d in due_dates(start + n * step, at, zone, EVERY_DAY, step)]
    assert len(seen) == len(set(seen))
    assert 2 <= len(seen) <= 4
