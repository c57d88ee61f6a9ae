"""Which local dates a tip of the day posts on: chosen weekdays, every N days, or a day of the month.

A neutral value, like Weekdays, so that the store can keep it and daily/ can plan with it without
either importing the other. Reading what people type ('every 2 days', 'monthly on 1') is
`bot.daily.arguments`; wording it is `bot.daily.wording`; here are only the rule and its meaning.

Stored as data (a `repeat` column and the numbers it needs), never as the words people typed, so
a change of wording never changes what an existing schedule does.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date

from bot.core.weekdays import EVERY_DAY, Weekdays

LONGEST_INTERVAL = 366  # 'every 400 days' is more likely a typo than a wish
LAST_MONTH_DAY = 31


class Repeat(enum.StrEnum):
    """The kind of rule; its value is what the `subscriptions.repeat` column holds."""

    WEEKDAYS = "weekdays"  # on chosen days of the week ('weekly on mon' is one chosen day)
    EVERY_N_DAYS = "every_n_days"  # every `every_days` days, counted from `anchor`
    MONTHLY = "monthly"  # on `month_day` of each month; the month's last day when it is shorter


@dataclass(frozen=True, slots=True, kw_only=True)
class Cadence:
    """A date rule; `includes(day)` says whether a post is due on local date `day`.

    Only the fields its `repeat` needs are set (the constructors below build valid ones), so a
    rule compares equal to the same rule however it was arrived at.
    """

    repeat: Repeat = Repeat.WEEKDAYS
    weekdays: Weekdays = EVERY_DAY
    every_days: int | None = None
    anchor: date | None = None  # a date the every-N-days rule posts on; the others count from it
    month_day: int | None = None

    def __post_init__(self) -> None:
        extras: tuple[object, ...]  # the fields this kind of rule leaves unset
        if self.repeat is Repeat.WEEKDAYS:
            if not self.weekdays:
                raise ValueError("a weekly rule needs at least one day of the week")
            extras = (self.every_days, self.anchor, self.month_day)
        elif self.repeat is Repeat.EVERY_N_DAYS:
            if self.every_days is None or not 2 <= self.every_days <= LONGEST_INTERVAL or self.anchor is None:
                raise ValueError(f"every N days needs 2 <= N <= {LONGEST_INTERVAL} and an anchor date: {self}")
            extras = (self.month_day,)
        else:
            if self.month_day is None or not 1 <= self.month_day <= LAST_MONTH_DAY:
                raise ValueError(f"a monthly rule needs a day 1-{LAST_MONTH_DAY}: {self}")
            extras = (self.every_days, self.anchor)
        if any(extra is not None for extra in extras) or (
            self.repeat is not Repeat.WEEKDAYS and self.weekdays != EVERY_DAY
        ):
            raise ValueError(f"fields that {self.repeat.value} does not use must be left unset: {self}")

    @classmethod
    def on_weekdays(cls, weekdays: Weekdays) -> Cadence:
        """On the given days of the week (every day, weekdays, Mon only: 'weekly on mon')."""
        return cls(repeat=Repeat.WEEKDAYS, weekdays=weekdays)

    @classmethod
    def every(cls, days: int, *, anchor: date) -> Cadence:
        """Every `days` days, on `anchor` and every `days`-th date before and after it (days >= 2)."""
        return cls(repeat=Repeat.EVERY_N_DAYS, every_days=days, anchor=anchor)

    @classmethod
    def monthly(cls, month_day: int) -> Cadence:
        """On `month_day` of each month (on the last day of a month that has fewer days)."""
        return cls(repeat=Repeat.MONTHLY, month_day=month_day)

    def includes(self, day: date) -> bool:
        """Whether the rule posts on local date `day`."""
        if self.repeat is Repeat.EVERY_N_DAYS:
            assert self.every_days is not None and self.anchor is not None  # checked in __post_init__
            return (day - self.anchor).days % self.every_days == 0
        if self.repeat is Repeat.MONTHLY:
            assert self.month_day is not None
            return day.day == min(self.month_day, calendar.monthrange(day.year, day.month)[1])
        return self.weekdays.includes(day)
