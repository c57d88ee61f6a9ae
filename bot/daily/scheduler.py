"""The daily scheduler: plan what is due, claim it, fan it out; APScheduler wakes it up.

Every wake-up (a tick) runs the same idempotent steps, so any number of replicas can tick
against one database and restarts need no special path:

    1. recover   claims of dead workers (CLAIMED -> resend; SENDING -> resend or UNKNOWN)
    2. plan      one ledger row per subscription and due local date (the unique key dedups)
                 and a SKIPPED row for dates missed by more than the grace window (downtime)
    3. expire    PENDING rows past the grace window become SKIPPED, saying why
    4. deliver   claim due rows in batches and fan them out until none is left

APScheduler runs the tick every `interval` and, in between, exactly at the next fire time of
any subscription, so a 09:00 tip leaves at 09:00 and not at the next interval.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.daily.fanout import Fanout, FanoutResult
from bot.daily.schedule import Clock, due_dates, fire_time, next_fire_times
from bot.store import DEFAULT_STALE_AFTER, Claim, Store, Subscription

log = logging.getLogger("mltip.daily")
RESENDABLE = frozenset({"discord"})  # sends carry a nonce with enforce_nonce: a resend cannot double
MISSED_LOOKBACK = timedelta(days=2)  # how far back downtime is reported as skipped days
BATCH = 500  # claimed per transaction
ROUND = 10_000  # claimed before posting starts; well within the ledger's stale_after at platform speed


@dataclass
class TickResult:
    """What one tick did."""

    planned: int = 0
    skipped: int = 0
    recovered: int = 0
    delivered: dict[str, int] = field(default_factory=dict)

    def absorb(self, result: FanoutResult) -> None:
        for outcome, n in result.counts.items():
            self.delivered[outcome] = self.delivered.get(outcome, 0) + n


class DailyScheduler:
    """Runs ticks on demand (tests call `tick`) or on an APScheduler timetable (`start`)."""

    def __init__(
        self,
        store: Store,
        fanout: Fanout,
        *,
        clock: Clock,
        worker_id: str,
        grace: timedelta,
        platforms: frozenset[str],
        interval: timedelta = timedelta(minutes=1),
        stale_after: timedelta = DEFAULT_STALE_AFTER,
    ) -> None:
        self.store = store
        self.fanout = fanout
        self.clock = clock
        self.worker_id = worker_id
        self.grace = grace
        self.platforms = platforms
        self.interval = interval
        self.stale_after = stale_after
        self._planned: set[tuple[int, date]] = set()  # already in the ledger: skip the INSERT
        self._scheduler: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()
        self._current: asyncio.Task[TickResult] | None = None

    def _plan(self, now: datetime) -> tuple[int, int]:
        due: list[tuple[int, date, datetime, str | None]] = []
        missed: list[tuple[int, date, datetime, str | None]] = []
        reason = f"skipped: the bot was down past the {self.grace} grace window"
        for sub in self.store.subscriptions.active():
            if sub.platform.value not in self.platforms:
                continue
            for local_date in due_dates(now, sub.local_time, sub.zone, sub.weekdays, self.grace):
                due += self._owed(sub, local_date, None)
            missed_until = now - self.grace
            for local_date in due_dates(missed_until, sub.local_time, sub.zone, sub.weekdays, MISSED_LOOKBACK):
                missed += self._owed(sub, local_date, reason)
        planned = self.store.ledger.plan_many(due)
        skipped = self.store.ledger.plan_many(missed)
        self._planned.update((row[0], row[1]) for row in due + missed)
        # Only dates still inside the look-back can come up again; older ones would pile up for
        # as long as the process runs.
        oldest = (now - self.grace - MISSED_LOOKBACK - timedelta(days=2)).date()
        self._planned = {key for key in self._planned if key[1] >= oldest}
        return planned, skipped

    def _owed(
        self, sub: Subscription, local_date: date, reason: str | None
    ) -> list[tuple[int, date, datetime, str | None]]:
        due = fire_time(local_date, sub.local_time, sub.zone)
        # Dates before the channel subscribed (or changed its time) are not owed a post.
        if due < sub.updated_at or (sub.id, local_date) in self._planned:
            return []
        return [(sub.id, local_date, due, reason)]

    async def tick(self) -> TickResult:
        """One pass of recover, plan, expire, deliver; concurrent calls wait for each other."""
        async with self._lock:
            self._current = asyncio.current_task()
            try:
                return await self._tick()
            finally:
                self._current = None

    async def _tick(self) -> TickResult:
        result = TickResult()
        now = self.clock()
        ledger = self.store.ledger
        recovered = await asyncio.to_thread(
            ledger.recover_stale, now, RESENDABLE, stale_after=self.stale_after, worker_id=self.worker_id
        )
        result.recovered = len(recovered.requeued) + len(recovered.unknown)
        result.planned, missed = await asyncio.to_thread(self._plan, now)
        result.skipped = missed + await asyncio.to_thread(ledger.skip_expired, now, self.grace)
        while not self.fanout.stopping and (claims := await self._claim_round()):
            result.absorb(await self.fanout.deliver(claims))
        if result.planned or result.delivered or result.skipped or result.recovered:
            log.info("daily tick: %s", result)
        return result

    async def _claim_round(self) -> list[Claim]:
        """Up to ROUND due deliveries, so that every workspace's queue (and both platforms)
        run side by side; claiming a small batch at a time would post one platform after the other."""
        claims: list[Claim] = []
        while len(claims) < ROUND:
            batch = await asyncio.to_thread(self.store.ledger.claim_due, self.clock(), self.worker_id, BATCH)
            claims += batch
            if len(batch) < BATCH:
                break
        return claims

    # --- APScheduler --------------------------------------------------------------------

    def start(self) -> None:
        """Tick now, every `interval`, and at each subscription's next fire time."""
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(
            self._run_and_rearm,
            IntervalTrigger(seconds=self.interval.total_seconds()),
            id="tick",
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now().astimezone(),
        )
        self._scheduler.start()

    async def _run_and_rearm(self) -> None:
        try:
            await self.tick()
        except Exception:
            log.exception("daily tick failed; the next one retries")
        self._arm_next_fire()

    def next_fire(self, now: datetime) -> datetime | None:
        """The earliest upcoming fire time of any active subscription."""
        upcoming = [
            times[0]
            for sub in self.store.subscriptions.active()
            if sub.platform.value in self.platforms
            and (times := next_fire_times(now, sub.local_time, sub.zone, sub.weekdays, 1))
        ]
        return min(upcoming, default=None)

    def _arm_next_fire(self) -> None:
        if self._scheduler is None:
            return
        at = self.next_fire(self.clock())
        if at is not None and at - self.clock() < self.interval:
            self._scheduler.add_job(
                self._run_and_rearm,
                DateTrigger(run_date=at),
                id="fire",
                replace_existing=True,
                misfire_grace_time=int(self.grace.total_seconds()),
            )

    async def stop(self, timeout: float) -> bool:
        """Stop waking up; let posts in flight finish for up to `timeout` s. True if they did.

        Deliveries still waiting their turn are handed back (due again for the next worker);
        if the deadline passes anyway, what is left is recovered like a crash: never doubled.
        """
        self.fanout.stopping = True
        if self._scheduler is not None:
            self._scheduler.pause()  # no new ticks; shutting it down now would cancel this one
        finished = True
        current = self._current
        if current is not None:
            done, _ = await asyncio.wait({current}, timeout=timeout)
            finished = bool(done)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        return finished
