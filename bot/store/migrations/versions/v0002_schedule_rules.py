"""Schedule rules: every N days and monthly besides weekdays, and the skip-next and pause-until holds.

Existing subscriptions become 'weekdays' rules with no holds: they post exactly as before.

Revision ID: v0002_schedule_rules
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0002_schedule_rules"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

RULE = (
    "(repeat = 'weekdays' AND every_days IS NULL AND anchor_date IS NULL AND month_day IS NULL)"
    " OR (repeat = 'every_n_days' AND every_days BETWEEN 2 AND 366 AND anchor_date IS NOT NULL"
    " AND month_day IS NULL)"
    " OR (repeat = 'monthly' AND month_day BETWEEN 1 AND 31 AND every_days IS NULL AND anchor_date IS NULL)"
)


def upgrade() -> None:
    """Add the rule's columns and the holds; a check keeps each rule's columns consistent."""
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("repeat", sa.String(16), nullable=False, server_default="weekdays"))
        batch.add_column(sa.Column("every_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("anchor_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("month_day", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("skip_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("paused_until", sa.Date(), nullable=True))
        # op.f: the name as written (the metadata's naming convention would prefix it again).
        batch.create_check_constraint(op.f("ck_subscriptions_rule"), RULE)


def downgrade() -> None:
    """Drop them again (every-N-days and monthly schedules become daily ones)."""
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_constraint(op.f("ck_subscriptions_rule"), type_="check")
        for column in ("paused_until", "skip_date", "month_day", "anchor_date", "every_days", "repeat"):
            batch.drop_column(column)
