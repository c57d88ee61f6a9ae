"""Which time zones a schedule may name, and finding one from what people type.

A zone is a place's IANA name (Area/Location), UTC or a fixed Etc/GMT offset, in any case and
with spaces for underscores ('america/new york'). A name that is not one gets a CommandError
meant for the user, with near names where there are some.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from zoneinfo import ZoneInfo

from bot.errors import CommandError

MAX_SUGGESTIONS = 3
ZONE_EXAMPLES = "an IANA name such as Europe/Berlin, America/New_York, Asia/Kolkata or UTC"

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
