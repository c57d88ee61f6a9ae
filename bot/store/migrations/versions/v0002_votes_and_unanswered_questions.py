"""Votes on lessons (one per person per lesson per workspace, the person a keyed hash) and the
questions nobody answers (normalised text, counted per day).

Revision ID: 0002_votes
Revises: 0001
Create Date: 2025-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_votes"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

UTC_DATETIME = sa.DateTime(timezone=True)  # bot.store.tables.UTCDateTime stores through this


def upgrade() -> None:
    """Create votes and unanswered_questions."""
    op.create_table(
        "votes",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("lesson_id", sa.String(128), nullable=False),
        sa.Column("voter", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("verdict IN ('up', 'down')", name="ck_votes_verdict"),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "lesson_id", "voter", name="pk_votes"),
    )
    op.create_index("ix_votes_at", "votes", ["at"])
    op.create_table(
        "unanswered_questions",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("question", sa.String(300), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", "question", "day", name="pk_unanswered_questions"),
    )
    op.create_index("ix_unanswered_questions_day", "unanswered_questions", ["day"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_unanswered_questions_day", table_name="unanswered_questions")
    op.drop_table("unanswered_questions")
    op.drop_index("ix_votes_at", table_name="votes")
    op.drop_table("votes")
