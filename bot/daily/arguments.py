"""The words after `/mltip daily` that set a schedule: a time, then a zone, days and a topic in any order.

    09:00 Europe/Berlin                 every day at 09:00 Berlin time
    9:30 pm weekdays America/New York   a zone may be typed with spaces, the time with a separate am/pm
    07:45 mon,wed,fri papers UTC        a topic limits the lessons to it

Only the time has a fixed place (first). Each later word is a zone when it (with the words after
it) names an IANA zone, a topic when it is one, and otherwise part of the days. Every mistake
becomes a CommandError that says what was expected, with near zone names where there are some.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from bot.core.lessons import Topic
from bot.core.weekdays import EVERY_DAY, Weekdays
from bot.daily.schedule import (
    DAYS_HELP,
    known_timezone,
    parse_local_time,
    parse_weekdays,
    resolve_timezone,
    suggest_timezones,
)
from bot.errors import CommandError

TOPICS = tuple(topic.value for topic in Topic)
TOPICS_HELP = f"A topic is one of: {', '.join(TOPICS)}."
HALF_DAY = ("am", "pm")
LONGEST_ZONE_WORDS = 3  # 'America/Port of Spain' is the most words a zone name breaks into
DEFAULT_ZONE = "UTC"
CONNECTORS = frozenset({"to", "and", "-", "every", "day", "days"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleRequest:
    """A schedule as asked for: when, where, which days, and what about."""

    local_time: time
    zone: ZoneInfo
    zone_given: bool  # False: no zone was typed and UTC is assumed (the reply says so)
    weekdays: Weekdays
    topic: Topic | None


def looks_like_time(word: str) -> bool:
    """Whether `word` is meant as a time (so the user is setting a schedule, not naming an action)."""
    return any(ch.isdigit() for ch in word) or word.lower() in ("noon", "midday", "midnight")


def parse_schedule(words: Sequence[str], default_zone: str = DEFAULT_ZONE) -> ScheduleRequest:
    """Read `words` (after `daily`) as a schedule; CommandError says what is wrong and how to fix it."""
    tokens = " ".join(words).split()
    if not tokens:
        raise CommandError("When? Give a time, e.g. /mltip daily 09:00 Europe/Berlin weekdays.")
    take = 2 if len(tokens) > 1 and tokens[1].lower().replace(".", "") in HALF_DAY else 1
    local_time = parse_local_time(" ".join(tokens[:take]))
    zone: ZoneInfo | None = None
    topic: Topic | None = None
    day_words: list[str] = []
    rest = tokens[take:]
    index = 0
    while index < len(rest):
        span = _zone_span(rest, index)
        if span:
            if zone is not None:
                raise CommandError(
                    f"Give one time zone, not both {zone.key} and {' '.join(rest[index : index + span])}."
                )
            zone = resolve_timezone(" ".join(rest[index : index + span]))
            index += span
            continue
        word = rest[index]
        if word.lower() in TOPICS:
            if topic is not None and topic.value != word.lower():
                raise CommandError(f"Give one topic, not both {topic.value} and {word.lower()}. {TOPICS_HELP}")
            topic = Topic(word.lower())
        else:
            day_words.append(word)
        index += 1
    weekdays = _weekdays(day_words) if day_words else EVERY_DAY
    return ScheduleRequest(
        local_time=local_time,
        zone=zone or ZoneInfo(default_zone),
        zone_given=zone is not None,
        weekdays=weekdays,
        topic=topic,
    )


def _zone_span(words: Sequence[str], start: int) -> int:
    """How many words from `start` name a time zone (the longest name wins), or 0."""
    for span in range(min(LONGEST_ZONE_WORDS, len(words) - start), 0, -1):
        if known_timezone(" ".join(words[start : start + span])) is not None:
            return span
    return 0


def _weekdays(words: Sequence[str]) -> Weekdays:
    """The days in `words`; when they are not days, say what else they might have meant."""
    words = [word for word in words if word.lower() != "on"]  # 'on weekdays', 'on mon,wed'
    if not words:
        return EVERY_DAY
    try:
        return parse_weekdays(" ".join(words))
    except CommandError:
        pass
    for word in words:
        try:
            parse_weekdays(word)
        except CommandError:
            _explain(word)
    # Each word is a day on its own but not together (e.g. a dangling 'to'): the days' own message.
    return parse_weekdays(" ".join(words))


def _explain(word: str) -> None:
    """Raise the most helpful error for a word that is neither a zone, a topic nor days."""
    if word.lower() in CONNECTORS:
        return  # a connector: fine between days ('mon to fri'), judged with its neighbours
    near_topics = difflib.get_close_matches(word.lower(), TOPICS, n=1, cutoff=0.75)
    if near_topics:
        raise CommandError(f"Unknown topic {word!r}. Did you mean {near_topics[0]}? {TOPICS_HELP}")
    if "/" in word or suggest_timezones(word):
        resolve_timezone(word)  # raises, naming the zones it might be
    raise CommandError(
        f"I don't understand {word!r}. After the time give a time zone (such as Europe/Berlin), "
        f"the days and, if you like, a topic. {DAYS_HELP} {TOPICS_HELP}"
    )
