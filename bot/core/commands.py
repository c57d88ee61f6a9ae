"""The command engine every adapter shares: text or a button press in, a Reply out.

What people type and press becomes a command (bot/core/grammar.py); a question gets the lessons
close to it, one at a time (Another shows the next), or an honest "I don't have a lesson on
that" (bot/core/answers.py). Every lesson shown carries 👍 Helpful and 👎 Not helpful; votes and
`/mltip stats` go to the FeedbackHandler (bot/core/feedback.py), as `/mltip daily` goes to the
DailyHandler.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core import answers
from bot.core.cache import BoundedCache, text_bytes
from bot.core.daily import SKIP_PAYLOAD, Daily, DailyHandler, Invocation
from bot.core.feedback import (
    FeedbackHandler,
    Member,
    Stats,
    Tally,
    Vote,
    acknowledgement,
    demote_unhelpful,
    vote_actions,
)
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
from bot.core.lessons import Lesson
from bot.core.library import Library
from bot.core.limits import check_length
from bot.core.listings import help_reply, sources_reply, topics_reply
from bot.core.replies import Action, ActionKind, Reply, Visibility
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
# Called with (platform, 'up' or 'down') for each vote cast or changed (not for a repeated press).
VoteObserver = Callable[[str, str], None]
NO_TALLIES: Mapping[str, Tally] = {}


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
        feedback: FeedbackHandler | None = None,
        on_vote: VoteObserver | None = None,
    ) -> None:
        self.library = library
        self.observer = observer
        self.daily = daily
        self.on_unanswered = on_unanswered
        self.feedback = feedback
        self.on_vote = on_vote
        self.cache_dir = cache_dir  # where search may keep what it computed (the model's tables)
        self._rng = rng or random.Random()
        self._index: LessonIndex | None = None
        self._ranker: Ranker | None = None
        self._index_lock = threading.Lock()
        self._ranker_lock = threading.Lock()
        # Answers are remembered: people ask the same things, and every Another press asks its
        # question again. Adapters may search in worker threads, so these caches are thread-safe.
        # The lessons close to a question, best first, and their scores (votes may reorder them).
        self._best: BoundedCache[tuple[str, int], tuple[list[Lesson], tuple[float, ...]]] = BoundedCache(
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

                    self._ranker = Ranker(
                        self.library.lessons, outside=self.library.outside, index=index, cache_dir=self.cache_dir
                    )
        return self._ranker

    def remembers(self, query: str) -> bool:
        """Whether answering `query` needs neither a search nor the database: its lessons are
        remembered, and it is not a refusal the FeedbackHandler would record."""
        found = self._best.get(_search_key(query, SEARCH_DEPTH))
        return found is not None and (bool(found[0]) or self.feedback is None)

    def run(
        self,
        text: str,
        *,
        platform: str = "console",
        invocation: Invocation | None = None,
        member: Member | None = None,
    ) -> Reply:
        """Parse and answer what a user typed; `invocation` says who and where (daily and stats
        need it), `member` who asked (a question no lesson answers is recorded for their space)."""
        started = time.perf_counter()
        command = parse(text)
        return self._observed(platform, KINDS[type(command)], started, command, asked=invocation, member=member)

    def press(
        self,
        payload: str,
        *,
        user: str,
        platform: str = "console",
        invocation: Invocation | None = None,
        member: Member | None = None,
    ) -> Reply:
        """Answer a button press by `user` (a display name); `invocation` says who pressed and where
        (Skip tomorrow needs it), a vote needs `member`, who pressed."""
        started = time.perf_counter()
        kind = payload.partition(SEPARATOR)[0]
        try:
            command = decode_action(payload, user=user)
        except CommandError:
            self._observe(platform, "invalid", started)
            raise
        return self._observed(platform, kind, started, command, asked=invocation, member=member)

    def _observed(
        self, platform: str, kind: str, at: float, command: Command, *, asked: Invocation | None, member: Member | None
    ) -> Reply:
        try:
            reply = self.handle(command, asked, member)
            if isinstance(command, Search) and command.rank == 0 and reply.lesson is None:
                if self.on_unanswered:
                    self.on_unanswered(platform)
                if self.feedback is not None and member is not None:
                    self.feedback.refused(command.query, member)
            return reply
        except CommandError:
            kind = "invalid"
            raise
        finally:
            self._observe(platform, kind, at)

    def _observe(self, platform: str, kind: str, started: float) -> None:
        if self.observer is not None:
            self.observer(platform, kind, time.perf_counter() - started)

    def handle(self, command: Command, invocation: Invocation | None = None, member: Member | None = None) -> Reply:
        """Answer one command."""
        if isinstance(command, Daily):
            if self.daily is None or invocation is None:
                raise CommandError("The tip of the day is not available here.")
            return self.daily.handle(command, invocation)
        if isinstance(command, Vote):
            return self._vote(command, member)
        if isinstance(command, Stats):
            if self.feedback is None or invocation is None:
                raise CommandError("Stats are not available here.")
            return self.feedback.stats(invocation)
        if isinstance(command, RandomTip):
            return self._lesson_reply(command, self.random_lesson(exclude=command.exclude))
        if isinstance(command, Search):
            return self._search(command)
        if isinstance(command, Share):
            return self._share(command)
        if isinstance(command, ListTopics):
            return topics_reply(self.library)
        if isinstance(command, ListSources):
            return sources_reply(self.library)
        return help_reply(self.library)

    def ask(self, question: str, *, platform: str = "console", member: Member | None = None) -> Reply:
        """Answer `question` as a question, even when it reads like a keyword ('help', 'daily off').

        For text someone wrote for people, not for /mltip (Slack's message shortcut); capped
        like any question (core/limits.py).
        """
        started = time.perf_counter()
        check_length(question)
        if not question.strip():
            raise CommandError("There is no text there to find a lesson for.")
        query = Search(query=" ".join(question.split()))
        return self._observed(platform, KINDS[Search], started, query, asked=None, member=member)

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
        """The lessons close to `query`, best first; none when no lesson is close. Remembered per
        question's words; clearly unhelpful lessons by votes go below their near-equals."""
        key = _search_key(query, limit)
        found = self._best.get(key)
        if found is None:
            hits = self.ranker.rank(query, limit)
            found = self._best.put(key, ([hit.lesson for hit in hits], tuple(hit.score for hit in hits)))
        return demote_unhelpful(*found, self.tallies())

    def tallies(self) -> Mapping[str, Tally]:
        """Every lesson's votes as last read (none without a FeedbackHandler)."""
        return self.feedback.tallies() if self.feedback is not None else NO_TALLIES

    def _lesson_reply(self, command: RandomTip | Search, lesson: Lesson, note: str | None = None) -> Reply:
        actions = (
            Action(kind=ActionKind.ANOTHER, label="Another", payload=another_payload(command, lesson)),
            Action(kind=ActionKind.SHARE, label="Share", payload=f"{ActionKind.SHARE.value}{SEPARATOR}{lesson.id}"),
            *vote_actions(lesson, command.query if isinstance(command, Search) else None),
        )
        return Reply(title=lesson.title, text=lesson.text, lesson=lesson, note=note, actions=actions)

    def _vote(self, vote: Vote, member: Member | None) -> Reply:
        lesson = self.library.by_id.get(vote.lesson_id)
        if lesson is None:
            raise CommandError("That lesson is no longer available. Try /mltip again.")
        if self.feedback is None or member is None:
            raise CommandError("Votes are not available here.")
        before = self.feedback.vote(vote, member)
        if before is not vote.verdict and self.on_vote is not None:
            self.on_vote(member.platform, vote.verdict.value)
        return acknowledgement(lesson.title, vote, before)

    def _search(self, command: Search) -> Reply:
        matches = self.best(command.query)
        if command.rank < len(matches):
            # A reply is a value: the same question and rank always give the same one, so it is
            # built once (and a platform can keep its rendering of it too); votes may reorder.
            reply = self._replies.get(command)
            if reply is None or reply.lesson is not matches[command.rank]:
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
            actions=vote_actions(lesson, None),
            visibility=Visibility.CHANNEL,
            shared_by=command.shared_by,
        )
