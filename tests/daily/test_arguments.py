"""Reading the words after `/mltip daily` as a schedule."""

from __future__ import annotations

from datetime import time

import pytest

from bot.core.lessons import Topic
from bot.core.weekdays import EVERY_DAY, MON_TO_FRI, Weekdays
from bot.daily.arguments import parse_schedule
from bot.daily.schedule import known_timezone
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
