"""Pause and skip reasons as data: subscriptions.pause_kind, deliveries.skip_reason and grace_seconds.

Until now the reason was a sentence in a text column that daily/wording.py took apart by prefix:
a pause a person made began 'paused by hand', a skipped delivery's error began 'skipped: '. The
kind is now an enum-valued column; the text column keeps only the detail (a person's note, the
platform's error, the last error before a skip), and the sentences are built in one place.

Existing rows are converted: their sentences are read once, here, with the exact patterns the old
code wrote them in; a row that matches none keeps its text and gets no kind (status shows the
text as before). The functions below are frozen copies, not imports: a migration must keep
meaning what it meant when it was written.

Revision ID: 0003_reasons
Revises: 0002_votes
Create Date: 2025-02-01
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0003_reasons"
down_revision: str | None = "0002_votes"
branch_labels: str | None = None
depends_on: str | None = None

MANUAL_PAUSE = "paused by hand"
DOWNTIME = re.compile(r"skipped: the bot was down past the (?P<grace>.+) grace window", re.DOTALL)
PAUSED = re.compile(r"skipped: the channel or workspace was paused(?:; last error: (?P<error>.*))?", re.DOTALL)
LATE = re.compile(
    r"skipped: not sent within (?P<hours>\d+(?:\.\d+)?) hours? of its time(?:; last error: (?P<error>.*))?", re.DOTALL
)
TIMEDELTA = re.compile(r"(?:(?P<days>-?\d+) days?, )?(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d(?:\.\d+)?)")

subscriptions = sa.table(
    "subscriptions",
    sa.column("id", sa.Integer),
    sa.column("paused", sa.Boolean),
    sa.column("pause_kind", sa.String),
    sa.column("pause_reason", sa.Text),
)
deliveries = sa.table(
    "deliveries",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("error", sa.Text),
    sa.column("skip_reason", sa.String),
    sa.column("grace_seconds", sa.Integer),
)


def _seconds(text: str) -> int | None:
    """str(timedelta) back to seconds ('3:00:00', '1 day, 2:00:00'); None if it is not one."""
    found = TIMEDELTA.fullmatch(text)
    if found is None:
        return None
    days = int(found["days"] or 0)
    return round(days * 86400 + int(found["h"]) * 3600 + int(found["m"]) * 60 + float(found["s"]))


def skip_of(error: str) -> tuple[str, int | None, str | None] | None:
    """(skip_reason, grace_seconds, error left) for a skipped delivery's old error text, or None."""
    if found := DOWNTIME.fullmatch(error):
        return "downtime", _seconds(found["grace"]), None
    if found := PAUSED.fullmatch(error):
        return "paused", None, found["error"]
    if found := LATE.fullmatch(error):
        return "late", round(float(found["hours"]) * 3600), found["error"]
    return None


def pause_of(reason: str | None) -> tuple[str, str | None]:
    """(pause_kind, pause_reason) for a paused subscription's old reason text."""
    if reason is not None and reason.startswith(MANUAL_PAUSE):
        note = reason.removeprefix(MANUAL_PAUSE).removeprefix(":").strip()
        return "by_hand", note or None
    return "channel_refused", reason


def _hours(seconds: int) -> str:
    hours = seconds / 3600
    return f"{hours:g} hour{'s' if hours != 1 else ''}"


def error_of(skip_reason: str, grace_seconds: int | None, error: str | None) -> str:
    """The old error text for a skipped delivery (for downgrade): the inverse of skip_of."""
    last = f"; last error: {error}" if error is not None else ""
    if skip_reason == "downtime":
        return f"skipped: the bot was down past the {timedelta(seconds=grace_seconds or 0)} grace window"
    if skip_reason == "paused":
        return "skipped: the channel or workspace was paused" + last
    return f"skipped: not sent within {_hours(grace_seconds or 0)} of its time" + last


def upgrade() -> None:
    """Add the columns (with CHECK constraints; plain ADD COLUMN, so SQLite rebuilds no table) and convert."""
    # Rebuilding `subscriptions` on SQLite (batch mode) would drop it, and with foreign keys on that
    # cascades to every delivery and deck card; ADD COLUMN with a column CHECK needs no rebuild,
    # and PostgreSQL takes the same statement.
    op.execute(
        "ALTER TABLE subscriptions ADD COLUMN pause_kind VARCHAR(16) "
        "CONSTRAINT ck_subscriptions_pause_kind CHECK (pause_kind IN ('by_hand', 'channel_refused'))"
    )
    op.execute(
        "ALTER TABLE deliveries ADD COLUMN skip_reason VARCHAR(16) "
        "CONSTRAINT ck_deliveries_skip_reason CHECK (skip_reason IN ('downtime', 'paused', 'late'))"
    )
    op.add_column("deliveries", sa.Column("grace_seconds", sa.Integer(), nullable=True))
    connection = op.get_bind()
    paused = connection.execute(
        sa.select(subscriptions.c.id, subscriptions.c.pause_reason).where(subscriptions.c.paused)
    )
    for row in paused.all():
        kind, reason = pause_of(row.pause_reason)
        connection.execute(
            subscriptions.update().where(subscriptions.c.id == row.id).values(pause_kind=kind, pause_reason=reason)
        )
    skipped = connection.execute(
        sa.select(deliveries.c.id, deliveries.c.error).where(
            deliveries.c.status == "skipped", deliveries.c.error.like("skipped: %")
        )
    )
    for delivery in skipped.all():
        found = skip_of(delivery.error)
        if found is not None:
            reason, grace, error = found
            connection.execute(
                deliveries.update()
                .where(deliveries.c.id == delivery.id)
                .values(skip_reason=reason, grace_seconds=grace, error=error)
            )


def downgrade() -> None:
    """Write the reasons back as the sentences the code before read, then drop the columns."""
    connection = op.get_bind()
    paused = connection.execute(
        sa.select(subscriptions.c.id, subscriptions.c.pause_kind, subscriptions.c.pause_reason).where(
            subscriptions.c.pause_kind.is_not(None)
        )
    )
    for row in paused.all():
        reason = row.pause_reason
        if row.pause_kind == "by_hand":
            reason = f"{MANUAL_PAUSE}: {reason}" if reason else MANUAL_PAUSE
        connection.execute(subscriptions.update().where(subscriptions.c.id == row.id).values(pause_reason=reason))
    skipped = connection.execute(
        sa.select(deliveries.c.id, deliveries.c.skip_reason, deliveries.c.grace_seconds, deliveries.c.error).where(
            deliveries.c.skip_reason.is_not(None)
        )
    )
    for delivery in skipped.all():
        error = error_of(delivery.skip_reason, delivery.grace_seconds, delivery.error)
        connection.execute(deliveries.update().where(deliveries.c.id == delivery.id).values(error=error))
    op.drop_column("deliveries", "grace_seconds")
    op.drop_column("deliveries", "skip_reason")
    op.drop_column("subscriptions", "pause_kind")
