"""Reply: what the core answers, before any platform renders it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from bot.core.lessons import Lesson

# Discord caps a component's custom_id at 100 characters; every platform's button payload
# must fit there, so the core keeps its action payloads under this bound.
MAX_ACTION_PAYLOAD = 90
# The label of the link to a lesson's original, the same on every platform.
READ_THE_ORIGINAL = "Read the original"


class ActionKind(enum.Enum):
    """Follow-up buttons under a lesson."""

    ANOTHER = "another"
    SHARE = "share"
    SKIP = "skip"  # under a personal tip: skip the next day's (core/daily.py)
    HELPFUL = "helpful"  # 👍, and 👎 below: a vote on the lesson shown (bot/core/feedback.py)
    NOT_HELPFUL = "not_helpful"


class Visibility(enum.Enum):
    """Who sees a reply: only the person who asked, or the whole channel."""

    PRIVATE = "private"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """A button: its label and the payload that comes back when it is pressed."""

    kind: ActionKind
    label: str
    payload: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """A name/value row, for listings such as topics and sources."""

    name: str
    value: str


def kept_private(reply: Reply) -> Reply:
    """`reply` for a place the bot cannot post in (Discord's user install): private, and without
    Share, which could only answer privately there too."""
    actions = tuple(action for action in reply.actions if action.kind is not ActionKind.SHARE)
    if reply.visibility is Visibility.PRIVATE and actions == reply.actions:
        return reply
    return replace(reply, visibility=Visibility.PRIVATE, actions=actions)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """A platform-neutral answer: adapters turn it into Block Kit, an embed or plain text.

    `note` carries text that came from the user (a query echoed back), so renderers must
    escape it; everything else is our own text. An `aside` answers a button press privately
    beside the message pressed, never in its place (a vote's acknowledgement).
    """

    title: str
    text: str
    lesson: Lesson | None = None
    note: str | None = None
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    visibility: Visibility = Visibility.PRIVATE
    shared_by: str | None = None
    aside: bool = False
    closing: str | None = None  # our own last line, e.g. the daily post's invitation to reply in its thread

    @property
    def quote(self) -> str | None:
        """The speaker's own words, when the reply is a lesson."""
        return self.lesson.quote if self.lesson else None

    @property
    def original_url(self) -> str | None:
        """Where to read the lesson's original (the quote's moment in a recording, if any)."""
        return self.lesson.original_url if self.lesson else None

    @property
    def attribution(self) -> str | None:
        """'Speaker (role), “Title”, publisher, at M:SS' for a lesson."""
        if self.lesson is None:
            return None
        source = self.lesson.source
        at = f", at {self.lesson.timestamp}" if self.lesson.timestamp else ""
        return f"{source.speaker} ({source.role}), “{source.title}”, {source.publisher}{at}"

    @property
    def plain_text(self) -> str:
        """The whole reply as plain text: the fallback for notifications and screen readers."""
        parts = [self.title]
        if self.note:
            parts.append(self.note)
        if self.text:
            parts.append(self.text)
        if self.lesson:
            parts.append(f"“{self.lesson.quote}” — {self.attribution}")
        parts += [f"{f.name}: {f.value}" for f in self.fields]
        if self.shared_by:
            parts.append(f"Shared by {self.shared_by}")
        if self.closing:
            parts.append(self.closing)
        return "\n".join(parts)
