"""The days of the week a tip of the day posts on: a neutral type that store/ and daily/ share.

It lives in the core so that the store can keep it without importing the scheduler. Reading what
people type ('mon-fri', 'weekends') is `bot.daily.arguments.parse_weekdays`; wording it for them
is `bot.daily.wording`; here is only the value and its stored form (`code`, `from_code`).
"""

from __future__ import annotations

import enum
from datetime import date

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_CODES = tuple(name[:3] for name in DAY_NAMES)  # 'mon' ... 'sun': how the store spells a day


class Weekdays(enum.IntFlag):
    """The days of the week a subscription posts on; bit n is `date.weekday() == n` (Monday 0)."""

    MON = 1
    TUE = 2
    WED = 4
    THU = 8
    FRI = 16
    SAT = 32
    SUN = 64

    @classmethod
    def of(cls, day: date) -> Weekdays:
        """The flag of `day`'s day of the week."""
        return cls(1 << day.weekday())

    def includes(self, day: date) -> bool:
        """Whether `day` falls on one of these days."""
        return bool(self & Weekdays.of(day))

    @property
    def code(self) -> str:
        """Canonical text, e.g. 'mon,wed,fri' (how the store keeps it); `Weekdays.from_code(w.code) == w`."""
        return ",".join(code for n, code in enumerate(DAY_CODES) if self & (1 << n))

    @classmethod
    def from_code(cls, code: str) -> Weekdays:
        """The days a `code` names, exactly as `code` writes it; ValueError for anything else.

        For reading stored values back, not for what people type: a malformed column is a bug or
        a damaged database, never a user's mistake to explain.
        """
        days = cls(0)
        for part in code.split(","):
            if part not in DAY_CODES:
                raise ValueError(f"not a stored weekdays code: {code!r}")
            days |= cls(1 << DAY_CODES.index(part))
        return days


EVERY_DAY = Weekdays(127)
MON_TO_FRI = Weekdays.MON | Weekdays.TUE | Weekdays.WED | Weekdays.THU | Weekdays.FRI
WEEKENDS = Weekdays.SAT | Weekdays.SUN
