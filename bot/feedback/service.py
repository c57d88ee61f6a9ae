"""FeedbackService: records votes and unanswered questions in the store, and answers `/mltip stats`.

The core hands it a Vote or a refused question with the Member they came from (bot/core/feedback.py);
it stores only the member's pseudonym (a keyed HMAC) and the question's normalised text. It keeps
a snapshot of every lesson's tallies for ranking and decks, re-read after each vote here and by
upkeep() (the runner calls it every few minutes, so votes cast on other replicas count too), so
that ranking never waits for the database.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from bot.config import DEFAULT_QUESTION_RETENTION_DAYS
from bot.core.daily import Invocation
from bot.core.feedback import Member, Tally, Verdict, Vote, normalised_question
from bot.core.library import Library
from bot.core.replies import Reply
from bot.daily.clock import Clock, utc_now
from bot.errors import CommandError
from bot.feedback.stats import STATS_DAYS, WHO_MAY_SEE, stats_reply
from bot.store import Store

log = logging.getLogger("mltip.feedback")


class FeedbackService:
    """The FeedbackHandler the core hands votes, refused questions and `/mltip stats` to."""

    def __init__(
        self,
        store: Store,
        library: Library,
        *,
        key: bytes,
        clock: Clock = utc_now,
        retention: timedelta = timedelta(days=DEFAULT_QUESTION_RETENTION_DAYS),
    ) -> None:
        if not key:
            raise ValueError("the voter key must not be empty")
        self.store = store
        self.library = library
        self.retention = retention
        self._key = key
        self._clock = clock
        self._tallies: Mapping[str, Tally] = store.votes.tallies()

    def now(self) -> datetime:
        """The injected clock's time, checked to be timezone-aware."""
        moment = self._clock()
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"the clock must return an aware datetime, not {moment!r}")
        return moment.astimezone(UTC)

    def vote(self, vote: Vote, member: Member) -> Verdict | None:
        """Record the vote under the member's pseudonym; a 👎 on an answer records its question too.

        Only a vote that becomes 👎 records the question, and one that turns 👎 into 👍 takes it
        back, so pressing again and again never counts a question twice.
        """
        before = self.store.votes.cast(
            platform=member.platform,
            workspace_id=member.workspace_id,
            voter=member.pseudonym(self._key),
            lesson_id=vote.lesson_id,
            verdict=vote.verdict,
            now=self.now(),
        )
        question = normalised_question(vote.question or "")
        where = {"platform": member.platform, "workspace_id": member.workspace_id, "question": question}
        if question and vote.verdict is Verdict.DOWN and before is not Verdict.DOWN:
            self.store.questions.record(**where, now=self.now())
        elif question and vote.verdict is Verdict.UP and before is Verdict.DOWN:
            self.store.questions.retract(**where)
        if before is not vote.verdict:
            self._tallies = self.store.votes.tallies()
        return before

    def refused(self, question: str, member: Member) -> None:
        """Count a question no lesson was close to; a database failure is logged, never raised."""
        text = normalised_question(question)
        if not text:
            return
        try:
            self.store.questions.record(
                platform=member.platform, workspace_id=member.workspace_id, question=text, now=self.now()
            )
        except Exception:
            # The person still gets their honest "no lesson on that"; only the count is lost.
            where = {"platform": member.platform, "workspace": member.workspace_id}
            log.warning("could not record an unanswered question", exc_info=True, extra=where)

    def stats(self, invocation: Invocation) -> Reply:
        """Votes, unanswered questions and daily posts in the invocation's space, for its admins."""
        if not invocation.can_manage:
            raise CommandError(f"Sorry, only {WHO_MAY_SEE.get(invocation.platform, 'admins')} can see /mltip stats.")
        now = self.now()
        platform, workspace = invocation.platform, invocation.workspace_id
        return stats_reply(
            platform,
            self.library,
            tallies=self.store.votes.tallies(platform=platform, workspace_id=workspace),
            questions=self.store.questions.most_asked(platform=platform, workspace_id=workspace, limit=10),
            channels=self.store.outcomes.by_channel(platform, workspace, (now - timedelta(days=STATS_DAYS)).date()),
            retention_days=self.retention.days,
        )

    def tallies(self) -> Mapping[str, Tally]:
        """Every lesson's votes, across spaces, as last read."""
        return self._tallies

    def upkeep(self) -> None:
        """Re-read the tallies (votes cast on other replicas) and delete questions older than the retention."""
        self._tallies = self.store.votes.tallies()
        swept = self.store.questions.sweep_expired(now=self.now(), keep=self.retention)
        if swept:
            log.info("deleted %d day(s) of unanswered questions past %d days", swept, self.retention.days)
