"""Schedule rules: every N days and monthly besides weekdays, and the skip-next and pause-until holds.

Existing subscriptions become 'weekdays' rules with no holds: they post exactly as before.

Plain ADD COLUMN only, as in 0003_reasons: rebuilding `subscriptions` on SQLite (batch mode) would
drop it, and with foreign keys on that cascades to every delivery and deck card. The check that
keeps each rule's columns consistent therefore rides on the last column added, `repeat`, when the
columns it reads already exist; both databases take the statement as it is.

Revision ID: v0004_schedule_rules
Revises: 0003_reasons
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0004_schedule_rules"
down_revision: str | None = "0003_reasons"
branch_labels: str | None = None
depends_on: str | None = None

RULE = (
    "(repeat = 'weekdays' AND every_days IS NULL AND anchor_date IS NULL AND month_day IS NULL)"
    " OR (repeat = 'every_n_days' AND every_days BETWEEN 2 AND 366 AND anchor_date IS NOT NULL"
    " AND month_day IS NULL)"
    " OR (repeat = 'monthly' AND month_day BETWEEN 1 AND 31 AND every_days IS NULL AND anchor_date IS NULL)"
)
HOLDS_AND_NUMBERS = (
    sa.Column("every_days", sa.Integer(), nullable=True),
    sa.Column("anchor_date", sa.Date(), nullable=True),
    sa.Column("month_day", sa.Integer(), nullable=True),
    sa.Column("skip_date", sa.Date(), nullable=True),
    sa.Column("paused_until", sa.Date(), nullable=True),
)


def upgrade() -> None:
    """Add the rule's columns and the holds; a check keeps each rule's columns consistent."""
    for column in HOLDS_AND_NUMBERS:
        op.add_column("subscriptions", column)
    op.execute(
        "ALTER TABLE subscriptions ADD COLUMN repeat VARCHAR(16) DEFAULT 'weekdays' NOT NULL "
        f"CONSTRAINT ck_subscriptions_rule CHECK ({RULE})"
    )


def downgrade() -> None:
    """Drop them again (every-N-days and monthly schedules become daily ones)."""
    op.drop_column("subscriptions", "repeat")
    for column in reversed(HOLDS_AND_NUMBERS):
        op.drop_column("subscriptions", column.name)
