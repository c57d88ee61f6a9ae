"""The store's value objects: what its methods take and return (never a live database row)."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import RowMapping

from bot.core.cadence import Cadence, Repeat
from bot.core.platform import Platform
from bot.core.weekdays import Weekdays


class DeliveryStatus(enum.StrEnum):
    """Where one (subscription, local date) post stands; the transitions are drawn in ledger.py."""

    PENDING = "pending"  # planned (or released for a retry); a worker may claim it once due
    CLAIMED = "claimed"  # owned by one worker, waiting its turn (pacing); nothing sent yet
    SENDING = "sending"  # its worker has started the request to the platform
    SENT = "sent"  # the platform confirmed the post
    UNKNOWN = "unknown"  # the request left but no answer came; not resent, shown in status
    FAILED = "failed"  # the platform refused for good (channel gone, install revoked)
    SKIPPED = "skipped"  # not sent within the grace window (downtime, paused, retries ran out)


class TargetKind(enum.StrEnum):
    """Whom a subscription posts to: a channel, or one person in their DM with the bot."""

    CHANNEL = "channel"
    PERSON = "person"  # channel_id holds the person's user id; the poster opens the DM


class PauseKind(enum.StrEnum):
    """Who stopped a channel's tips: the words for each are daily/wording.py's."""

    BY_HAND = "by_hand"  # a person ran /mltip daily pause; pause_reason is their note, if any
    CHANNEL_REFUSED = "channel_refused"  # the platform refused the channel for good; pause_reason is its error


class SkipReason(enum.StrEnum):
    """Why a delivery was SKIPPED: the words for each are daily/wording.py's."""

    DOWNTIME = "downtime"  # the date was missed entirely: no worker ran within the grace window
    PAUSED = "paused"  # the channel or its workspace was paused at the time
    LATE = "late"  # still unsent when the grace window closed (retries, a backlog)
    BY_HAND = "by_hand"  # the person pressed Skip tomorrow under their own tip (daily/personal.py)


class AuditAction(enum.StrEnum):
    """What an audit row records."""

    SUBSCRIBE = "subscribe"
    CHANGE = "change"
    UNSUBSCRIBE = "unsubscribe"
    PAUSE = "pause"
    RESUME = "resume"
    PAUSE_WORKSPACE = "pause_workspace"
    RESUME_WORKSPACE = "resume_workspace"
    REMOVE_WORKSPACE = "remove_workspace"
    SKIP = "skip"  # skip next set or cancelled
    PAUSE_UNTIL = "pause_until"  # pause until a date set or ended


class Hold(enum.StrEnum):
    """A hold on some of a subscription's dates (bot.daily.fire_times.SkipReason says them in words)."""

    SKIP = "skip"  # one date is not posted
    PAUSE_UNTIL = "pause_until"  # no date before this one is posted; it resumes by itself


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelKey:
    """A channel's identity: one subscription at most per key."""

    platform: Platform
    workspace_id: str  # Slack team id, Discord guild id, 'local' for the console
    channel_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """A channel's (or a person's) tip-of-the-day settings."""

    id: int
    platform: Platform
    workspace_id: str
    channel_id: str
    local_time: time
    timezone: str  # canonical IANA name
    weekdays: Weekdays
    topic: str | None
    paused: bool
    pause_kind: PauseKind | None  # None while posting
    pause_reason: str | None  # the person's note (BY_HAND) or the platform's error (CHANNEL_REFUSED)
    thread: bool = False  # start a thread on each post (Slack: the post invites replies in its thread)
    pin: bool = False  # keep the newest post pinned, unpinning the one before
    set_by_user_id: str | None = None  # the platform id of who last set the schedule
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    cadence: Cadence  # which dates; a weekdays rule holds `weekdays`, the others every day there
    skip_date: date | None = None  # `skip next`: this one local date is not posted
    paused_until: date | None = None  # `pause until`: no posts before this local date
    kind: TargetKind = TargetKind.CHANNEL

    @property
    def personal(self) -> bool:
        """Whether this is a person's own tip, posted in their DM with the bot."""
        return self.kind is TargetKind.PERSON

    @property
    def key(self) -> ChannelKey:
        """The channel this subscription posts to."""
        return ChannelKey(platform=self.platform, workspace_id=self.workspace_id, channel_id=self.channel_id)

    @property
    def zone(self) -> ZoneInfo:
        """The subscription's time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One row of the ledger: the post of one subscription for one local date."""

    id: int
    subscription_id: int
    local_date: date
    due_at: datetime
    status: DeliveryStatus
    lesson_id: str | None
    attempts: int  # how many times it was claimed
    retry_at: datetime | None
    claimed_by: str | None
    claimed_at: datetime | None
    sent_at: datetime | None
    message_ref: str | None  # the platform's id of the posted message
    error: str | None  # the last error the platform or a worker gave, if any
    skip_reason: SkipReason | None  # why it was SKIPPED (None: not skipped, or skipped before this was kept)
    grace: timedelta | None  # the grace window in force when it was skipped


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """A delivery a worker now owns (status CLAIMED), with the subscription it posts for."""

    delivery: Delivery
    subscription: Subscription


@dataclass(frozen=True, slots=True, kw_only=True)
class Recovered:
    """What recover_stale did with deliveries a dead worker left CLAIMED or SENDING."""

    requeued: tuple[int, ...]  # back to PENDING: their platform's sends are idempotent
    unknown: tuple[int, ...]  # now UNKNOWN: resending might post twice


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspacePause:
    """A workspace (or guild) whose install is broken: nothing is posted there until resumed."""

    platform: Platform
    workspace_id: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One change to a subscription or a workspace, and who made it."""

    id: int
    subscription_id: int | None
    platform: Platform
    workspace_id: str
    channel_id: str | None
    action: AuditAction
    actor: str
    at: datetime
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Card:
    """One lesson's place in a cycle of a subscription's deck."""

    lesson_id: str
    position: int
    dealt: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Cycle:
    """One pass through a subscription's lessons: its number (from 1) and its cards by position."""

    number: int
    cards: tuple[Card, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Deal:
    """What a dealing rule decided: the cycle as it is to be kept, and the lesson dealt from it.

    `cycle.cards` are every card of that cycle after the deal (new ones, moved ones, unchanged
    ones), still showing the dealt lesson as undealt; the store writes them and marks it dealt.
    """

    cycle: Cycle
    lesson_id: str


def subscription_from_row(row: RowMapping) -> Subscription:
    """A `subscriptions` row as a Subscription."""
    hour, minute = (int(part) for part in row["local_time"].split(":"))
    weekdays = Weekdays.from_code(row["weekdays"])  # as _settings wrote it: no user-input parsing
    return Subscription(
        id=row["id"],
        platform=Platform(row["platform"]),
        workspace_id=row["workspace_id"],
        channel_id=row["channel_id"],
        local_time=time(hour, minute),
        timezone=row["timezone"],
        weekdays=weekdays,
        topic=row["topic"],
        paused=bool(row["paused"]),
        pause_kind=None if row["pause_kind"] is None else PauseKind(row["pause_kind"]),
        pause_reason=row["pause_reason"],
        thread=bool(row["thread"]),
        pin=bool(row["pin"]),
        set_by_user_id=row["set_by_user_id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
        cadence=Cadence(
            repeat=Repeat(row["repeat"]),
            weekdays=weekdays,
            every_days=row["every_days"],
            anchor=row["anchor_date"],
            month_day=row["month_day"],
        ),
        skip_date=row["skip_date"],
        paused_until=row["paused_until"],
        kind=TargetKind(row["kind"]),
    )


def delivery_from_row(row: RowMapping) -> Delivery:
    """A `deliveries` row as a Delivery."""
    return Delivery(
        id=row["id"],
        subscription_id=row["subscription_id"],
        local_date=row["local_date"],
        due_at=row["due_at"],
        status=DeliveryStatus(row["status"]),
        lesson_id=row["lesson_id"],
        attempts=row["attempts"],
        retry_at=row["retry_at"],
        claimed_by=row["claimed_by"],
        claimed_at=row["claimed_at"],
        sent_at=row["sent_at"],
        message_ref=row["message_ref"],
        error=row["error"],
        skip_reason=None if row["skip_reason"] is None else SkipReason(row["skip_reason"]),
        grace=None if row["grace_seconds"] is None else timedelta(seconds=row["grace_seconds"]),
    )


def audit_from_row(row: RowMapping) -> AuditEntry:
    """An `audit_log` row as an AuditEntry."""
    return AuditEntry(
        id=row["id"],
        subscription_id=row["subscription_id"],
        platform=Platform(row["platform"]),
        workspace_id=row["workspace_id"],
        channel_id=row["channel_id"],
        action=AuditAction(row["action"]),
        actor=row["actor"],
        at=row["at"],
        details=json.loads(row["details"]),
    )
