"""The date rule a schedule request asks for: used by `/mltip daily` and `/mltip me` alike."""

from __future__ import annotations

from datetime import datetime

from bot.core.cadence import Cadence
from bot.daily.arguments import ScheduleRequest
from bot.daily.fire_times import upcoming_dates


def cadence_asked(request: ScheduleRequest, before: Cadence | None, now: datetime) -> Cadence:
    """The rule asked for. Every N days counts from the first date it will post on, or keeps
    counting as before when only the time, zone or topic changed (a repeat moves nothing)."""
    if request.month_day is not None:
        return Cadence.monthly(request.month_day)
    if request.every_days is None:
        return Cadence.on_weekdays(request.weekdays)
    if before is not None and before.every_days == request.every_days and before.anchor is not None:
        return Cadence.every(request.every_days, anchor=before.anchor)
    (first,) = upcoming_dates(now, request.local_time, request.zone, Cadence.on_weekdays(request.weekdays), 1)
    return Cadence.every(request.every_days, anchor=first.local_date)
