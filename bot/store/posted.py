"""What the ledger knows about posts already made, for what follows a post (pin, thread).

Kept apart from ledger.py, whose every method moves a delivery through its states: these read
posted messages and annotate them, and never change whether a post counts as sent.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select, update

from bot.store.db import reading, writing
from bot.store.records import DeliveryStatus
from bot.store.tables import deliveries

D = deliveries.c
SENT = DeliveryStatus.SENT.value


class Posted:
    """The message refs of sent posts, and notes on what went wrong after a post."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def previous_ref(self, subscription_id: int, before: date) -> str | None:
        """The message id of the subscription's last post sent for a date before `before` (to unpin it)."""
        query = (
            select(D.message_ref)
            .where(D.subscription_id == subscription_id, D.status == SENT, D.local_date < before)
            .where(D.message_ref.is_not(None), D.message_ref != "")
            .order_by(D.local_date.desc())
            .limit(1)
        )
        with reading(self._engine) as connection:
            return connection.execute(query).scalar()

    def note(self, delivery_id: int, text: str) -> bool:
        """Record on a sent post what failed after it (a pin, a thread), for status; it stays SENT."""
        with writing(self._engine) as connection:
            noted = connection.execute(
                update(deliveries).where(D.id == delivery_id, D.status == SENT).values(error=text)
            )
            return noted.rowcount == 1
