"""The cap on a workspace's subscriptions (MLTIP_MAX_SUBSCRIPTIONS_PER_WORKSPACE), race-free.

Counting a workspace's subscriptions and adding one must not interleave with another subscribe
in the same workspace, or two replicas could each see room for one more. On PostgreSQL the
subscribe transaction first takes a transaction-level advisory lock per workspace; on SQLite
write transactions already run one at a time (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, and_, func, select, text

from bot.store.records import ChannelKey
from bot.store.tables import subscriptions

S = subscriptions.c
# pg_advisory_xact_lock(LOCK_SPACE, workspace): two-key locks, apart from the migration lock's one key.
LOCK_SPACE = 0x6D6C7470  # 'mltp'


class WorkspaceFull(Exception):
    """A new channel would take its workspace past the cap on subscriptions."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the workspace already has {limit} subscriptions, its cap")


def lock_workspace(connection: Connection, key: ChannelKey) -> None:
    """Hold the workspace's subscribe lock until the transaction ends (PostgreSQL; see above)."""
    if connection.dialect.name != "postgresql":
        return
    name = f"{key.platform.value}:{key.workspace_id}".encode()
    workspace = int.from_bytes(hashlib.blake2b(name, digest_size=4).digest(), "big", signed=True)
    connection.execute(
        text("SELECT pg_advisory_xact_lock(:space, :workspace)"), {"space": LOCK_SPACE, "workspace": workspace}
    )


def check_room(connection: Connection, key: ChannelKey, limit: int) -> None:
    """Raise WorkspaceFull when the channel's workspace already has `limit` channel subscriptions.

    People's own tips are not counted: a channel is refused for a channel's sake only.
    """
    same_workspace = and_(S.platform == key.platform.value, S.workspace_id == key.workspace_id, S.kind == "channel")
    count = connection.execute(select(func.count()).select_from(subscriptions).where(same_workspace)).scalar_one()
    if count >= limit:
        raise WorkspaceFull(limit)
