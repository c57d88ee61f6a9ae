"""Votes on lessons (👍 Helpful / 👎 Not helpful) and `/mltip stats`, as the core sees them.

Recording a vote, a refused question or reading the stats needs the database, which core/ must
not know: the engine hands them to whatever FeedbackHandler it was given (bot/feedback/), as it
hands `/mltip daily` to a DailyHandler. What stays here is what needs no database: the button
payloads, who a voter is, the wording of the private acknowledgement, and how votes shape what
people see.

How votes shape what people see, gently. A lesson's votes are a small sample, so they are judged
by the lower bound of a 95% Wilson interval, not by their ratio: one or three 👎 say little, four
👎 and no 👍 say "not helpful" with some confidence. Only a lesson *clearly* unhelpful that way
moves, and only a little: among search results it ranks below lessons of near-equal relevance
(within NEAR_EQUAL of its score), and decks deal it after the rest of their cycle. It is never
hidden: it is still answered when nothing else is close, still dealt once a cycle.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.core.daily import Invocation
from bot.core.lessons import Lesson
from bot.core.replies import MAX_ACTION_PAYLOAD, Action, ActionKind, Reply
from bot.core.text import words

VOTE = "vote"  # the payloads' first part: vote|up|<lesson id>|<the question's words>
HELPFUL_LABEL = "👍 Helpful"
NOT_HELPFUL_LABEL = "👎 Not helpful"
Z_95 = 1.959963984540054  # the normal quantile of a two-sided 95% interval
CLEARLY = 0.5  # clearly unhelpful: even the interval's low end says most voters found it unhelpful
NEAR_EQUAL = 0.05  # search scores this close count as equally relevant (the cut-off's `follow` is 0.1)
MAX_QUESTION_TEXT = 300  # a recorded question's normalised text, at most (most are under 100)


class Verdict(enum.StrEnum):
    """What a vote says."""

    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """Someone in a workspace or guild (or the console): who votes, where a question was asked."""

    platform: str
    workspace_id: str
    user_id: str

    def pseudonym(self, key: bytes) -> str:
        """HMAC-SHA256 of platform|workspace|user under `key`: one per person per space, and no raw id."""
        identity = "|".join((self.platform, self.workspace_id, self.user_id)).encode()
        return hmac.new(key, identity, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class Vote:
    """A press of 👍 or 👎 under `lesson_id`; `question` is what the lesson answered, if anything."""

    lesson_id: str
    verdict: Verdict
    question: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Stats:
    """`/mltip stats`: votes, unanswered questions and daily posts in this space (admins)."""


@dataclass(frozen=True, slots=True)
class Tally:
    """A lesson's votes."""

    up: int = 0
    down: int = 0

    @property
    def clearly_unhelpful(self) -> bool:
        """Whether even the low end of the 95% interval has most voters finding it unhelpful."""
        return wilson_lower_bound(self.down, self.up + self.down) > CLEARLY


def wilson_lower_bound(successes: int, trials: int, z: float = Z_95) -> float:
    """The lower bound of the Wilson score interval for a proportion (0 without trials)."""
    if trials <= 0:
        return 0.0
    share = successes / trials
    spread = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    return (share + z * z / (2 * trials) - spread) / (1 + z * z / trials)


def demote_unhelpful(lessons: list[Lesson], scores: Sequence[float], tallies: Mapping[str, Tally]) -> list[Lesson]:
    """`lessons` (best first, with their search `scores`) with each clearly unhelpful one moved below
    the lessons within NEAR_EQUAL of its score. Nothing is dropped, and the others keep their order;
    `lessons` itself comes back when nothing moves (the engine's cached answer, untouched)."""
    unhelpful = [tallies[x.id].clearly_unhelpful if x.id in tallies else False for x in lessons]
    if not any(unhelpful):
        return lessons
    adjusted = [score - NEAR_EQUAL * flag for score, flag in zip(scores, unhelpful, strict=True)]
    order = sorted(range(len(lessons)), key=lambda n: (-adjusted[n], n))
    return [lessons[n] for n in order]


def normalised_question(text: str) -> str:
    """What is recorded of a question: its folded words, no punctuation, at most MAX_QUESTION_TEXT long."""
    joined = " ".join(words(text))
    if len(joined) <= MAX_QUESTION_TEXT:
        return joined
    return joined[: MAX_QUESTION_TEXT + 1].rsplit(" ", 1)[0]


def vote_payload(verdict: Verdict, lesson_id: str, question: str | None) -> str:
    """The payload of a vote button: the lesson, and as many of the question's words as fit."""
    head = "|".join((VOTE, verdict.value, lesson_id))
    if not question:
        return head
    room = MAX_ACTION_PAYLOAD - len(head) - 1
    asked = " ".join(words(question))
    if len(asked) > room:
        asked = asked[: room + 1].rsplit(" ", 1)[0] if " " in asked[: room + 1] else ""
    return f"{head}|{asked}" if asked else head


def vote_actions(lesson: Lesson, question: str | None) -> tuple[Action, Action]:
    """👍 Helpful and 👎 Not helpful under `lesson`, carrying the question it answered, if any."""
    up, down = (vote_payload(verdict, lesson.id, question) for verdict in (Verdict.UP, Verdict.DOWN))
    return (
        Action(kind=ActionKind.HELPFUL, label=HELPFUL_LABEL, payload=up),
        Action(kind=ActionKind.NOT_HELPFUL, label=NOT_HELPFUL_LABEL, payload=down),
    )


def decode_vote(rest: str) -> Vote | None:
    """The Vote behind `up|<id>|<words>` (a payload after `vote|`), or None when it is not ours."""
    verdict, _, tail = rest.partition("|")
    lesson_id, _, question = tail.partition("|")
    if verdict not in (Verdict.UP.value, Verdict.DOWN.value) or not lesson_id.strip():
        return None
    return Vote(lesson_id=lesson_id, verdict=Verdict(verdict), question=question.strip() or None)


def acknowledgement(title: str, vote: Vote, before: Verdict | None) -> Reply:
    """The private answer to `vote` on the lesson titled `title`; the post voted on is left as it is."""
    verdict = vote.verdict
    said = "helpful" if verdict is Verdict.UP else "not helpful"
    if before is verdict:
        text = f"You had already marked “{title}” {said}; your vote still counts once."
    elif before is not None:
        text = f"Changed your vote: “{title}” is now marked {said}. It counts once."
    elif verdict is Verdict.UP:
        text = f"Noted: you found “{title}” helpful. Votes help everyone here get the lessons that help."
    else:
        text = f"Noted: you did not find “{title}” helpful. Lessons people find unhelpful come up later."
        if vote.question:
            text += " What you asked is kept (without your name) for whoever writes the lessons."
    return Reply(title="Thanks for your vote", text=text, aside=True)


class FeedbackHandler(Protocol):
    """Records votes and unanswered questions and answers `/mltip stats` (bot.feedback.service)."""

    def vote(self, vote: Vote, member: Member) -> Verdict | None:
        """Record `member`'s vote (one per person per lesson per space); returns their previous verdict."""
        ...

    def refused(self, question: str, member: Member) -> None:
        """Record a question no lesson was close to (never raises: the answer matters more)."""
        ...

    def stats(self, invocation: Invocation) -> Reply:
        """`/mltip stats` for the space `invocation` comes from (admins only)."""
        ...

    def tallies(self) -> Mapping[str, Tally]:
        """Every lesson's votes, across spaces, as last read: returns at once, never waits for the database."""
        ...

    def upkeep(self) -> None:
        """Re-read the tallies and delete questions past keeping (may wait for the database)."""
        ...
