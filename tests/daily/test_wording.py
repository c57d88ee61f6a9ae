"""The words people read about their tip of the day, all built in daily/wording.py."""

from __future__ import annotations

from bot.core.weekdays import EVERY_DAY, MON_TO_FRI, WEEKENDS, Weekdays
from bot.daily.arguments import parse_weekdays
from bot.daily.wording import days_label, days_phrase


def test_weekdays_labels() -> None:
    assert days_label(EVERY_DAY) == "every day"
    assert days_label(MON_TO_FRI) == "weekdays"
    assert days_label(WEEKENDS) == "weekends"
    assert days_label(parse_weekdays("fri,mon")) == "Mon, Fri"
    assert parse_weekdays("fri,mon").code == "mon,fri"


def test_days_phrase() -> None:
    assert days_phrase(EVERY_DAY) == "every day"
    assert days_phrase(MON_TO_FRI) == "on weekdays"
    assert days_phrase(Weekdays.MON | Weekdays.WED) == "on Mon, Wed"
