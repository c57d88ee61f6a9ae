"""The audit log's writer: who changed a subscription or a workspace, and when, in the same transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.core.platform import Platform
from bot.store.records import AuditAction, ChannelKey
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
