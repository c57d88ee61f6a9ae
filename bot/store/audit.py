"""The audit log: who changed a subscription or a workspace, and when (written in the change's transaction)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from bot.core.platform import Platform
from bot.store.records import AuditAction, AuditEntry, ChannelKey, audit_from_row
from bot.store.tables import audit_log


class AuditLog:
    """Writes audit rows inside one transaction, for one actor at one time."""

    def __init__(self, connection: Connection, actor: str, now: datetime) -> None:
        self._connection, self._actor, self._now = connection, actor, now

    def channel(
        self, action: AuditAction, key: ChannelKey, subscription_id: int | None, details: dict[str, Any]
    ) -> None:
        self._write(
            action, details, key.platform, key.workspace_id, channel_id=key.channel_id, subscription_id=subscription_id
        )

    def workspace(self, action: AuditAction, platform: Platform, workspace_id: str, details: dict[str, Any]) -> None:
        self._write(action, details, platform, workspace_id)

    def _write(
        self,
        action: AuditAction,
        details: dict[str, Any],
        platform: Platform,
        workspace_id: str,
        *,
        channel_id: str | None = None,
        subscription_id: int | None = None,
    ) -> None:
        self._connection.execute(
            audit_log.insert().values(
                subscription_id=subscription_id,
                platform=platform.value,
                workspace_id=workspace_id,
                channel_id=channel_id,
                action=action.value,
                actor=self._actor,
                at=self._now,
                details=json.dumps(details, sort_keys=True, default=str),  # dates as ISO text
            )
        )


def audit_entries(
    connection: Connection, platform: Platform, workspace_id: str, channel_id: str | None, limit: int
) -> list[AuditEntry]:
    """A workspace's audit rows (or one channel's), newest first."""
    log = audit_log.c
    query = select(audit_log).where(log.platform == platform.value, log.workspace_id == workspace_id)
    if channel_id is not None:
        query = query.where(log.channel_id == channel_id)
    rows = connection.execute(query.order_by(log.id.desc()).limit(limit)).mappings()
    return [audit_from_row(row) for row in rows]
