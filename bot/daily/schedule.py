"""When a channel's tip of the day fires: days of the week, local times, IANA zones and DST.

The rule (issue #5): one post per local date, at the subscription's local time in its own zone.

- A local time that does not exist that day (the spring-forward gap) posts at the next valid
  instant, the moment the clocks jump: 02:30 in New York on the spring-forward day -> 03:00 EDT.
- A local time that happens twice (fall-back) posts once, at the first occurrence (fold=0).

Everything here is pure (standard library only, no clock, no database): callers pass `now` as a
timezone-aware datetime. The parsers raise CommandError with a message meant for the user.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.weekdays import DAY_NAMES, EVERY_DAY, MON_TO_FRI, WEEKENDS, Weekdays
from bot.errors import CommandError

Clock = Callable[[], datetime]  # returns the current time, aware, in UTC; tests inject their own


def utc_now() -> datetime:
    """The real clock, for production."""
    return datetime.now(UTC)


DAY_ALIASES = {"weds": 2}  # common spellings that are not a prefix of the day's name
MAX_SUGGESTIONS = 3
DAYS_HELP = "Use daily, weekdays (Mon-Fri), weekends, a list such as mon,wed,fri or a range such as mon-fri."
TIME_HELP = "Use a 24-hour time such as 09:00 or 21:30, or 9am / 9:30pm."
ZONE_EXAMPLES = "an IANA name such as Europe/Berlin, America/New_York, Asia/Kolkata or UTC"


def parse_weekdays(text: str) -> Weekdays:
    """'daily', 'every day', 'weekdays', 'weekends', 'mon,wed,fri', 'mon-fri', 'fri-mon', ... (any case)."""
    spec = " ".join(text.lower().replace("every day", "daily").split())
    spec = re.sub(r"\s*(?:-|–|—|\bto\b|\.\.)\s*", "-", spec)  # 'mon to fri', 'mon – fri' -> 'mon-fri'
    tokens = [t for t in re.split(r"[\s,;/&+]+|\band\b", spec) if t]
    days = Weekdays(0)
    for token in tokens:
        found = _days_of_token(token)
        if found is None:
            raise CommandError(f"I don't understand the days {text.strip()!r}. {DAYS_HELP}")
        days |= found
    if not days:
        raise CommandError(f"Which days? {DAYS_HELP}")
    return days


PHRASES = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "all": EVERY_DAY,
    "weekdays": MON_TO_FRI,
    "weekday": MON_TO_FRI,
    "workdays": MON_TO_FRI,
    "weekends": WEEKENDS,
    "weekend": WEEKENDS,
}


def _day_number(token: str) -> int | None:
    """0-6 for a day's name or a prefix of at least two letters ('mo', 'tues', 'thurs'); plurals too."""
    token = token.rstrip(".")
    if token in DAY_ALIASES:
        return DAY_ALIASES[token]
    for candidate in (token, token[:-1] if token.endswith("s") else None):
        if candidate and len(candidate) >= 2:
            matches = [n for n, name in enumerate(DAY_NAMES) if name.startswith(candidate)]
            if len(matches) == 1:
                return matches[0]
    return None


def _days_of_token(token: str) -> Weekdays | None:
    if token in PHRASES:
        return PHRASES[token]
    first, dash, last = token.partition("-")
    start = _day_number(first)
    end = _day_number(last) if dash else start
    if start is None or end is None:
        return None
    span = (end - start) % 7  # a range may wrap the week: fri-mon is Fri, Sat, Sun, Mon
    return functools.reduce(lambda acc, n: acc | Weekdays(1 << ((start + n) % 7)), range(span + 1), Weekdays(0))


_TIME = re.compile(r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<half>am|pm)?")


def parse_local_time(text: str) -> time:
    """'09:00', '9:00', '9am', '9:30 pm', '21:30', 'noon', 'midnight' -> time (minute precision)."""
    cleaned = text.strip().lower().replace(".", "")
    if cleaned in ("noon", "midday"):
        return time(12, 0)
    if cleaned == "midnight":
        return time(0, 0)
    match = _TIME.fullmatch(cleaned)
    # A bare '9' could mean 9am or 9pm to different people, so it needs minutes or am/pm.
    if match is None or not (match["minute"] or match["half"]):
        raise CommandError(f"{text.strip()!r} is not a time I understand. {TIME_HELP}")
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            raise CommandError(f"{text.strip()!r}: with am/pm the hour is 1 to 12. {TIME_HELP}")
        hour = hour % 12 + (12 if match["half"] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise CommandError(f"{text.strip()!r} is not a time of day. {TIME_HELP}")
    return time(hour, minute)


# IANA's geographic areas: a zone named Area/Location (or Area/Region/Location) is a place's
# clock. Beside those the zone directory also holds the host's own zone (`localtime`), a
# placeholder (`Factory`), POSIX rules (`EST5EDT`) and old aliases (`US/Eastern`, `GB`, `Zulu`):
# none is a zone people should schedule in, and `localtime` changes with the machine.
AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
)
FIXED_ZONES = re.compile(r"UTC|Etc/UTC|Etc/GMT(?:[+-](?:[0-9]|1[0-4]))?")  # UTC and fixed offsets from it


def is_place_zone(name: str) -> bool:
    """Whether `name` (canonical spelling) is a zone we accept: Area/Location, UTC or an Etc/GMT offset."""
    area, slash, _ = name.partition("/")
    return (bool(slash) and area in AREAS) or FIXED_ZONES.fullmatch(name) is not None


@functools.cache
def _zone_names() -> dict[str, str]:
    """Lower-cased accepted IANA name -> its canonical spelling (reading the zone list takes a while)."""
    names = {name.lower(): name for name in zoneinfo.available_timezones() if is_place_zone(name)}
    names.setdefault("utc", "UTC")
    return dict(sorted(names.items()))


def suggest_timezones(text: str, limit: int = MAX_SUGGESTIONS, *, near: bool = True) -> list[str]:
    """IANA names close to `text`: the same city in another region first, then (`near`) near spellings."""
    names = _zone_names()
    wanted = "_".join(text.strip().split()).lower()
    city = wanted.rsplit("/", 1)[-1]
    cities: dict[str, list[str]] = {}
    for lowered, name in names.items():
        cities.setdefault(lowered.rsplit("/", 1)[-1], []).append(name)
    found = list(cities.get(city, []))
    if near:
        found += [names[n] for n in difflib.get_close_matches(wanted, list(names), n=limit, cutoff=0.8)]
        for close in difflib.get_close_matches(city, list(cities), n=limit, cutoff=0.8):
            found += cities[close]
    return list(dict.fromkeys(found))[:limit]


def complete_timezones(partial: str, limit: int = 25) -> list[str]:
    """IANA names containing `partial` (any case), prefix matches first: for autocompletion."""
    wanted = "_".join(partial.strip().split()).lower()
    names = _zone_names()
    if len(wanted) > max(map(len, names)):
        return []  # longer than every name: nothing can contain it
    starts = [name for lowered, name in names.items() if lowered.startswith(wanted)]
    city_starts = [name for lowered, name in names.items() if lowered.rsplit("/", 1)[-1].startswith(wanted)]
    contains = [name for lowered, name in names.items() if wanted in lowered]
    return list(dict.fromkeys([*starts, *city_starts, *contains]))[:limit]


def known_timezone(name: str) -> str | None:
    """The canonical IANA name for `name` in any case ('europe/berlin', 'America/New York'), or None."""
    return _zone_names().get("_".join(name.strip().split()).lower())


def resolve_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name in any case ('europe/berlin', 'UTC'); CommandError suggests near names."""
    wanted = "_".join(name.strip().split())  # 'America/New York' is how people type it
    if not wanted:
        raise CommandError(f"Which time zone? Use {ZONE_EXAMPLES}.")
    canonical = _zone_names().get(wanted.lower())
    if canonical is not None:
        return ZoneInfo(canonical)
    if wanted.lower() in _other_zone_names():
        # A real file in the zone directory, but no place: only the same city elsewhere is a
        # useful hint ('GMT' -> Etc/GMT); a near spelling would be a different place.
        problem = f"{name.strip()!r} is an old alias, a rule or the host's own setting, not a place's time zone."
        suggestions = suggest_timezones(wanted, near=False)
    else:
        problem = f"Unknown time zone {name.strip()!r}."
        suggestions = suggest_timezones(wanted)
    if not suggestions:
        raise CommandError(f"{problem} Use {ZONE_EXAMPLES}.")
    choices = suggestions[0] if len(suggestions) == 1 else ", ".join(suggestions[:-1]) + f" or {suggestions[-1]}"
    raise CommandError(f"{problem} Did you mean {choices}?")


@functools.cache
def _other_zone_names() -> frozenset[str]:
    """Lower-cased names zoneinfo knows but we do not accept (localtime, Factory, US/Eastern ...)."""
    return frozenset(name.lower() for name in zoneinfo.available_timezones()) - set(_zone_names())


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


def _check_days(weekdays: Weekdays) -> None:
    if not weekdays:
        raise ValueError("a schedule needs at least one day of the week")


def next_fire_times(
    now_utc: datetime, local_time: time, zone: ZoneInfo, weekdays: Weekdays, count: int
) -> list[datetime]:
    """The next `count` fire times strictly after `now_utc`, in UTC, earliest first."""
    _check_days(weekdays)
    now = _utc(now_utc)
    # Start a day early: a date's post can fall after its local midnight has passed elsewhere.
    day = now.astimezone(zone).date() - timedelta(days=1)
    found: list[datetime] = []
    while len(found) < count:
        if weekdays.includes(day) and (instant := fire_time(day, local_time, zone)) > now:
            found.append(instant)
        day += timedelta(days=1)
    return found


def due_dates(now_utc: datetime, local_time: time, zone: ZoneInfo, weekdays: Weekdays, grace: timedelta) -> list[date]:
    """The local dates whose fire time lies in (now - grace, now], oldest first (usually 0 or 1).

    Called on every tick with the same grace, each date is due from its fire time until `grace`
    later, so a late tick (a restart) still finds it and the ledger's unique key stops a repeat.
    """
    _check_days(weekdays)
    if grace < timedelta(0):
        raise ValueError(f"grace must not be negative, got {grace}")
    now = _utc(now_utc)
    since = now - grace
    # A date's fire time reads as that date (or, in a gap at midnight, the next) on the local clock.
    day = since.astimezone(zone).date() - timedelta(days=1)
    last = now.astimezone(zone).date()
    dates: list[date] = []
    while day <= last:
        if weekdays.includes(day) and since < fire_time(day, local_time, zone) <= now:
            dates.append(day)
        day += timedelta(days=1)
    return dates
