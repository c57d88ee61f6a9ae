"""Personal tips: a subscription's target is a channel or a person (their DM with the bot).

Revision ID: v0002_personal_tips
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0002_personal_tips"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Every existing subscription is a channel's; batch mode, as SQLite adds a CHECK only by copying the table."""
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="channel"))
        batch.create_check_constraint("ck_subscriptions_kind", "kind IN ('channel', 'person')")


def downgrade() -> None:
    """Personal subscriptions cannot be kept without the column: they go first."""
    op.execute("DELETE FROM subscriptions WHERE kind = 'person'")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_constraint("ck_subscriptions_kind", type_="check")
        batch.drop_column("kind")
