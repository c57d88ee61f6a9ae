"""What people type and press, as commands: the grammar after `/mltip` and the button payloads.

    (nothing)            a random lesson
    topics | sources | help
    stats                votes, unanswered questions and daily posts here (admins; bot/core/feedback.py)
    daily ...            the channel's tip of the day (see bot/core/daily.py)
    me [time|status|..]  the person's own tip of the day, by DM (other words after `me`: a question)
    <question or topic>  the lessons close to it, one at a time (Another shows the next)

Buttons carry payloads that come back when pressed (`another|<rank>|<words>`, `another|~|<id>`,
`share|<id>`, `vote|up|<id>|<words>`, `vote|down|<id>`, `skip`); decode_action() accepts only what
another_payload(), vote_payload() and the engine make.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.daily import SKIP_PAYLOAD, Daily, is_me_command
from bot.core.feedback import VOTE, Stats, Vote, decode_vote
from bot.core.lessons import Lesson
from bot.core.limits import check_length
from bot.core.replies import MAX_ACTION_PAYLOAD, ActionKind
from bot.core.text import words
from bot.errors import CommandError

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


Command = RandomTip | Search | Share | ListTopics | ListSources | Help | Daily | Vote | Stats
KINDS: dict[type, str] = {
    RandomTip: "random",
    Search: "search",
    Share: "share",
    ListTopics: "topics",
    ListSources: "sources",
    Help: "help",
    Daily: "daily",
    Vote: "vote",
    Stats: "stats",
}
KEYWORDS: dict[str, Command] = {"topics": ListTopics(), "sources": ListSources(), "help": Help(), "stats": Stats()}


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
    if words[0].lower() == "me" and is_me_command(words[1:]):
        return Daily(args=tuple(words[1:]) or ("status",), personal=True)
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
    if payload == SKIP_PAYLOAD:
        return Daily(args=("skip",), personal=True)
    if kind == ActionKind.SHARE.value and rest:
        return Share(lesson_id=rest, shared_by=user)
    if kind == VOTE and len(payload) <= MAX_ACTION_PAYLOAD and (vote := decode_vote(rest)) is not None:
        return vote
    if kind == ActionKind.ANOTHER.value and len(payload) <= MAX_ACTION_PAYLOAD:
        rank, _, value = rest.partition(SEPARATOR)
        if rank == "~":
            return RandomTip(exclude=value or None)
        if RANK.fullmatch(rank) and value.strip():
            return Search(query=value, rank=int(rank))
    raise CommandError("That button is no longer valid. Try /mltip again.")
