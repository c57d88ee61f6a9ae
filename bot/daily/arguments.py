"""What people type after `/mltip daily` to set a schedule: a time, then zone, days, topic, thread, pin in any order.

    09:00 Europe/Berlin                 every day at 09:00 Berlin time
    9:30 pm weekdays America/New York   a zone may be typed with spaces, the time with a separate am/pm
    07:45 mon,wed,fri papers UTC        a topic limits the lessons to it
    09:00 Europe/Berlin every 2 days    every other day (counted from the first post)
    09:00 Europe/Berlin weekly on mon   once a week (the same as 'mon')
    09:00 Europe/Berlin monthly on 1    on the first of each month (the last day when a month is short)
    09:00 Europe/Berlin thread pin      each post opens a thread and stays pinned until the next

Only the time has a fixed place (first). Each later word is a zone when it (with the words after
it) names an IANA zone, a topic when it is one, and otherwise part of the days. Every mistake
becomes a CommandError that says what was expected, with near zone names where there are some.
The pieces are read here too: days (`parse_weekdays`) and times (`parse_local_time`); zone names
are looked up in zones.py.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from bot.core.lessons import Topic
from bot.core.weekdays import DAY_NAMES, EVERY_DAY, MON_TO_FRI, WEEKENDS, Weekdays
from bot.daily.zones import known_timezone, resolve_timezone, suggest_timezones
from bot.errors import CommandError

TOPICS = tuple(topic.value for topic in Topic)
TOPICS_HELP = f"A topic is one of: {', '.join(TOPICS)}."
HALF_DAY = ("am", "pm")
LONGEST_ZONE_WORDS = 3  # 'America/Port of Spain' is the most words a zone name breaks into
DEFAULT_ZONE = "UTC"
CONNECTORS = frozenset({"to", "and", "-", "every", "day", "days"})
DAY_ALIASES = {"weds": 2}  # common spellings that are not a prefix of the day's name
DAYS_HELP = "Use daily, weekdays (Mon-Fri), weekends, a list such as mon,wed,fri or a range such as mon-fri."
CONVERSATION_WORDS = frozenset({"thread", "pin"})  # what to do after each post
TIME_HELP = "Use a 24-hour time such as 09:00 or 21:30, or 9am / 9:30pm."
RULES_HELP = "Besides days (weekdays, mon,wed,fri): every 2 days, weekly on mon, monthly on 1."
LONGEST_INTERVAL = 366
_MONTH_DAY = re.compile(r"(?P<day>\d{1,2})(?:st|nd|rd|th)?")
_COUNT = re.compile(r"\d{1,4}")


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleRequest:
    """A schedule as asked for: when, where, which dates, and what about.

    At most one of `every_days` and `month_day` is set; with neither, `weekdays` says the days.
    Every N days needs a first date to count from, which depends on the clock: the service picks it.
    """

    local_time: time
    zone: ZoneInfo
    zone_given: (
        bool  # False: no zone was typed, so the default zone (MLTIP_DEFAULT_TIMEZONE) is assumed; the reply says so
    )
    weekdays: Weekdays
    topic: Topic | None
    every_days: int | None = None
    month_day: int | None = None
    thread: bool = False  # start a thread on each post (Slack: invite replies in its thread)
    pin: bool = False  # keep the newest post pinned


@dataclass(slots=True)
class _Understood:
    """What parse_schedule has read so far: errors repeat it, with an example that works."""

    time: time
    zone: ZoneInfo | None = None
    topic: Topic | None = None
    every_days: int | None = None
    month_day: int | None = None
    weekly: bool = False
    command: str = "daily"  # what was typed after /mltip: `daily` for a channel, `me` for a person

    def fail(self, problem: str, example: str = "every 2 days", more: str = "") -> CommandError:
        """'I understood 09:00 and Europe/Berlin, but not ...; try `/mltip daily 09:00 Europe/Berlin every 2 days`'."""
        parts = [f"{self.time:%H:%M}", *([self.zone.key] if self.zone else [])]
        if self.every_days:
            parts.append(f"every {self.every_days} days")
        if self.month_day:
            parts.append(f"monthly on {self.month_day}")
        parts += [self.topic.value] if self.topic else []
        understood = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
        zone = self.zone.key if self.zone else "Europe/Berlin"
        working = f"/mltip {self.command} {self.time:%H:%M} {zone} {example}"
        return CommandError(f"I understood {understood}, but not {problem}; try `{working}`. {RULES_HELP}{more}")


def looks_like_time(word: str) -> bool:
    """Whether `word` is meant as a time (so the user is setting a schedule, not naming an action)."""
    return any(ch.isdigit() for ch in word) or word.lower() in ("noon", "midday", "midnight")


def parse_schedule(words: Sequence[str], default_zone: str = DEFAULT_ZONE, command: str = "daily") -> ScheduleRequest:
    """Read `words` (after `daily` or `me`) as a schedule; CommandError says what is wrong and how to fix it."""
    tokens = " ".join(words).split()
    if not tokens:
        raise CommandError(f"When? Give a time, e.g. /mltip {command} 09:00 Europe/Berlin weekdays.")
    take = 2 if len(tokens) > 1 and tokens[1].lower().replace(".", "") in HALF_DAY else 1
    seen = _Understood(time=parse_local_time(" ".join(tokens[:take])), command=command)
    day_words: list[str] = []
    after_post: set[str] = set()
    rest = tokens[take:]
    index = 0
    while index < len(rest):
        span = _zone_span(rest, index)
        if span:
            if seen.zone is not None:
                raise CommandError(
                    f"Give one time zone, not both {seen.zone.key} and {' '.join(rest[index : index + span])}."
                )
            seen.zone = resolve_timezone(" ".join(rest[index : index + span]))
            index += span
            continue
        word = rest[index]
        if word.lower() in CONVERSATION_WORDS:
            after_post.add(word.lower())
        elif word.lower() in TOPICS:
            if seen.topic is not None and seen.topic.value != word.lower():
                raise CommandError(f"Give one topic, not both {seen.topic.value} and {word.lower()}. {TOPICS_HELP}")
            seen.topic = Topic(word.lower())
        elif (used := _rule(rest, index, seen)) > 0:
            index += used
            continue
        else:
            day_words.append(word)
        index += 1
    weekdays = _weekdays(day_words, seen) if day_words else EVERY_DAY
    if (seen.every_days or seen.month_day) and day_words:
        counted = f"every {seen.every_days} days" if seen.every_days else f"monthly on {seen.month_day}"
        raise seen.fail(f"{' '.join(day_words)!r} as well: {counted} cannot also be limited to days of the week")
    if seen.weekly and not day_words:
        raise seen.fail("which day 'weekly' is on", "weekly on mon")
    return ScheduleRequest(
        local_time=seen.time,
        zone=seen.zone or ZoneInfo(default_zone),
        zone_given=seen.zone is not None,
        weekdays=weekdays,
        topic=seen.topic,
        every_days=seen.every_days,
        month_day=seen.month_day,
        thread="thread" in after_post,
        pin="pin" in after_post,
    )


def _rule(words: Sequence[str], start: int, seen: _Understood) -> int:
    """How many words from `start` say 'every N days', 'weekly' or 'monthly on D' (noted in `seen`), or 0."""
    word = words[start].lower()
    following = [w.lower() for w in words[start + 1 : start + 3]]
    if word == "every" and following and (following[0] == "other" or _COUNT.fullmatch(following[0])):
        if len(following) < 2 or following[1] not in ("day", "days"):
            raise seen.fail(f"{' '.join(words[start : start + 3])!r}: every how many days")
        count = 2 if following[0] == "other" else int(following[0])
        if not 1 <= count <= LONGEST_INTERVAL:
            raise seen.fail(f"every {count} days: give 1 to {LONGEST_INTERVAL} days")
        _one_rule(seen, words[start : start + 3])
        seen.every_days = count if count > 1 else None  # every 1 day is every day
        return 3
    if word == "weekly":
        _one_rule(seen, words[start : start + 1])
        seen.weekly = True
        return 1
    if word == "monthly":
        skip = 1 + bool(following and following[0] == "on")
        day = words[start + skip].lower() if start + skip < len(words) else ""
        match = _MONTH_DAY.fullmatch(day)
        if match is None or not 1 <= int(match["day"]) <= 31:
            raise seen.fail(
                f"{' '.join(words[start : start + skip + 1])!r}: monthly on which day (1-31)", "monthly on 1"
            )
        _one_rule(seen, words[start : start + skip + 1])
        seen.month_day = int(match["day"])
        return skip + 1
    return 0


def _one_rule(seen: _Understood, words: Sequence[str]) -> None:
    if seen.every_days or seen.month_day or seen.weekly:
        raise seen.fail(f"{' '.join(words)!r} as well: give one of every N days, weekly or monthly")


def _zone_span(words: Sequence[str], start: int) -> int:
    """How many words from `start` name a time zone (the longest name wins), or 0."""
    for span in range(min(LONGEST_ZONE_WORDS, len(words) - start), 0, -1):
        if known_timezone(" ".join(words[start : start + span])) is not None:
            return span
    return 0


def _weekdays(words: Sequence[str], seen: _Understood) -> Weekdays:
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
            _explain(word, seen)
    # Each word is a day on its own but not together (e.g. a dangling 'to'): the days' own message.
    return parse_weekdays(" ".join(words))


def _explain(word: str, seen: _Understood) -> None:
    """Raise the most helpful error for a word that is neither a zone, a topic nor days."""
    if word.lower() in CONNECTORS:
        return  # a connector: fine between days ('mon to fri'), judged with its neighbours
    near_topics = difflib.get_close_matches(word.lower(), TOPICS, n=1, cutoff=0.75)
    if near_topics:
        raise CommandError(f"Unknown topic {word!r}. Did you mean {near_topics[0]}? {TOPICS_HELP}")
    if "/" in word or suggest_timezones(word):
        resolve_timezone(word)  # raises, naming the zones it might be
    raise seen.fail(f"{word!r}", more=f" {TOPICS_HELP}")
