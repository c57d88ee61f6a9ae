"""The Slack install flow's one-time states: sweeping out the expired ones.

slack_sdk's state store keeps a row per view of the install page in its own table (it creates
it, issues and consumes the states) and deletes only the states that were used, so crawlers and
abandoned installs would grow the table forever. The Slack adapter asks for this sweep each time
it issues a state, with `now` from its clock. The table is described here only as far as the
sweep needs it, apart from tables.py, whose tables are ours and migrated by Alembic.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Engine, MetaData, Table, delete

from bot.store.db import writing

# slack_sdk's name and column (SQLAlchemyOAuthStateStore); the column holds naive UTC, its choice.
OAUTH_STATES = Table("slack_oauth_states", MetaData(), Column("expire_at", DateTime, nullable=False))


class OAuthStates:
    """The install flow's states, in slack_sdk's table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def sweep_expired(self, *, now: datetime) -> int:
        """Delete the states that expired before `now` (aware); returns how many went."""
        naive_utc = now.astimezone(UTC).replace(tzinfo=None)
        with writing(self._engine) as connection:
            result = connection.execute(delete(OAUTH_STATES).where(OAUTH_STATES.c.expire_at < naive_utc))
            return result.rowcount
