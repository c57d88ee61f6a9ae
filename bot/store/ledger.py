"""The delivery ledger: one row per (subscription, local date), so each channel gets one post a day.

A delivery's life; every move is one UPDATE guarded by the status it leaves, so a late or
repeated call cannot move a row twice (it returns False instead):

    from      to        by
    -         PENDING   plan()            the date is due; the row exists before anything is sent
    -         SKIPPED   record_skipped()  a date missed entirely (downtime beyond the grace window)
    PENDING   CLAIMED   claim_due()       exactly one worker wins each row
    PENDING   SKIPPED   skip_expired()    still unsent when the grace window closed
    CLAIMED   SENDING   begin_send()      written just before the request leaves
    CLAIMED   PENDING   recover_stale()   its worker died before sending anything: always safe
    SENDING   CLAIMED   unsend()          the platform answered that it did not post (429, 5xx): retry
    SENDING   SENT      mark_sent()       the platform confirmed the post
    *         FAILED    mark_failed()     refused for good (channel gone, install revoked)
    SENDING   UNKNOWN   mark_unknown()    the request left, no answer came: never resent blindly
    *         PENDING   release()         try again from retry_at: nothing was posted (429s or 5xx past
                                          the worker's retry deadline, a shutdown, no poster here)
    SENDING   PENDING   recover_stale()   its worker died; the platform's sends are idempotent (Discord nonce)
    SENDING   UNKNOWN   recover_stale()   its worker died; other platforms (Slack)
    UNKNOWN   SENT      mark_sent()       a late confirmation
    (* = CLAIMED or SENDING)

Exactly once: the row exists before anything is sent (its unique key makes planning idempotent
across processes), and only the worker whose claim moved it PENDING -> CLAIMED sends it. The
separate SENDING step narrows "did it post?" to the one request in flight: a worker killed
while deliveries wait their turn leaves them CLAIMED, and those are simply sent again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, false, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from bot.store.db import insert_for, reading, writing
from bot.store.records import (
    Claim,
    Delivery,
    DeliveryStatus,
    Recovered,
    SkipReason,
    delivery_from_row,
    subscription_from_row,
)
from bot.store.recovery import DEFAULT_STALE_AFTER, recover_stale, skip_expired
from bot.store.subscriptions import workspace_is_paused
from bot.store.tables import deliveries, subscriptions

D = deliveries.c
S = subscriptions.c
PENDING, CLAIMED, SENDING = DeliveryStatus.PENDING.value, DeliveryStatus.CLAIMED.value, DeliveryStatus.SENDING.value
OWNED = (DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)
PLAN_CHUNK = 500  # rows per INSERT: well under SQLite's limit of 32,766 bound variables


class Ledger:
    """Plans, claims and records deliveries; see the module docstring for the state machine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _insert(self, values: dict[str, Any]) -> bool:
        try:
            with writing(self._engine) as connection:
                inserted = connection.execute(
                    insert_for(connection, deliveries)
                    .values(attempts=0, **values)
                    .on_conflict_do_nothing(index_elements=["subscription_id", "local_date"])
                    .returning(D.id)
                ).first()
        except IntegrityError:
            return False  # the subscription is gone (the foreign key), so there is nothing to deliver
        return inserted is not None

    def plan(self, subscription_id: int, local_date: date, due_at: datetime) -> bool:
        """Record that the subscription posts for `local_date` at `due_at`, unless already recorded.

        Idempotent and safe to call from any number of processes at once: True only for the call
        that created the row. False also when the subscription no longer exists.
        """
        return self._insert(
            {"subscription_id": subscription_id, "local_date": local_date, "due_at": due_at, "status": PENDING}
        )

    def record_skipped(
        self,
        subscription_id: int,
        local_date: date,
        due_at: datetime,
        reason: SkipReason,
        grace: timedelta | None = None,
    ) -> bool:
        """Record a date that will not be posted (e.g. missed during downtime), so `status` can say so."""
        values = {"local_date": local_date, "due_at": due_at, **_skipped(reason, grace)}
        return self._insert({"subscription_id": subscription_id, **values})

    def plan_many(
        self, planned: Sequence[tuple[int, date, datetime, SkipReason | None]], grace: timedelta | None = None
    ) -> int:
        """plan() (reason None) or record_skipped() (a reason, with `grace`) for many rows in one transaction.

        Returns how many rows were new. The scheduler plans every channel due at the same
        minute at once; one transaction for all of them instead of one each.
        """
        rows = [
            {
                "subscription_id": sub_id,
                "local_date": day,
                "due_at": due,
                "attempts": 0,
                **({"status": PENDING} if reason is None else _skipped(reason, grace)),
            }
            for sub_id, day, due, reason in planned
        ]
        created = 0
        for start in range(0, len(rows), PLAN_CHUNK):
            chunk = rows[start : start + PLAN_CHUNK]
            try:
                with writing(self._engine) as connection:
                    created += len(
                        connection.execute(
                            insert_for(connection, deliveries)
                            .values(chunk)
                            .on_conflict_do_nothing(index_elements=["subscription_id", "local_date"])
                            .returning(D.id)
                        ).all()
                    )
            except IntegrityError:  # a subscription went away meanwhile: fall back to one by one
                created += sum(self._insert({k: v for k, v in row.items() if k != "attempts"}) for row in chunk)
        return created

    def claim_due(
        self, now: datetime, worker_id: str, limit: int = 50, *, skip: Collection[tuple[str, str]] = ()
    ) -> list[Claim]:
        """Take up to `limit` due PENDING deliveries for this worker (now CLAIMED), fairly.

        Due: due_at and any retry_at have passed, the subscription is not paused and neither is its
        workspace. Fair: every (platform, workspace)'s oldest due delivery comes before any
        workspace's second, so one workspace's backlog cannot crowd out another's post;
        workspaces in `skip` ((platform, workspace_id) pairs: the worker's full lanes) get none.
        Each delivery is claimed by exactly one worker, whatever the number of threads,
        processes or replicas. PostgreSQL: the candidates are locked with FOR UPDATE SKIP LOCKED,
        so concurrent workers take disjoint sets without waiting on each other. SQLite: the
        transaction holds the write lock from its start (BEGIN IMMEDIATE), so claims run one at a
        time. On both, the UPDATE re-checks status = 'pending' (a compare-and-set).
        """
        turn = func.row_number().over(partition_by=(S.platform, S.workspace_id), order_by=(D.due_at, D.id))
        due = (
            select(D.id, turn.label("turn"))
            .join(subscriptions, S.id == D.subscription_id)
            .where(
                D.status == PENDING,
                D.due_at <= now,
                or_(D.retry_at.is_(None), D.retry_at <= now),
                S.paused.is_(false()),
                ~workspace_is_paused(),
            )
        )
        if skip:
            due = due.where(tuple_(S.platform, S.workspace_id).not_in(list(skip)))
        ranked = due.subquery()
        # The window function ranks in a subquery: PostgreSQL locks rows only outside one.
        candidates = (
            select(D.id)
            .join(ranked, ranked.c.id == D.id)
            .order_by(ranked.c.turn, D.due_at, D.id)
            .limit(limit)
            .with_for_update(of=deliveries, skip_locked=True)
        )
        with writing(self._engine) as connection:
            ids = list(connection.execute(candidates).scalars())
            if not ids:
                return []
            claimed = connection.execute(
                update(deliveries)
                .where(D.id.in_(ids), D.status == PENDING)
                .values(status=CLAIMED, claimed_by=worker_id, claimed_at=now, attempts=D.attempts + 1, retry_at=None)
                .returning(deliveries)
            ).mappings()
            rows = sorted((delivery_from_row(row) for row in claimed), key=lambda d: (d.due_at, d.id))
            owners = {d.subscription_id for d in rows}
            found = connection.execute(select(subscriptions).where(S.id.in_(owners))).mappings()
            subs = {row["id"]: subscription_from_row(row) for row in found}
        return [Claim(delivery=d, subscription=subs[d.subscription_id]) for d in rows]

    def _move(self, delivery_id: int, sources: Sequence[DeliveryStatus], condition: Any = None, **values: Any) -> bool:
        allowed = [status.value for status in sources]
        where = [D.id == delivery_id, D.status.in_(allowed)] + ([condition] if condition is not None else [])
        with writing(self._engine) as connection:
            moved = connection.execute(update(deliveries).where(*where).values(**values))
            return moved.rowcount == 1

    def begin_send(self, delivery_id: int, worker_id: str | None = None) -> bool:
        """The request is about to leave: from here a crash leaves "did it post?" open.

        With `worker_id`, only while that worker still holds the claim (a claim held past
        stale_after may have been recovered and taken by another worker meanwhile).
        """
        owner = None if worker_id is None else D.claimed_by == worker_id
        return self._move(delivery_id, (DeliveryStatus.CLAIMED,), owner, status=SENDING)

    def unsend(self, delivery_id: int, error: str, worker_id: str | None = None) -> bool:
        """The platform answered and did not post (a 429, a 5xx): the worker keeps it to retry.

        With `worker_id`, only while that worker still holds the claim (as for begin_send).
        """
        owner = None if worker_id is None else D.claimed_by == worker_id
        return self._move(delivery_id, (DeliveryStatus.SENDING,), owner, status=CLAIMED, error=error)

    def mark_sent(self, delivery_id: int, message_ref: str | None, now: datetime) -> bool:
        """The platform confirmed the post. From SENDING, or UNKNOWN when a late answer settles it."""
        sources = (DeliveryStatus.SENDING, DeliveryStatus.UNKNOWN)
        return self._move(
            delivery_id, sources, status=DeliveryStatus.SENT.value, sent_at=now, message_ref=message_ref, error=None
        )

    def mark_failed(self, delivery_id: int, error: str) -> bool:
        """The platform refused for good (channel gone, install revoked): not retried."""
        return self._move(delivery_id, OWNED, status=DeliveryStatus.FAILED.value, error=error)

    def mark_unknown(self, delivery_id: int, error: str) -> bool:
        """The request left but no answer came: it may have posted, so it is never resent blindly."""
        return self._move(delivery_id, (DeliveryStatus.SENDING,), status=DeliveryStatus.UNKNOWN.value, error=error)

    def release(self, delivery_id: int, error: str, retry_at: datetime, worker_id: str | None = None) -> bool:
        """Hand a claim back, nothing posted, for any worker to claim again from `retry_at`.

        The fan-out does this when the platform still refused (429s, 5xx) at its retry deadline,
        when it is shutting down, and when this process has no poster for the platform. A 429 or
        5xx before the deadline is not a release: the worker keeps its claim (unsend) and retries.
        With `worker_id`, only while that worker still holds the claim (as for begin_send).
        """
        owner = None if worker_id is None else D.claimed_by == worker_id
        return self._move(
            delivery_id,
            OWNED,
            owner,
            status=PENDING,
            error=error,
            retry_at=retry_at,
            claimed_by=None,
            claimed_at=None,
        )

    def recover_stale(
        self,
        now: datetime,
        platform_resendable: Collection[str],
        *,
        stale_after: timedelta = DEFAULT_STALE_AFTER,
        worker_id: str | None = None,
    ) -> Recovered:
        """Settle what dead workers left CLAIMED or SENDING (recovery.recover_stale says how)."""
        return recover_stale(self._engine, now, platform_resendable, stale_after=stale_after, worker_id=worker_id)

    def skip_expired(self, now: datetime, grace: timedelta) -> int:
        """PENDING deliveries due at or before `now - grace` become SKIPPED (recovery.skip_expired); how many."""
        return skip_expired(self._engine, now, grace)

    def get(self, delivery_id: int) -> Delivery | None:
        """A delivery by id."""
        with reading(self._engine) as connection:
            row = connection.execute(select(deliveries).where(D.id == delivery_id)).mappings().first()
        return None if row is None else delivery_from_row(row)

    def last_delivery(self, subscription_id: int) -> Delivery | None:
        """The subscription's most recent delivery (by local date), for `status`."""
        return next(iter(self.history(subscription_id, limit=1)), None)

    def ahead(self, subscription_id: int, now: datetime) -> list[Delivery]:
        """The subscription's rows not yet due (a date skipped in advance, say), soonest first."""
        query = select(deliveries).where(D.subscription_id == subscription_id, D.due_at > now).order_by(D.due_at)
        with reading(self._engine) as connection:
            return [delivery_from_row(row) for row in connection.execute(query).mappings()]

    def history(self, subscription_id: int, limit: int = 10) -> list[Delivery]:
        """The subscription's deliveries, newest local date first."""
        query = select(deliveries).where(D.subscription_id == subscription_id)
        with reading(self._engine) as connection:
            rows = connection.execute(query.order_by(D.local_date.desc()).limit(limit)).mappings()
            return [delivery_from_row(row) for row in rows]


def _skipped(reason: SkipReason, grace: timedelta | None) -> dict[str, Any]:
    """The columns of a delivery SKIPPED for `reason` under `grace`."""
    return {
        "status": DeliveryStatus.SKIPPED.value,
        "skip_reason": reason.value,
        "grace_seconds": None if grace is None else round(grace.total_seconds()),
    }
