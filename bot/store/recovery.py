"""What the ledger settles that no worker finished: a dead worker's claims, and posts whose window closed.

Both run on every tick, from any replica; each row moves by one guarded UPDATE, as in ledger.py.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, or_, select, true, update

from bot.store.db import writing
from bot.store.records import DeliveryStatus, Recovered, SkipReason
from bot.store.subscriptions import workspace_is_paused
from bot.store.tables import deliveries, subscriptions

D = deliveries.c
S = subscriptions.c
PENDING, CLAIMED, SENDING = DeliveryStatus.PENDING.value, DeliveryStatus.CLAIMED.value, DeliveryStatus.SENDING.value
# A worker must finish (or release) a claim within this time, or it is presumed dead.
DEFAULT_STALE_AFTER = timedelta(minutes=10)


def recover_stale(
    engine: Engine,
    now: datetime,
    platform_resendable: Collection[str],
    *,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    worker_id: str | None = None,
) -> Recovered:
    """Settle deliveries a dead worker left CLAIMED or SENDING (a crash, kill -9, a lost replica).

    Stale: claimed at least `stale_after` ago, or claimed by `worker_id` (pass your own stable
    id at start-up to recover your previous life's claims at once; never a live worker's id).
    A single-process bot can pass stale_after=timedelta(0) at start-up. CLAIMED ones were never
    sent and go back to PENDING. SENDING ones of platforms in `platform_resendable` (sends are
    idempotent there: Discord's nonce) go back to PENDING too; the others (Slack) become
    UNKNOWN, because the post may have gone out.
    """
    stale = D.claimed_at <= now - stale_after
    if worker_id is not None:
        stale = or_(stale, D.claimed_by == worker_id)
    query = (
        select(D.id, D.status, D.claimed_by, S.platform)
        .join(subscriptions, S.id == D.subscription_id)
        .where(D.status.in_((CLAIMED, SENDING)), stale)
        .with_for_update(of=deliveries, skip_locked=True)  # a row being marked right now is alive
    )
    requeued: list[int] = []
    unknown: list[int] = []
    with writing(engine) as connection:
        for row in connection.execute(query).all():
            owner = row.claimed_by or "a worker"
            values: dict[str, Any]
            if row.status == CLAIMED:
                requeued.append(row.id)
                error = f"{owner} stopped before sending; sending again"
                values = {"status": PENDING, "claimed_by": None, "claimed_at": None, "error": error}
            elif row.platform in platform_resendable:
                requeued.append(row.id)
                error = f"{owner} stopped while sending; sending again (the send is idempotent)"
                values = {"status": PENDING, "claimed_by": None, "claimed_at": None, "error": error}
            else:
                unknown.append(row.id)
                error = f"{owner} stopped while sending; it may have posted, so it is not resent"
                values = {"status": DeliveryStatus.UNKNOWN.value, "error": error}
            connection.execute(update(deliveries).where(D.id == row.id, D.status == row.status).values(**values))
    return Recovered(requeued=tuple(sorted(requeued)), unknown=tuple(sorted(unknown)))


def skip_expired(engine: Engine, now: datetime, grace: timedelta) -> int:
    """Mark PENDING deliveries due at or before `now - grace` as SKIPPED, saying why; returns how many.

    The last error stays in `error` beside the reason (a retry's 429 explains a late skip).
    """
    paused = select(S.id).where(or_(S.paused.is_(true()), workspace_is_paused()))
    reason = case(
        (D.subscription_id.in_(paused), SkipReason.PAUSED.value),
        else_=SkipReason.LATE.value,
    )
    with writing(engine) as connection:
        skipped = connection.execute(
            update(deliveries)
            .where(D.status == PENDING, D.due_at <= now - grace)
            .values(status=DeliveryStatus.SKIPPED.value, skip_reason=reason, grace_seconds=round(grace.total_seconds()))
        )
        return skipped.rowcount
