"""Personal tips: a subscription's target is a channel or a person (their DM with the bot), and a
delivery can be skipped because the person asked (Skip tomorrow).

subscriptions.kind is added with plain ADD COLUMN and a column CHECK (as 0003_reasons does): a
batch rebuild of `subscriptions` on SQLite would drop the table, and with foreign keys on that
cascades to every delivery and deck card.

deliveries.skip_reason gains 'by_hand'. PostgreSQL replaces the CHECK; SQLite cannot alter one,
and rebuilding `deliveries` would null every deck card's dealt_delivery_id (ON DELETE SET NULL),
so the CHECK's text is widened in the schema, the way SQLite's ALTER TABLE documentation gives for
changing a CHECK: every stored row already satisfies the wider constraint, and nothing on disk
changes. Downgrade narrows it again, after the person's subscriptions (and their skips) are gone.

Revision ID: v0005_personal_tips
Revises: v0004_schedule_rules
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0005_personal_tips"
down_revision: str | None = "v0004_schedule_rules"
branch_labels: str | None = None
depends_on: str | None = None

NARROW = "skip_reason IN ('downtime', 'paused', 'late')"
WIDE = "skip_reason IN ('downtime', 'paused', 'late', 'by_hand')"


def _skip_reasons(old: str, new: str) -> None:
    """Replace deliveries.skip_reason's CHECK `old` with `new` on either database."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        op.execute("ALTER TABLE deliveries DROP CONSTRAINT ck_deliveries_skip_reason")
        op.execute(f"ALTER TABLE deliveries ADD CONSTRAINT ck_deliveries_skip_reason CHECK ({new})")
        return
    schema = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'"
    sql = connection.exec_driver_sql(schema).scalar_one()
    if sql.count(old) != 1:
        raise RuntimeError(f"deliveries' schema does not hold exactly one {old!r}: {sql}")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'deliveries'", (sql.replace(old, new),)
    )
    # A new schema version makes every connection (this one too) re-read the schema.
    connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    """Every existing subscription is a channel's; people may skip their own tips."""
    op.execute(
        "ALTER TABLE subscriptions ADD COLUMN kind VARCHAR(16) DEFAULT 'channel' NOT NULL "
        "CONSTRAINT ck_subscriptions_kind CHECK (kind IN ('channel', 'person'))"
    )
    _skip_reasons(NARROW, WIDE)


def downgrade() -> None:
    """Personal subscriptions cannot be kept without the column: they (and their skips) go first."""
    op.execute("DELETE FROM subscriptions WHERE kind = 'person'")
    op.execute(sa.text("UPDATE deliveries SET skip_reason = NULL WHERE skip_reason = 'by_hand'"))
    _skip_reasons(WIDE, NARROW)
    op.drop_column("subscriptions", "kind")
