"""`/mltip daily ...` and `/mltip me ...` as the core sees them: parsed here, carried out by daily/.

Carrying it out needs the database and the scheduler, which core/ must not know; the engine
hands a Daily command and the Invocation it came from to whatever DailyHandler it was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bot.core.platform import Platform
from bot.core.replies import Reply

READ_ONLY_ACTIONS = frozenset({"status", "help"})
SPOKEN_TIMES = frozenset({"noon", "midday", "midnight"})  # times without digits (daily/arguments.py)
# MLTIP_MAX_SUBSCRIPTIONS_PER_WORKSPACE's default. A workspace's posts share its rate limit (Slack:
# about 5 a second), so 500 channels all post within two minutes of their time.
DEFAULT_MAX_SUBSCRIPTIONS_PER_WORKSPACE = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class Invocation:
    """Who asked, and where: what a command that changes or reads channel state needs."""

    platform: Platform
    workspace_id: str
    channel_id: str
    user_id: str
    user_name: str
    can_manage: bool  # may change this space's subscriptions (admin / Manage Server)
    # For `/mltip me`: the subscription's workspace (Discord DMs belong to no guild: PERSONAL_SPACE)
    # and the person's own zone where the platform says it (Slack users.info `tz`).
    personal_space: str | None = None
    user_zone: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Daily:
    """`/mltip daily <args>`: subscribe (a time, zone, days, topic), off, pause, resume, status."""

    args: tuple[str, ...]
    personal: bool = False  # `/mltip me ...`: the invoking person's own tip, by DM

    @property
    def words(self) -> list[str]:
        """The arguments as single words (an argument may hold several, e.g. from a Discord option)."""
        return " ".join(self.args).split()

    @property
    def sets_schedule(self) -> bool:
        """Whether it sets a schedule (starts with a time): for a channel the bot must be able to post
        there first; a personal one without a zone takes the person's own zone."""
        words = self.words
        return bool(words) and (words[0][:1].isdigit() or words[0].lower() in SPOKEN_TIMES)

    @property
    def wants_thread(self) -> bool:
        """A schedule with `thread`: each post starts a thread (Discord needs thread permissions)."""
        return self.sets_schedule and "thread" in (word.lower() for word in self.words)

    @property
    def wants_pin(self) -> bool:
        """A schedule with `pin`: each post is pinned (Slack needs pins:write, Discord Pin Messages)."""
        return self.sets_schedule and "pin" in (word.lower() for word in self.words)

    @property
    def changes_subscription(self) -> bool:
        """Whether carrying it out changes the channel's subscription (admins only); status and help do not."""
        words = self.words
        # Anyone may change their own personal tip, and only their own: never an admin's call.
        return not self.personal and bool(words) and words[0].lower() not in READ_ONLY_ACTIONS


class DailyHandler(Protocol):
    """Carries out Daily commands (implemented by bot.daily.service)."""

    def handle(self, command: Daily, invocation: Invocation) -> Reply:
        """Answer one Daily command from `invocation`."""
        ...


# What may follow `me` for it to be the command; anything else makes it a question ("me too, is
# kaggle worth it", "me and my manager disagree"): the action words, or a time (09:00, 9am, 7.30 pm,
# noon). A bare hour ("me 9") is still the command, so its reply can say how to write the time.
ME_ACTIONS = frozenset({"status", "pause", "resume", "off", "stop", "unsubscribe", "cancel", "skip", "help"})
ME_TIME = re.compile(r"\d{1,2}(?:[:.]\d{2})?(?:am|pm|a\.m\.|p\.m\.)?|noon|midday|midnight", re.IGNORECASE)


def is_me_command(args: list[str]) -> bool:
    """Whether `/mltip me <args>` sets or reads the person's own tip (else it is a question)."""
    return not args or args[0].lower() in ME_ACTIONS or ME_TIME.fullmatch(args[0]) is not None


# Where a Discord person's own tip lives: DMs belong to no guild, and one person has one tip.
PERSONAL_SPACE = "@me"
SKIP_PAYLOAD = "skip"  # the Skip tomorrow button: the presser's own tip, so nothing else to carry
ME_HELP = (
    "/mltip me 08:00 Europe/Berlin [weekdays|every 2 days|weekly on mon|monthly on 1] [topic]",
    "your own tip of the day, by direct message; also: me status | pause | resume | skip | off",
)
DAILY_HELP = (
    "/mltip daily 09:00 Europe/Berlin [weekdays|every 2 days|weekly on mon|monthly on 1] [topic] [thread] [pin]",
    "tip of the day in this channel (admins); also: daily off | pause [until 2027-01-04] | skip next | resume | status",
)
