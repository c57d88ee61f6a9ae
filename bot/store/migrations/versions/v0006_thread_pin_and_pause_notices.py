"""The daily post as a conversation (thread, pin) and telling the admin once when a channel is paused.

subscriptions.thread / .pin: what to do after each post. subscriptions.set_by_user_id: the
platform id of whoever last set the schedule (whom a pause notice goes to). The two
*_notice_at columns are claimed by one worker with a conditional UPDATE, so one pause sends
one direct message however many replicas see it; resuming clears them.

Revision ID: 0006_thread_pin_notices
Revises: v0005_personal_tips
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_thread_pin_notices"
down_revision: str | None = "v0005_personal_tips"
branch_labels: str | None = None
depends_on: str | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the columns; existing subscriptions get neither thread nor pin."""
    # Plain ADD COLUMN, not batch mode: on SQLite a batch rebuilds `subscriptions`, which drops
    # 0003_reasons' CHECK on pause_kind and, with foreign keys on, cascades to deliveries and deck
    # cards. A constant default lets SQLite add a NOT NULL column in place; PostgreSQL takes the same.
    op.add_column("subscriptions", sa.Column("thread", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("subscriptions", sa.Column("pin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("subscriptions", sa.Column("set_by_user_id", sa.String(64), nullable=True))
    op.add_column("subscriptions", sa.Column("pause_notice_at", UTC_DATETIME, nullable=True))
    op.add_column("workspace_pauses", sa.Column("notice_at", UTC_DATETIME, nullable=True))


def downgrade() -> None:
    """Drop them again (plain DROP COLUMN, for the same reason)."""
    op.drop_column("workspace_pauses", "notice_at")
    op.drop_column("subscriptions", "pause_notice_at")
    op.drop_column("subscriptions", "set_by_user_id")
    op.drop_column("subscriptions", "pin")
    op.drop_column("subscriptions", "thread")
