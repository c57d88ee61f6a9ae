"""The next dates of every schedule rule across DST, with the skipped ones saying why (pure: no clock)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.cadence import Cadence, Repeat
from bot.core.weekdays import EVERY_DAY, Weekdays
from bot.daily.fire_times import Held, UpcomingDate, due_dates, upcoming_dates

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def posting(found: list[UpcomingDate]) -> list[datetime]:
    return [entry.at for entry in found if entry.skipped is None]


# --- every N days -------------------------------------------------------------------------------


def test_every_2_days_across_berlins_spring_forward_posts_at_the_jump_on_the_gap_day() -> None:
    # 31 Mar 2024: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist and posts at 03:00 CEST.
    rule = Cadence.every(2, anchor=date(2024, 3, 29))
    found = upcoming_dates(utc(2024, 3, 28, 12), time(2, 30), BERLIN, rule, 3)
    assert [entry.local_date for entry in found] == [date(2024, 3, 29), date(2024, 3, 31), date(2024, 4, 2)]
    assert posting(found) == [utc(2024, 3, 29, 1, 30), utc(2024, 3, 31, 1, 0), utc(2024, 4, 2, 0, 30)]


def test_every_2_days_across_new_yorks_fall_back_posts_once_at_the_first_0130() -> None:
    # 3 Nov 2024: 01:30 happens twice (EDT, then EST); the post is at the first, and only once.
    rule = Cadence.every(2, anchor=date(2024, 11, 1))
    found = upcoming_dates(utc(2024, 10, 31, 12), time(1, 30), NEW_YORK, rule, 3)
    assert posting(found) == [utc(2024, 11, 1, 5, 30), utc(2024, 11, 3, 5, 30), utc(2024, 11, 5, 6, 30)]


def test_a_rule_anchored_on_a_date_counts_from_it_both_ways() -> None:
    rule = Cadence.every(3, anchor=date(2024, 7, 20))
    found = upcoming_dates(utc(2024, 7, 15, 12), time(9, 0), BERLIN, rule, 3)
    # 17 Jul is 3 days before the anchor, so it is on the rule too.
    assert [entry.local_date for entry in found] == [date(2024, 7, 17), date(2024, 7, 20), date(2024, 7, 23)]


@given(
    every=st.integers(min_value=2, max_value=40),
    anchor=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
)
def test_every_n_days_posts_exactly_n_local_days_apart_in_any_season(every: int, anchor: date, start: datetime) -> None:
    rule = Cadence.every(every, anchor=anchor)
    found = upcoming_dates(start.replace(tzinfo=UTC), time(2, 30), NEW_YORK, rule, 3)
    days = [entry.local_date for entry in found]
    assert [(later - earlier).days for earlier, later in itertools.pairwise(days)] == [every, every]
    assert all((day - anchor).days % every == 0 for day in days)


# --- monthly and weekly -------------------------------------------------------------------------


def test_monthly_on_1_across_new_yorks_spring_forward_keeps_the_local_time() -> None:
    found = upcoming_dates(utc(2024, 2, 15), time(9, 0), NEW_YORK, Cadence.monthly(1), 3)
    # 09:00 EST (-5) on 1 Mar, 09:00 EDT (-4) after the change on 10 Mar.
    assert posting(found) == [utc(2024, 3, 1, 14), utc(2024, 4, 1, 13), utc(2024, 5, 1, 13)]


def test_monthly_on_1_across_berlins_fall_back_keeps_the_local_time() -> None:
    found = upcoming_dates(utc(2024, 9, 15), time(9, 0), BERLIN, Cadence.monthly(1), 3)
    assert posting(found) == [utc(2024, 10, 1, 7), utc(2024, 11, 1, 8), utc(2024, 12, 1, 8)]


def test_monthly_on_31_posts_on_the_last_day_of_shorter_months() -> None:
    found = upcoming_dates(utc(2024, 1, 15), time(9, 0), BERLIN, Cadence.monthly(31), 4)
    assert [entry.local_date for entry in found] == [
        date(2024, 1, 31),
        date(2024, 2, 29),  # a leap year
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]


def test_monthly_later_today_is_the_next_date_and_earlier_today_is_not() -> None:
    before = upcoming_dates(utc(2024, 7, 1, 6, 59), time(9, 0), BERLIN, Cadence.monthly(1), 1)
    after = upcoming_dates(utc(2024, 7, 1, 7, 0), time(9, 0), BERLIN, Cadence.monthly(1), 1)
    assert posting(before) == [utc(2024, 7, 1, 7)] and posting(after) == [utc(2024, 8, 1, 7)]


def test_weekly_on_monday_across_berlins_fall_back() -> None:
    weekly = Cadence.on_weekdays(Weekdays.MON)
    found = upcoming_dates(utc(2024, 10, 20), time(9, 0), BERLIN, weekly, 3)
    assert posting(found) == [utc(2024, 10, 21, 7), utc(2024, 10, 28, 8), utc(2024, 11, 4, 8)]


# --- skip next and pause until ------------------------------------------------------------------


def test_skip_next_lists_the_skipped_date_and_still_three_that_post() -> None:
    found = upcoming_dates(
        utc(2024, 7, 15, 6), time(9, 0), BERLIN, Cadence.on_weekdays(EVERY_DAY), 3, skip_date=date(2024, 7, 15)
    )
    assert [(entry.local_date.day, entry.skipped) for entry in found] == [
        (15, Held.SKIP_NEXT),
        (16, None),
        (17, None),
        (18, None),
    ]


def test_a_skip_next_for_a_date_already_past_skips_nothing() -> None:
    found = upcoming_dates(utc(2024, 7, 16, 6), time(9, 0), BERLIN, EVERY_DAY, 3, skip_date=date(2024, 7, 15))
    assert all(entry.skipped is None for entry in found) and len(found) == 3


def test_pause_until_is_one_entry_however_long_and_resumes_on_its_date() -> None:
    found = upcoming_dates(utc(2026, 11, 29, 12), time(9, 0), NEW_YORK, EVERY_DAY, 3, paused_until=date(2027, 1, 4))
    assert found[0] == UpcomingDate(date(2026, 11, 29), utc(2026, 11, 29, 14), Held.PAUSED, also_skipped=35)
    assert posting(found) == [utc(2027, 1, 4, 14), utc(2027, 1, 5, 14), utc(2027, 1, 6, 14)]


def test_pause_until_a_date_the_rule_does_not_post_on_resumes_with_the_next_that_it_does() -> None:
    rule = Cadence.every(2, anchor=date(2024, 3, 25))  # 25, 27, 29, 31 Mar, 2 Apr
    found = upcoming_dates(utc(2024, 3, 24, 12), time(9, 0), BERLIN, rule, 2, paused_until=date(2024, 3, 30))
    assert [(entry.local_date.day, entry.skipped, entry.also_skipped) for entry in found] == [
        (25, Held.PAUSED, 2),
        (31, None, 0),  # the spring-forward day: 09:00 CEST
        (2, None, 0),
    ]
    assert found[1].at == utc(2024, 3, 31, 7)


def test_due_dates_follow_the_rule() -> None:
    rule = Cadence.every(2, anchor=date(2024, 7, 15))
    grace = timedelta(hours=3)
    assert due_dates(utc(2024, 7, 15, 7, 1), time(9, 0), BERLIN, rule, grace) == [date(2024, 7, 15)]
    assert due_dates(utc(2024, 7, 16, 7, 1), time(9, 0), BERLIN, rule, grace) == []
    assert due_dates(utc(2024, 8, 1, 7, 1), time(9, 0), BERLIN, Cadence.monthly(1), grace) == [date(2024, 8, 1)]


# --- the rule value -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"repeat": Repeat.WEEKDAYS, "weekdays": Weekdays(0)},
        {"repeat": Repeat.EVERY_N_DAYS, "every_days": 1, "anchor": date(2024, 1, 1)},
        {"repeat": Repeat.EVERY_N_DAYS, "every_days": 2},
        {"repeat": Repeat.MONTHLY, "month_day": 0},
        {"repeat": Repeat.MONTHLY, "month_day": 32},
        {"repeat": Repeat.MONTHLY, "month_day": 1, "every_days": 2},
        {"repeat": Repeat.MONTHLY, "month_day": 1, "weekdays": Weekdays.MON},
        {"repeat": Repeat.WEEKDAYS, "month_day": 1},
    ],
)
def test_an_inconsistent_rule_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Cadence(**fields)  # type: ignore[arg-type]
