"""Reading the words after `/mltip daily` as a schedule, and the days and times in them."""

from __future__ import annotations

from datetime import time

import pytest

from bot.core.lessons import Topic
from bot.core.weekdays import EVERY_DAY, MON_TO_FRI, WEEKENDS, Weekdays
from bot.daily.arguments import parse_local_time, parse_schedule, parse_weekdays
from bot.daily.zones import known_timezone
from bot.errors import CommandError


@pytest.mark.parametrize(
    ("text", "at", "zone", "days", "topic"),
    [
        ("09:00", time(9), "UTC", EVERY_DAY, None),
        ("9:30 pm America/New York", time(21, 30), "America/New_York", EVERY_DAY, None),
        ("7am kaggle weekends asia/kolkata", time(7), "Asia/Kolkata", Weekdays.SAT | Weekdays.SUN, Topic.KAGGLE),
        ("noon mon to fri Europe/Berlin", time(12), "Europe/Berlin", MON_TO_FRI, None),
        ("08:00 every day UTC", time(8), "UTC", EVERY_DAY, None),
        ("08:00 mon wed fri America/Port of Spain", time(8), "America/Port_of_Spain", Weekdays(1 | 4 | 16), None),
    ],
)
def test_schedules_are_read_in_any_order_after_the_time(
    text: str, at: time, zone: str, days: Weekdays, topic: Topic | None
) -> None:
    request = parse_schedule(text.split())
    assert (request.local_time, request.zone.key, request.weekdays, request.topic) == (at, zone, days, topic)
    assert request.zone_given is (zone != "UTC" or "UTC" in text)


def test_known_timezone_is_case_and_space_insensitive() -> None:
    assert known_timezone("america/new york") == "America/New_York"
    assert known_timezone("utc") == "UTC"
    assert known_timezone("Berlin") is None


def test_no_words_asks_for_a_time() -> None:
    with pytest.raises(CommandError, match="Give a time"):
        parse_schedule([])


def test_a_time_without_a_zone_takes_the_configured_default() -> None:
    request = parse_schedule(["09:00", "weekdays"], "Asia/Kolkata")
    assert request.zone.key == "Asia/Kolkata" and request.zone_given is False
    assert parse_schedule(["09:00", "Europe/Berlin"], "Asia/Kolkata").zone.key == "Europe/Berlin"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekdays", MON_TO_FRI),
        ("Weekends", WEEKENDS),
        ("daily", EVERY_DAY),
        ("every day", EVERY_DAY),
        ("EVERY DAY", EVERY_DAY),
        ("mon,wed,fri", Weekdays.MON | Weekdays.WED | Weekdays.FRI),
        ("Mon, Wed and Fri", Weekdays.MON | Weekdays.WED | Weekdays.FRI),
        ("mon-fri", MON_TO_FRI),
        ("Monday to Friday", MON_TO_FRI),
        ("fri-mon", Weekdays.FRI | WEEKENDS | Weekdays.MON),
        ("tues thurs", Weekdays.TUE | Weekdays.THU),
        ("sundays", Weekdays.SUN),
        ("mon,wed,fri,sat", parse_weekdays("mon,wed,fri,sat")),
    ],
)
def test_parse_weekdays(text: str, expected: Weekdays) -> None:
    assert parse_weekdays(text) == expected
    assert parse_weekdays(expected.code) == Weekdays.from_code(expected.code) == expected


@pytest.mark.parametrize("text", ["", "someday", "mon-xyz", "t", "s,mon"])
def test_parse_weekdays_says_what_is_accepted(text: str) -> None:
    with pytest.raises(CommandError, match=r"weekdays .*mon,wed,fri.*mon-fri"):
        parse_weekdays(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:00", time(9, 0)),
        ("9am", time(9, 0)),
        ("9 AM", time(9, 0)),
        ("9:30pm", time(21, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("21:30", time(21, 30)),
        ("00:00", time(0, 0)),
        ("noon", time(12, 0)),
    ],
)
def test_parse_local_time(text: str, expected: time) -> None:
    assert parse_local_time(text) == expected


@pytest.mark.parametrize("text", ["9", "24:00", "9:60", "13pm", "0am", "nine", "9:5", ""])
def test_parse_local_time_rejects(text: str) -> None:
    with pytest.raises(CommandError, match="09:00"):
        parse_local_time(text)


@pytest.mark.parametrize(
    ("text", "every_days", "month_day", "days"),
    [
        ("09:00 Europe/Berlin every 2 days", 2, None, EVERY_DAY),
        ("09:00 every other day papers", 2, None, EVERY_DAY),
        ("09:00 every 1 day", None, None, EVERY_DAY),  # every day, said the long way
        ("09:00 UTC weekly on mon", None, None, Weekdays.MON),
        ("09:00 weekly thu UTC", None, None, Weekdays.THU),
        ("09:00 monthly on 1 Europe/Berlin", None, 1, EVERY_DAY),
        ("09:00 monthly 31st", None, 31, EVERY_DAY),
    ],
)
def test_rules_are_read_as_data(text: str, every_days: int | None, month_day: int | None, days: Weekdays) -> None:
    request = parse_schedule(text.split())
    assert (request.every_days, request.month_day, request.weekdays) == (every_days, month_day, days)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "09:00 Europe/Berlin fortnightly",
            "I understood 09:00 and Europe/Berlin, but not 'fortnightly'; "
            "try `/mltip daily 09:00 Europe/Berlin every 2 days`.",
        ),
        ("09:00 every 2 weeks", "I understood 09:00, but not 'every 2 weeks': every how many days"),
        ("09:00 UTC every 0 days", "but not every 0 days: give 1 to 366 days"),
        ("09:00 UTC weekly", "but not which day 'weekly' is on; try `/mltip daily 09:00 UTC weekly on mon`"),
        ("09:00 UTC monthly on 0", "but not 'monthly on 0': monthly on which day (1-31)"),
        ("09:00 UTC every 2 days weekdays", "every 2 days cannot also be limited to days of the week"),
        ("09:00 UTC monthly on 1 every 2 days", "give one of every N days, weekly or monthly"),
        ("09:00 papers UTC astrology", "I understood 09:00, UTC and papers, but not 'astrology'"),
    ],
)
def test_rule_mistakes_say_what_was_understood_with_an_example(text: str, message: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse_schedule(text.split())
    assert message in str(raised.value)


def test_a_persons_mistake_is_answered_with_a_me_example() -> None:
    with pytest.raises(CommandError) as raised:
        parse_schedule("07:30 Europe/Berlin fortnightly".split(), command="me")
    assert "try `/mltip me 07:30 Europe/Berlin every 2 days`" in str(raised.value)
    with pytest.raises(CommandError) as raised:
        parse_schedule([], command="me")
    assert "/mltip me 09:00" in str(raised.value)
