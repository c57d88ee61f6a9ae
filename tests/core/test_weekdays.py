"""Weekdays as the store keeps them: a strict code, read back exactly, never through the user parser."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.weekdays import EVERY_DAY, MON_TO_FRI, WEEKENDS, Weekdays
from bot.errors import CommandError


@given(st.integers(min_value=1, max_value=127))
def test_every_set_of_days_reads_back_from_its_code(bits: int) -> None:
    days = Weekdays(bits)
    assert Weekdays.from_code(days.code) == days


def test_codes_are_canonical() -> None:
    assert EVERY_DAY.code == "mon,tue,wed,thu,fri,sat,sun"
    assert MON_TO_FRI.code == "mon,tue,wed,thu,fri"
    assert (Weekdays.FRI | Weekdays.MON).code == "mon,fri"
    assert Weekdays.from_code("sat,sun") == WEEKENDS


@pytest.mark.parametrize("damaged", ["", "weekdays", "Mon,Fri", "mon-fri", "mon, fri", "mon,,fri", "monday"])
def test_a_code_the_store_never_writes_is_a_plain_error_not_a_users_mistake(damaged: str) -> None:
    # What people type ('weekdays', 'mon-fri') is daily/'s parser's job; a stored column that
    # reads like it is damage, and must not come back as a CommandError meant for a user.
    with pytest.raises(ValueError, match="stored weekdays code") as raised:
        Weekdays.from_code(damaged)
    assert not isinstance(raised.value, CommandError)


def test_includes_the_day_of_the_week_of_a_date() -> None:
    monday, saturday = date(2024, 7, 15), date(2024, 7, 20)
    assert MON_TO_FRI.includes(monday) and not MON_TO_FRI.includes(saturday)
    assert Weekdays.of(saturday) is Weekdays.SAT
