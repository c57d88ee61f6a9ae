"""The tip of the day: subscriptions, deliveries (the ledger), deck cards, audit log, workspace pauses.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

UTC_DATETIME = sa.DateTime(timezone=True)  # bot.store.tables.UTCDateTime stores through this


def upgrade() -> None:
    """Create the five tables."""
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("local_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("weekdays", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(32), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("platform IN ('slack', 'discord', 'console')", name="ck_subscriptions_platform"),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.UniqueConstraint(
            "platform", "workspace_id", "channel_id", name="uq_subscriptions_platform_workspace_id_channel_id"
        ),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lesson_id", sa.String(128), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", UTC_DATETIME, nullable=True),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("claimed_at", UTC_DATETIME, nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("message_ref", sa.String(256), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'claimed', 'sending', 'sent', 'unknown', 'failed', 'skipped')",
            name="ck_deliveries_status",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_deliveries_subscription_id_subscriptions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("subscription_id", "local_date", name="uq_deliveries_subscription_id_local_date"),
    )
    op.create_index("ix_deliveries_status_due_at", "deliveries", ["status", "due_at"])
    op.create_table(
        "deck_cards",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("dealt", sa.Boolean(), nullable=False),
        sa.Column("dealt_delivery_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dealt_delivery_id"],
            ["deliveries.id"],
            name="fk_deck_cards_dealt_delivery_id_deliveries",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_deck_cards_subscription_id_subscriptions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", "cycle", "lesson_id", name="pk_deck_cards"),
    )
    op.create_index("ix_deck_cards_dealt_delivery_id", "deck_cards", ["dealt_delivery_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_audit_log_subscription_id_subscriptions",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_subscription_id", "audit_log", ["subscription_id"])
    op.create_index("ix_audit_log_platform_workspace_id", "audit_log", ["platform", "workspace_id"])
    op.create_table(
        "workspace_pauses",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace_id", name="pk_workspace_pauses"),
    )


def downgrade() -> None:
    """Drop the five tables."""
    op.drop_table("workspace_pauses")
    op.drop_index("ix_audit_log_platform_workspace_id", table_name="audit_log")
    op.drop_index("ix_audit_log_subscription_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_deck_cards_dealt_delivery_id", table_name="deck_cards")
    op.drop_table("deck_cards")
    op.drop_index("ix_deliveries_status_due_at", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("subscriptions")
