"""The command engine every adapter shares: text or a button press in, a Reply out.

What people type and press becomes a command (bot/core/grammar.py); a question gets the lessons
close to it, one at a time (Another shows the next), or an honest "I don't have a lesson on
that" (bot/core/answers.py).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core import answers
from bot.core.cache import BoundedCache, text_bytes
from bot.core.daily import DAILY_HELP, ME_HELP, SKIP_PAYLOAD, Daily, DailyHandler, Invocation
from bot.core.grammar import (
    KINDS,
    SEPARATOR,
    Command,
    ListSources,
    ListTopics,
    RandomTip,
    Search,
    Share,
    another_payload,
    decode_action,
    parse,
)
from bot.core.lessons import TOPIC_DESCRIPTIONS, Lesson
from bot.core.library import Library
from bot.core.limits import check_length
from bot.core.replies import Action, ActionKind, Field, Reply, Visibility
from bot.core.text import words
from bot.errors import CommandError

if TYPE_CHECKING:
    from bot.core.ranking import Ranker
    from bot.core.search import LessonIndex

SEARCH_DEPTH = 10  # how many matches Another walks through before saying there are no more
SEARCH_CACHE_SIZE = 1024  # questions remembered; content never changes while the bot runs
SEARCH_CACHE_BYTES = 4 * 1024 * 1024  # ... in at most this much memory (estimated), per cache
# Called after every answer with (platform, kind, seconds); metrics hang off this hook so the
# core itself needs no metrics library.
AnswerObserver = Callable[[str, str, float], None]
# Called with the platform whenever a question gets "I don't have a lesson on that".
UnansweredObserver = Callable[[str], None]


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
        on_unanswered: UnansweredObserver | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.library = library
        self.observer = observer
        self.daily = daily
        self.on_unanswered = on_unanswered
        self.cache_dir = cache_dir  # where search may keep what it computed (the model's tables)
        self._rng = rng or random.Random()
        self._index: LessonIndex | None = None
        self._ranker: Ranker | None = None
        self._index_lock = threading.Lock()
        self._ranker_lock = threading.Lock()
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

    @property
    def ranker(self) -> Ranker:
        """Keywords and meaning fused (bot/core/ranking.py); the model loads on the first question."""
        if self._ranker is None:
            index = self.index  # built first: its lock is not the ranker's
            with self._ranker_lock:  # two first questions in two threads load the model once
                if self._ranker is None:
                    from bot.core.ranking import Ranker

                    self._ranker = Ranker(self.library.lessons, index=index, cache_dir=self.cache_dir)
        return self._ranker

    def remembers(self, query: str) -> bool:
        """Whether the lessons close to `query` are remembered, so answering it needs no search."""
        return _search_key(query, SEARCH_DEPTH) in self._best

    def run(self, text: str, *, platform: str = "console", invocation: Invocation | None = None) -> Reply:
        """Parse and answer what a user typed; `invocation` says who and where (daily needs it)."""
        started = time.perf_counter()
        command = parse(text)
        return self._observed(platform, KINDS[type(command)], started, command, invocation)

    def press(
        self, payload: str, *, user: str, platform: str = "console", invocation: Invocation | None = None
    ) -> Reply:
        """Answer a button press; `invocation` says who pressed, where (Skip tomorrow needs it)."""
        started = time.perf_counter()
        kind = payload.partition(SEPARATOR)[0]
        try:
            command = decode_action(payload, user=user)
        except CommandError:
            self._observe(platform, "invalid", started)
            raise
        return self._observed(platform, kind, started, command, invocation)

    def _observed(
        self, platform: str, kind: str, started: float, command: Command, invocation: Invocation | None = None
    ) -> Reply:
        try:
            reply = self.handle(command, invocation)
            if isinstance(command, Search) and command.rank == 0 and reply.lesson is None and self.on_unanswered:
                self.on_unanswered(platform)
            return reply
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

    def ask(self, question: str, *, platform: str = "console") -> Reply:
        """Answer `question` as a question, even when it reads like a keyword ('help', 'daily off').

        For text someone wrote for people, not for /mltip (Slack's message shortcut); capped
        like any question (core/limits.py).
        """
        started = time.perf_counter()
        check_length(question)
        if not question.strip():
            raise CommandError("There is no text there to find a lesson for.")
        return self._observed(platform, KINDS[Search], started, Search(query=" ".join(question.split())))

    def lesson(self, lesson: Lesson, *, note: str | None = None) -> Reply:
        """`lesson` for the person who asked, with the usual buttons (Another shows a random other one)."""
        return self._lesson_reply(RandomTip(exclude=lesson.id), lesson, note=note)

    def tip_of_the_day(self, lesson: Lesson) -> Reply:
        """A channel's daily post: `lesson` for everyone, with the usual buttons."""
        return replace(self.lesson(lesson, note="Tip of the day"), visibility=Visibility.CHANNEL)

    def personal_tip(self, lesson: Lesson) -> Reply:
        """A person's daily DM: `lesson` with Another, Share and Skip tomorrow (their next one)."""
        reply = self.lesson(lesson, note="Your tip of the day")
        skip = Action(kind=ActionKind.SKIP, label="Skip tomorrow", payload=SKIP_PAYLOAD)
        return replace(reply, visibility=Visibility.CHANNEL, actions=(*reply.actions, skip))

    def random_lesson(self, *, exclude: str | None = None) -> Lesson:
        """Any lesson but `exclude` (when there is another to give)."""
        pool = [lesson for lesson in self.library.lessons if lesson.id != exclude]
        return self._rng.choice(pool or list(self.library.lessons))

    def best(self, query: str, limit: int = SEARCH_DEPTH) -> list[Lesson]:
        """The lessons close to `query`, best first; none when no lesson is close. Remembered per question's words."""
        key = _search_key(query, limit)
        found = self._best.get(key)
        if found is None:
            found = self._best.put(key, [hit.lesson for hit in self.ranker.rank(query, limit)])
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
                note = answers.match_note(command.query, command.rank, len(matches))
                reply = self._replies.put(command, self._lesson_reply(command, matches[command.rank], note))
            return reply
        if matches:
            return answers.no_more(self.library, command.query, len(matches))
        return answers.nothing_close(self.library, command.query)

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
            Field(name="/mltip <question>", value="the closest lesson, if one is, e.g. /mltip is kaggle worth it"),
            Field(name="/mltip <topic>", value="a lesson on a topic, e.g. /mltip papers"),
            Field(name="/mltip topics", value="the topics there are"),
            Field(name="/mltip sources", value="who the advice comes from"),
            Field(name=DAILY_HELP[0], value=DAILY_HELP[1]),
            Field(name=ME_HELP[0], value=ME_HELP[1]),
            Field(name="/mltip help", value="this help"),
            Field(
                name="Beyond /mltip",
                value="Slack: the app's Home tab has your lesson for today and the topics to browse; "
                "Find a lesson for this, in a message's menu, answers that message for you alone. "
                "Discord: install mltip for yourself to use /mltip in DMs and any server.",
            ),
        )
        text = f"Career advice for ML engineers: {len(self.library.lessons)} lessons from practitioners."
        return Reply(title="How to use /mltip", text=text, fields=fields)
