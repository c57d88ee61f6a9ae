"""The daily scheduler: plan what is due, claim it, fan it out; APScheduler wakes it up.

Every wake-up (a tick) runs the same idempotent steps, so any number of replicas can tick
against one database and restarts need no special path:

    1. recover   claims of dead workers (CLAIMED -> resend; SENDING -> resend or UNKNOWN)
    2. plan      one ledger row per subscription and due local date (the unique key dedups)
                 and a SKIPPED row for dates missed by more than the grace window (downtime)
    3. expire    PENDING rows past the grace window become SKIPPED, saying why
    4. deliver   claim due rows and hand them to the fan-out's lanes, and keep claiming while
                 the lanes drain, until nothing is due and every lane is done

Claiming is fair: each workspace's oldest due post comes before any workspace's second (the
ledger ranks them), and a lane already holding LANE_DEPTH claims gets no more until it sends
some. While a big backlog drains, the tick plans again at the next fire time and claims every
CLAIM_EVERY seconds, so a post due at 09:01 leaves at 09:01 in its own lane, whatever is still
queued from 09:00 elsewhere.

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

from bot.daily.clock import Clock
from bot.daily.fanout import Fanout
from bot.daily.fire_times import due_dates, fire_time, next_fire_times, skipped_because
from bot.daily.outcomes import DeliveryOutcome, FanoutResult
from bot.store import DEFAULT_STALE_AFTER, SkipReason, Store, Subscription

log = logging.getLogger("mltip.daily")
RESENDABLE = frozenset({"discord"})  # sends carry a nonce with enforce_nonce: a resend cannot double
MISSED_LOOKBACK = timedelta(days=2)  # how far back downtime is reported as skipped days
BATCH = 500  # claimed per transaction
# Claimed and unsent in this process at most: Discord's ~48 posts a second send 10,000 in under
# four minutes, well within the ledger's stale_after. Per lane, Slack's ~5 a second send 500 in
# under two minutes (and 500 is the default cap on a workspace's subscriptions).
MAX_OUTSTANDING = 10_000
LANE_DEPTH = 500
Planned = tuple[int, date, datetime, SkipReason | None]  # (subscription, local date, due at, why skipped)
CLAIM_EVERY = 1.0  # seconds between claims while lanes drain: released and newly due posts join


@dataclass
class TickResult:
    """What one tick did."""

    planned: int = 0
    skipped: int = 0
    recovered: int = 0
    delivered: dict[DeliveryOutcome, int] = field(default_factory=dict)

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
        due: list[Planned] = []
        missed: list[Planned] = []
        for sub in self.store.subscriptions.active():
            if sub.platform.value not in self.platforms:
                continue
            # Only the dates the rule yields, less those a hold takes out (skip next, pause until):
            # those get no ledger row at all; status says why before the date, the audit log after.
            for local_date in due_dates(now, sub.local_time, sub.zone, sub.cadence, self.grace):
                if skipped_because(local_date, skip_date=sub.skip_date, paused_until=sub.paused_until) is None:
                    due += self._owed(sub, local_date, None)
            missed_until = now - self.grace
            for local_date in due_dates(missed_until, sub.local_time, sub.zone, sub.cadence, MISSED_LOOKBACK):
                if skipped_because(local_date, skip_date=sub.skip_date, paused_until=sub.paused_until) is None:
                    missed += self._owed(sub, local_date, SkipReason.DOWNTIME)
        planned = self.store.ledger.plan_many(due)
        skipped = self.store.ledger.plan_many(missed, self.grace)
        self._planned.update((row[0], row[1]) for row in due + missed)
        # Only dates still inside the look-back can come up again; older ones would pile up for
        # as long as the process runs.
        oldest = (now - self.grace - MISSED_LOOKBACK - timedelta(days=2)).date()
        self._planned = {key for key in self._planned if key[1] >= oldest}
        return planned, skipped

    def _owed(self, sub: Subscription, local_date: date, reason: SkipReason | None) -> list[Planned]:
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
        outcomes = FanoutResult()
        try:
            await self._deliver(result, outcomes)
        finally:
            await self.fanout.drain()  # never leave a lane running: the next tick recovers our claims
            result.absorb(outcomes)
        if result.planned or result.delivered or result.skipped or result.recovered:
            log.info("daily tick: %s", result)
        return result

    async def _deliver(self, result: TickResult, outcomes: FanoutResult) -> None:
        """Claim what is due into the fan-out's lanes until nothing is due and every lane is done."""
        replan_at: datetime | None = None  # known once lanes are draining
        while not self.fanout.stopping:
            now = self.clock()
            if replan_at is not None and now >= replan_at:  # a fire time came while lanes drain
                planned, missed = await asyncio.to_thread(self._plan, now)
                result.planned, result.skipped = result.planned + planned, result.skipped + missed
                replan_at = None
            limit = min(BATCH, MAX_OUTSTANDING - self.fanout.outstanding)
            if limit > 0:
                full = self.fanout.full_lanes(LANE_DEPTH)
                claims = await asyncio.to_thread(self.store.ledger.claim_due, now, self.worker_id, limit, skip=full)
                self.fanout.submit(claims, outcomes)
                if len(claims) == limit:
                    continue  # more may be due: claim again at once
            if self.fanout.idle:
                return
            if replan_at is None:
                replan_at = await asyncio.to_thread(self._next_plan, now)
            await self.fanout.wait_for_lanes(min(CLAIM_EVERY, (replan_at - self.clock()).total_seconds()))

    def _next_plan(self, now: datetime) -> datetime:
        """When to plan again while lanes drain: the next fire time, or after `interval` at the latest."""
        upcoming = self.next_fire(now)
        latest = now + self.interval
        return latest if upcoming is None else min(upcoming, latest)

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
            and (times := next_fire_times(now, sub.local_time, sub.zone, sub.cadence, 1))
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
        self.fanout.stop()
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
