"""Claims on telling an admin about a pause: whoever claims it sends the one direct message.

A pause caused by an error (the channel archived, the bot removed, the install revoked) is seen
by whichever worker's post failed, and by others that try later; the admin must hear of it once.
A claim is a conditional UPDATE of a column that is NULL until claimed, so exactly one caller
across every replica gets True. Resuming clears the column (a later pause is a new one); a
workspace pause's row is deleted on resume, taking its claim with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, false, update

from bot.core.platform import Platform
from bot.store.db import writing
from bot.store.tables import subscriptions, workspace_pauses

S, W = subscriptions.c, workspace_pauses.c


class PauseNotices:
    """Claims, one per pause, on sending the admin the notice."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim_channel(self, subscription_id: int, now: datetime) -> bool:
        """True for the one caller that is to tell the admin of this subscription's current pause."""
        with writing(self._engine) as connection:
            claimed = connection.execute(
                update(subscriptions)
                .where(S.id == subscription_id, S.paused.is_not(false()), S.pause_notice_at.is_(None))
                .values(pause_notice_at=now)
            )
            return claimed.rowcount == 1

    def claim_workspace(self, platform: Platform, workspace_id: str, now: datetime) -> bool:
        """True for the one caller that is to tell the admins of this workspace's current pause."""
        with writing(self._engine) as connection:
            claimed = connection.execute(
                update(workspace_pauses)
                .where(W.platform == platform.value, W.workspace_id == workspace_id, W.notice_at.is_(None))
                .values(notice_at=now)
            )
            return claimed.rowcount == 1
