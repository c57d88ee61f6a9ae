"""The schema, as SQLAlchemy Core tables; the migrations in migrations/versions/ create exactly this.

A test compares these tables with the migrated database, so a change here needs a new revision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator

# Named constraints, so migrations can refer to them on both databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

PLATFORMS = ("slack", "discord", "console")
KINDS = ("channel", "person")
# bot.core.cadence.Repeat, and the columns each kind of rule uses (the others stay NULL).
RULE = (
    "(repeat = 'weekdays' AND every_days IS NULL AND anchor_date IS NULL AND month_day IS NULL)"
    " OR (repeat = 'every_n_days' AND every_days BETWEEN 2 AND 366 AND anchor_date IS NOT NULL"
    " AND month_day IS NULL)"
    " OR (repeat = 'monthly' AND month_day BETWEEN 1 AND 31 AND every_days IS NULL AND anchor_date IS NULL)"
)
STATUSES = ("pending", "claimed", "sending", "sent", "unknown", "failed", "skipped")
PAUSE_KINDS = ("by_hand", "channel_refused")  # records.PauseKind
SKIP_REASONS = ("downtime", "paused", "late", "by_hand")  # records.SkipReason


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both databases.

    SQLite keeps datetimes as text without an offset, so a non-UTC value would be stored as its
    wall time and compare wrongly; values are therefore converted to UTC on the way in (naive ones
    are refused) and tagged as UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store a naive datetime: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("workspace_id", String(64), nullable=False),
    # For a person (kind 'person') the user id: the post goes to their DM with the bot. Slack ids
    # carry a type prefix (C..., U...) and Discord's snowflakes are unique across channels and
    # users, so the unique key below keeps one subscription per channel and one per person.
    Column("channel_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False, server_default="channel"),
    Column("local_time", String(5), nullable=False),  # 'HH:MM'
    Column("timezone", String(64), nullable=False),  # IANA name
    Column("weekdays", String(32), nullable=False),  # Weekdays.code, e.g. 'mon,tue,wed,thu,fri'
    Column("topic", String(32)),
    Column("paused", Boolean, nullable=False, default=False),
    Column("pause_kind", String(16)),  # records.PauseKind; NULL while posting
    Column("pause_reason", Text),  # the person's note, or the platform's error
    # The date rule (bot.core.cadence.Cadence): 'weekdays' reads only the weekdays column.
    Column("repeat", String(16), nullable=False, server_default="weekdays"),
    Column("every_days", Integer),
    Column("anchor_date", Date),
    Column("month_day", Integer),
    # Holds on the rule's dates, as local dates: the one `skip next` skips, and the date
    # `pause until` resumes on by itself (the dates before it are not posted).
    Column("skip_date", Date),
    Column("paused_until", Date),
    # After each post: start a thread on it (Discord; Slack's post invites replies) / pin it.
    Column("thread", Boolean, nullable=False, default=False, server_default=false()),
    Column("pin", Boolean, nullable=False, default=False, server_default=false()),
    Column("set_by_user_id", String(64)),  # the platform id of who last set the schedule
    Column("pause_notice_at", UTCDateTime),  # when that person was told of the current pause
    Column("created_by", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_by", String(128), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("platform", "workspace_id", "channel_id"),
    CheckConstraint(_one_of("platform", PLATFORMS), name="platform"),
    CheckConstraint(_one_of("kind", KINDS), name="kind"),
    CheckConstraint(_one_of("pause_kind", PAUSE_KINDS), name="pause_kind"),
    CheckConstraint(RULE, name="rule"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("lesson_id", String(128)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("retry_at", UTCDateTime),  # set by release(): not claimable before then
    Column("claimed_by", String(128)),
    Column("claimed_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("message_ref", String(256)),
    Column("error", Text),  # the last error, for status and whoever debugs
    Column("skip_reason", String(16)),  # records.SkipReason, when SKIPPED
    Column("grace_seconds", Integer),  # the grace window it was skipped under
    UniqueConstraint("subscription_id", "local_date"),
    CheckConstraint(_one_of("status", STATUSES), name="status"),
    CheckConstraint(_one_of("skip_reason", SKIP_REASONS), name="skip_reason"),
    # claim_due and skip_expired look for pending deliveries by due time.
    Index("ix_deliveries_status_due_at", "status", "due_at"),
)

deck_cards = Table(
    "deck_cards",
    metadata,
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True),
    Column("cycle", Integer, primary_key=True),
    Column("lesson_id", String(128), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("dealt", Boolean, nullable=False, default=False),
    Column("dealt_delivery_id", Integer, ForeignKey("deliveries.id", ondelete="SET NULL"), index=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    # The row outlives its subscription: the channel columns still say where it happened.
    Column("subscription_id", Integer, ForeignKey("subscriptions.id", ondelete="SET NULL"), index=True),
    Column("platform", String(16), nullable=False),
    Column("workspace_id", String(64), nullable=False),
    Column("channel_id", String(64)),
    Column("action", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("details", Text, nullable=False),  # JSON object
    Index("ix_audit_log_platform_workspace_id", "platform", "workspace_id"),
)

workspace_pauses = Table(
    "workspace_pauses",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("workspace_id", String(64), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("notice_at", UTCDateTime),  # when the admins were told of this pause
)

VERDICTS = ("up", "down")

# One vote per person per lesson per workspace: `voter` is HMAC-SHA256(key, platform|workspace|user)
# (bot/core/feedback.py), so no user id is ever stored, yet a second press finds the first.
votes = Table(
    "votes",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("workspace_id", String(64), primary_key=True),
    Column("lesson_id", String(128), primary_key=True),
    Column("voter", String(64), primary_key=True),
    Column("verdict", String(8), nullable=False),
    Column("at", UTCDateTime, nullable=False),  # when it was cast or last changed
    CheckConstraint(_one_of("verdict", VERDICTS), name="verdict"),
    Index("ix_votes_at", "at"),  # the report's --since
)

# Questions no lesson answered, or whose answer got 👎: normalised text, no user, counted per day,
# so that rows older than MLTIP_QUESTION_RETENTION_DAYS can be deleted and counts stay within it.
unanswered_questions = Table(
    "unanswered_questions",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("workspace_id", String(64), primary_key=True),
    Column("question", String(300), primary_key=True),
    Column("day", Date, primary_key=True),  # UTC date
    Column("count", Integer, nullable=False),
    Index("ix_unanswered_questions_day", "day"),
)
