"""How the daily posts went, counted from the ledger: per channel for `/mltip stats`, in total for
`mltip report`. Delivered means SENT; posts still pending or under way are not counted yet."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, func, select

from bot.store.db import reading
from bot.store.records import DeliveryStatus, TargetKind
from bot.store.tables import deliveries, subscriptions

D = deliveries.c
S = subscriptions.c
# The outcome names people read, for the ledger's settled statuses.
OUTCOMES = {
    DeliveryStatus.SENT.value: "delivered",
    DeliveryStatus.UNKNOWN.value: "unknown",
    DeliveryStatus.FAILED.value: "failed",
    DeliveryStatus.SKIPPED.value: "skipped",
}


def no_outcomes() -> dict[str, int]:
    """Every outcome at zero, in the order people read them."""
    return dict.fromkeys(OUTCOMES.values(), 0)


@dataclass(frozen=True, slots=True)
class ChannelOutcomes:
    """A subscribed channel and its posts' outcomes."""

    channel_id: str
    counts: dict[str, int] = field(default_factory=no_outcomes)


class Outcomes:
    """Counts settled deliveries."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def by_channel(self, platform: str, workspace_id: str, since: date) -> list[ChannelOutcomes]:
        """Every subscribed channel of the workspace, with its posts for local dates from `since` on.

        People's own tips by DM are theirs, not the workspace's: they are left out.
        """
        joined = subscriptions.outerjoin(
            deliveries, and_(D.subscription_id == S.id, D.local_date >= since, D.status.in_(list(OUTCOMES)))
        )
        query = (
            select(S.channel_id, D.status, func.count(D.id).label("n"))
            .select_from(joined)
            .where(S.platform == platform, S.workspace_id == workspace_id, S.kind == TargetKind.CHANNEL.value)
            .group_by(S.channel_id, D.status)
            .order_by(S.channel_id)
        )
        counts: dict[str, dict[str, int]] = defaultdict(no_outcomes)
        with reading(self._engine) as connection:
            for row in connection.execute(query):
                channel = counts[row.channel_id]
                if row.status is not None:
                    channel[OUTCOMES[row.status]] = int(row.n)
        return [ChannelOutcomes(channel_id, outcome) for channel_id, outcome in counts.items()]

    def totals(self, since: date | None = None) -> dict[str, int]:
        """Posts for local dates from `since` on (all without), by outcome, every workspace together."""
        conditions: list[Any] = [D.status.in_(list(OUTCOMES))]
        if since is not None:
            conditions.append(D.local_date >= since)
        query = select(D.status, func.count(D.id).label("n")).where(*conditions).group_by(D.status)
        totals = no_outcomes()
        with reading(self._engine) as connection:
            for row in connection.execute(query):
                totals[OUTCOMES[row.status]] = int(row.n)
        return totals
