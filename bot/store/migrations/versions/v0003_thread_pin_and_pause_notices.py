"""The daily post as a conversation (thread, pin) and telling the admin once when a channel is paused.

subscriptions.thread / .pin: what to do after each post. subscriptions.set_by_user_id: the
platform id of whoever last set the schedule (whom a pause notice goes to). The two
*_notice_at columns are claimed by one worker with a conditional UPDATE, so one pause sends
one direct message however many replicas see it; resuming clears them.

Revision ID: v0003_thread_pin_notices
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0003_thread_pin_notices"
down_revision: str | None = "0001"  # the lead re-chains this after the votes migration at merge
branch_labels: str | None = None
depends_on: str | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the columns; existing subscriptions get neither thread nor pin."""
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("thread", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("pin", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("set_by_user_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("pause_notice_at", UTC_DATETIME, nullable=True))
    with op.batch_alter_table("workspace_pauses") as batch:
        batch.add_column(sa.Column("notice_at", UTC_DATETIME, nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("workspace_pauses") as batch:
        batch.drop_column("notice_at")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("pause_notice_at")
        batch.drop_column("set_by_user_id")
        batch.drop_column("pin")
        batch.drop_column("thread")
