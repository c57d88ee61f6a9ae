"""The command engine every adapter shares: text or a button press in, a Reply out.

Grammar (after the platform's `/mltip`):
    (nothing)            a random lesson
    topics | sources | help
    daily ...            the channel's tip of the day (see bot/core/daily.py)
    <question or topic>  the best lessons for it, one at a time (Another shows the next)
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.core.cache import BoundedCache, text_bytes
from bot.core.daily import DAILY_HELP, Daily, DailyHandler, Invocation
from bot.core.lessons import TOPIC_DESCRIPTIONS, Lesson
from bot.core.library import Library
from bot.core.limits import check_length
from bot.core.replies import MAX_ACTION_PAYLOAD, Action, ActionKind, Field, Reply, Visibility
from bot.core.text import words
from bot.errors import CommandError

if TYPE_CHECKING:
    from bot.core.search import LessonIndex

SEARCH_DEPTH = 10  # how many matches Another walks through before falling back to random
SEARCH_CACHE_SIZE = 1024  # questions remembered; content never changes while the bot runs
SEARCH_CACHE_BYTES = 4 * 1024 * 1024  # ... in at most this much memory (estimated), per cache
SEPARATOR = "|"
RANK = re.compile(r"[0-9]{1,3}")  # Another's rank: never past SEARCH_DEPTH, so a few digits


@dataclass(frozen=True, slots=True, kw_only=True)
class RandomTip:
    """A random lesson, other than `exclude`."""

    exclude: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Search:
    """The `rank`-th best lesson for `query` (0 = best)."""

    query: str
    rank: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Share:
    """Post a lesson to the whole channel, saying who shared it."""

    lesson_id: str
    shared_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ListTopics:
    """The topic taxonomy with lesson counts."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListSources:
    """Who the lessons come from."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Help:
    """How to use the command."""


Command = RandomTip | Search | Share | ListTopics | ListSources | Help | Daily
# Called after every answer with (platform, kind, seconds); metrics hang off this hook so the
# core itself needs no metrics library.
AnswerObserver = Callable[[str, str, float], None]
KINDS: dict[type, str] = {
    RandomTip: "random",
    Search: "search",
    Share: "share",
    ListTopics: "topics",
    ListSources: "sources",
    Help: "help",
    Daily: "daily",
}
KEYWORDS: dict[str, Command] = {"topics": ListTopics(), "sources": ListSources(), "help": Help()}


def parse(text: str) -> Command:
    """Turn what the user typed after the command into a Command; CommandError when it is over-long."""
    check_length(text)
    words = text.split()
    if words and words[0].lower() in ("/mltip", "mltip"):
        words = words[1:]
    if not words:
        return RandomTip()
    if len(words) == 1 and words[0].lower() in KEYWORDS:
        return KEYWORDS[words[0].lower()]
    if words[0].lower() == "daily":
        return Daily(args=tuple(words[1:]))
    return Search(query=" ".join(words))


def another_payload(command: RandomTip | Search, shown: Lesson) -> str:
    """The payload of the Another button under a reply to `command`."""
    if isinstance(command, Search):
        head = SEPARATOR.join((ActionKind.ANOTHER.value, str(command.rank + 1), ""))
        # Only the words matter to search; keeping just them makes the payload short and inert
        # (no markup a platform could ever render from a button value).
        return head + " ".join(words(command.query))[: MAX_ACTION_PAYLOAD - len(head)]
    return SEPARATOR.join((ActionKind.ANOTHER.value, "~", shown.id))[:MAX_ACTION_PAYLOAD]


def decode_action(payload: str, *, user: str) -> Command:
    """The command behind a button press; CommandError when the payload is not ours.

    An Another payload is ours only as another_payload() makes it: no longer than
    MAX_ACTION_PAYLOAD, its rank a few ASCII digits ('²' and '١' pass str.isdigit() too).
    """
    kind, _, rest = payload.partition(SEPARATOR)
    if kind == ActionKind.SHARE.value and rest:
        return Share(lesson_id=rest, shared_by=user)
    if kind == ActionKind.ANOTHER.value and len(payload) <= MAX_ACTION_PAYLOAD:
        rank, _, value = rest.partition(SEPARATOR)
        if rank == "~":
            return RandomTip(exclude=value or None)
        if RANK.fullmatch(rank) and value.strip():
            return Search(query=value, rank=int(rank))
    raise CommandError("That button is no longer valid. Try /mltip again.")


def _search_key(query: str, limit: int) -> tuple[str, int]:
    """What a search depends on: the question's words (so 'Kaggle!' is 'kaggle') and how many."""
    return " ".join(words(query)), limit


class CommandEngine:
    """Answers commands from the library; the randomness source is injectable for tests."""

    def __init__(
        self,
        library: Library,
        *,
        rng: random.Random | None = None,
        observer: AnswerObserver | None = None,
        daily: DailyHandler | None = None,
    ) -> None:
        self.library = library
        self.observer = observer
        self.daily = daily
        self._rng = rng or random.Random()
        self._index: LessonIndex | None = None
        self._index_lock = threading.Lock()
        # Answers are remembered: people ask the same things, and every Another press asks its
        # question again. Adapters may search in worker threads, so these caches are thread-safe.
        self._best: BoundedCache[tuple[str, int], list[Lesson]] = BoundedCache(
            max_entries=SEARCH_CACHE_SIZE,
            max_bytes=SEARCH_CACHE_BYTES,
            weigh=lambda key, found: text_bytes(key) + text_bytes(found),
        )
        self._replies: BoundedCache[Search, Reply] = BoundedCache(
            max_entries=SEARCH_CACHE_SIZE,
            max_bytes=SEARCH_CACHE_BYTES,
            weigh=lambda command, reply: text_bytes((command.query, reply.note, *(a.payload for a in reply.actions))),
        )

    @property
    def index(self) -> LessonIndex:
        """The search index, built on first use so `mltip tip` without a query stays fast."""
        if self._index is None:
            with self._index_lock:  # two first searches in two threads build it once
                if self._index is None:
                    from bot.core.search import LessonIndex  # sqlite3 loads only once someone searches

                    self._index = LessonIndex(self.library.lessons)
        return self._index

    def remembers(self, query: str) -> bool:
        """Whether the best lessons for `query` are remembered, so answering it needs no search."""
        return _search_key(query, SEARCH_DEPTH) in self._best

    def run(self, text: str, *, platform: str = "console", invocation: Invocation | None = None) -> Reply:
        """Parse and answer what a user typed; `invocation` says who and where (daily needs it)."""
        started = time.perf_counter()
        command = parse(text)
        return self._observed(platform, KINDS[type(command)], started, command, invocation)

    def press(self, payload: str, *, user: str, platform: str = "console") -> Reply:
        """Answer a button press."""
        started = time.perf_counter()
        kind = payload.partition(SEPARATOR)[0]
        try:
            command = decode_action(payload, user=user)
        except CommandError:
            self._observe(platform, "invalid", started)
            raise
        return self._observed(platform, kind, started, command)

    def _observed(
        self, platform: str, kind: str, started: float, command: Command, invocation: Invocation | None = None
    ) -> Reply:
        try:
            return self.handle(command, invocation)
        except CommandError:
            kind = "invalid"
            raise
        finally:
            self._observe(platform, kind, started)

    def _observe(self, platform: str, kind: str, started: float) -> None:
        if self.observer is not None:
            self.observer(platform, kind, time.perf_counter() - started)

    def handle(self, command: Command, invocation: Invocation | None = None) -> Reply:
        """Answer one command."""
        if isinstance(command, Daily):
            if self.daily is None or invocation is None:
                raise CommandError("The tip of the day is not available here.")
            return self.daily.handle(command, invocation)
        if isinstance(command, RandomTip):
            return self._lesson_reply(command, self.random_lesson(exclude=command.exclude))
        if isinstance(command, Search):
            return self._search(command)
        if isinstance(command, Share):
            return self._share(command)
        if isinstance(command, ListTopics):
            return self._topics()
        if isinstance(command, ListSources):
            return self._sources()
        return self._help()

    def tip_of_the_day(self, lesson: Lesson) -> Reply:
        """A channel's daily post: `lesson` for everyone, with the usual buttons."""
        reply = self._lesson_reply(RandomTip(exclude=lesson.id), lesson, note="Tip of the day")
        return replace(reply, visibility=Visibility.CHANNEL)

    def random_lesson(self, *, exclude: str | None = None) -> Lesson:
        """Any lesson but `exclude` (when there is another to give)."""
        pool = [lesson for lesson in self.library.lessons if lesson.id != exclude]
        return self._rng.choice(pool or list(self.library.lessons))

    def best(self, query: str, limit: int = SEARCH_DEPTH) -> list[Lesson]:
        """The best lessons for `query`, best first (possibly none); remembered per question's words."""
        key = _search_key(query, limit)
        found = self._best.get(key)
        if found is None:
            found = self._best.put(key, [hit.lesson for hit in self.index.search(query, limit)])
        return found

    def _lesson_reply(self, command: RandomTip | Search, lesson: Lesson, note: str | None = None) -> Reply:
        actions = (
            Action(kind=ActionKind.ANOTHER, label="Another", payload=another_payload(command, lesson)),
            Action(kind=ActionKind.SHARE, label="Share", payload=f"{ActionKind.SHARE.value}{SEPARATOR}{lesson.id}"),
        )
        return Reply(title=lesson.title, text=lesson.text, lesson=lesson, note=note, actions=actions)

    def _search(self, command: Search) -> Reply:
        matches = self.best(command.query)
        if command.rank < len(matches):
            # A reply is a value: the same question and rank always give the same one, so it is
            # built once (and a platform can keep its rendering of it too).
            reply = self._replies.get(command)
            if reply is None:
                note = None if command.rank == 0 else f"Match {command.rank + 1} for “{command.query}”"
                reply = self._replies.put(command, self._lesson_reply(command, matches[command.rank], note))
            return reply
        if matches:
            note = f"No more matches for “{command.query}”; here is a random lesson instead."
        else:
            note = f"Nothing close to “{command.query}”; here is a random lesson instead. Try /mltip topics."
        lesson = self.random_lesson()
        return self._lesson_reply(RandomTip(), lesson, note)

    def _share(self, command: Share) -> Reply:
        lesson = self.library.by_id.get(command.lesson_id)
        if lesson is None:
            raise CommandError("That lesson is no longer available. Try /mltip again.")
        return Reply(
            title=lesson.title,
            text=lesson.text,
            lesson=lesson,
            visibility=Visibility.CHANNEL,
            shared_by=command.shared_by,
        )

    def _topics(self) -> Reply:
        fields = tuple(
            Field(name=topic.value, value=f"{TOPIC_DESCRIPTIONS[topic]} ({count} lessons)")
            for topic, count in self.library.topic_counts().items()
        )
        return Reply(title="Topics", text="Ask for any of them with /mltip <topic>.", fields=fields)

    def _sources(self) -> Reply:
        counts: dict[str, int] = {}
        for lesson in self.library.lessons:
            counts[lesson.source.id] = counts.get(lesson.source.id, 0) + 1
        fields = tuple(
            Field(name=s.speaker, value=f"{s.role}. “{s.title}”, {s.publisher} ({counts.get(s.id, 0)} lessons)")
            for s in self.library.sources.values()
        )
        return Reply(title="Sources", text="The practitioners whose advice these lessons distil.", fields=fields)

    def _help(self) -> Reply:
        fields = (
            Field(name="/mltip", value="a random lesson"),
            Field(name="/mltip <question>", value="the best lesson for a question, e.g. /mltip is kaggle worth it"),
            Field(name="/mltip <topic>", value="a lesson on a topic, e.g. /mltip papers"),
            Field(name="/mltip topics", value="the topics there are"),
            Field(name="/mltip sources", value="who the advice comes from"),
            Field(name=DAILY_HELP[0], value=DAILY_HELP[1]),
            Field(name="/mltip help", value="this help"),
        )
        text = f"Career advice for ML engineers: {len(self.library.lessons)} lessons from practitioners."
        return Reply(title="How to use /mltip", text=text, fields=fields)
