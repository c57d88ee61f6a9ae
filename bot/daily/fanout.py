"""Fan-out: post claimed deliveries to their channels, every workspace in its own lane, paced.

Each (platform, workspace) is a lane (lanes.py): its posts go out in order, paced by that
workspace's (and platform's) limits. Lanes run side by side, and claims join a lane while it
works, so a post that falls due during a big workspace's backlog starts in its own lane at once.
At most `concurrency` requests are in flight across all lanes. A delivery is marked SENDING
only just before its request leaves, and every answer settles it:

    posted                       SENT, then (best effort, never undoing it) follow_up.py's thread and pin
    429 / 5xx (nothing posted)   back to CLAIMED, wait Retry-After or a jittered backoff, again
                                 until the retry deadline; then handed back to the ledger
                                 (PENDING from its retry time, with why), never failed for it
    no answer (Slack)            UNKNOWN: it may have posted, so it is never resent blindly
    channel gone / closed        FAILED, the subscription is paused with the reason, its admin told once
    install revoked              FAILED, the workspace is paused, its admins told once, its lane stops calling
    shutting down                not sent yet: handed back, due again for whoever runs next
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.core.commands import CommandEngine
from bot.core.daily import PERSONAL_SPACE
from bot.core.lessons import Topic
from bot.core.replies import Reply
from bot.daily.clock import Clock
from bot.daily.deck_rules import dealing
from bot.daily.follow_up import after_post, prepare, tell_admin
from bot.daily.lanes import Lanes
from bot.daily.outcomes import DeliveryOutcome, FanoutResult, OnOutcome
from bot.daily.pacing import Pacer, Sleep
from bot.daily.wording import still_refused
from bot.errors import (
    ChannelDeliveryError,
    DeliveryError,
    InstallationError,
    TransientDeliveryError,
    UnknownOutcomeError,
)
from bot.store import Claim, PauseKind, Store, Subscription

log = logging.getLogger("mltip.daily")
ACTOR = "mltip (automatic)"
Lane = tuple[str, str]  # (platform, workspace)


class Poster(Protocol):
    """Posts a reply to a subscription's channel or person; raises DeliveryError subclasses on failure."""

    async def send(self, workspace_id: str, channel_id: str, reply: Reply, delivery_key: str) -> str:
        """Post and return the platform's message id; `delivery_key` is stable across retries."""
        ...

    async def send_direct(self, workspace_id: str, user_id: str, reply: Reply, delivery_key: str) -> str:
        """Post in the person's DM with the bot (opened first); one who cannot be messaged is a ChannelDeliveryError."""
        ...

    def paced_requests(self, workspace_id: str, user_id: str) -> int:
        """How many requests under the paced rate limit send_direct costs now (opening an unknown DM may be one)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Backoff for transient failures without a Retry-After: base * 2^attempt, capped, full jitter.

    A worker keeps retrying a delivery until `deadline` after it started on it; after that it
    hands the delivery back to the ledger rather than hold its claim towards stale_after.
    """

    base: float = 1.0
    cap: float = 60.0
    deadline: timedelta = timedelta(minutes=5)  # must stay well under the ledger's stale_after

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * 2**attempt))


class Fanout:
    """Delivers claims through the platforms' posters, one lane per workspace (lanes.py)."""

    def __init__(
        self,
        store: Store,
        engine: CommandEngine,
        posters: dict[str, Poster],
        *,
        clock: Clock,
        pacer: Pacer,
        rng: random.Random | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = 64,
        on_outcome: OnOutcome | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.store = store
        self.engine = engine
        self.posters = posters
        self.clock = clock
        self.pacer = pacer
        self.rng = rng or random.Random()
        self.retry = retry or RetryPolicy()
        self._in_flight = asyncio.Semaphore(concurrency)  # requests to the platforms at once
        self._on_outcome = on_outcome
        self._sleep = sleep
        self._lanes: Lanes[Lane, tuple[Claim, FanoutResult]] = Lanes(self._work, done=self._lane_done)
        self._broken: dict[Lane, str] = {}  # lanes whose install was found revoked: stop calling the API
        self._stop = asyncio.Event()

    @property
    def stopping(self) -> bool:
        """Shutting down: requests in flight finish, everything else is handed back."""
        return self._stop.is_set()

    def stop(self) -> None:
        """Begin shutting down: a wait for a retry or for pacing ends at once, its delivery handed back."""
        self._stop.set()

    @property
    def idle(self) -> bool:
        """No lane has anything left to settle."""
        return self._lanes.idle

    @property
    def outstanding(self) -> int:
        """Claims taken and not yet settled, in every lane."""
        return self._lanes.outstanding

    def full_lanes(self, depth: int) -> list[Lane]:
        """(platform, workspace) lanes holding at least `depth` unsettled claims: claim no more for them yet."""
        return self._lanes.holding(depth)

    def submit(self, claims: list[Claim], result: FanoutResult) -> None:
        """Queue claims in their workspaces' lanes; their outcomes are counted in `result`."""
        for claim in claims:
            self._lanes.submit(lane_of(claim), (claim, result))

    async def wait_for_lanes(self, timeout: float) -> None:
        """Return when a lane has settled all it was given, or after `timeout` seconds."""
        await self._lanes.wait(timeout)

    async def drain(self) -> None:
        """Wait until every lane has settled all it was given."""
        await self._lanes.drain()

    async def deliver(self, claims: list[Claim]) -> FanoutResult:
        """Post every claim and wait for the outcomes. Never raises for a platform failure."""
        result = FanoutResult()
        self.submit(claims, result)
        await self.drain()
        return result

    async def _work(self, lane: Lane, item: tuple[Claim, FanoutResult]) -> None:
        claim, result = item
        try:
            outcome = await self._settle(lane, claim)
        except Exception:  # a database error, say: the claim stays ours; the next tick recovers it
            log.exception("a delivery could not be settled", extra=_context(claim, "error"))
            outcome = DeliveryOutcome.ERROR
        self._count(result, lane[0], outcome)

    def _lane_done(self, lane: Lane) -> None:
        self._broken.pop(lane, None)

    async def _settle(self, lane: Lane, claim: Claim) -> DeliveryOutcome:
        ledger, delivery_id, owner = self.store.ledger, claim.delivery.id, claim.delivery.claimed_by
        if self.stopping:  # not sent, so simply due again for whoever runs next
            await asyncio.to_thread(ledger.release, delivery_id, "shut down before sending", self.clock(), owner)
            return DeliveryOutcome.RELEASED
        if lane in self._broken:
            await asyncio.to_thread(ledger.mark_failed, delivery_id, self._broken[lane])
            return DeliveryOutcome.FAILED
        return await self._deliver_one(lane, claim)

    def _count(self, result: FanoutResult, platform: str, outcome: DeliveryOutcome) -> None:
        result.add(outcome)
        if self._on_outcome is not None:
            self._on_outcome(platform, outcome)

    async def _paced(self, lane: Lane, poster: Poster, subscription: Subscription) -> None:
        """Wait for the lane's turn to post. Opening a DM may cost a request under the same limit
        (Discord), so a personal tip whose DM is not open yet waits for two turns."""
        platform, paced_as = lane
        where = (subscription.workspace_id, subscription.channel_id)
        for _ in range(poster.paced_requests(*where) if subscription.personal else 1):
            await self.pacer.wait(platform, paced_as)

    async def _unless_stopped(self, waiting: Awaitable[None]) -> bool:
        """Await `waiting` unless shutdown begins first (then cancel it); True if it finished."""
        task = asyncio.ensure_future(waiting)
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in (task, stopped):
                pending.cancel()
        return task.done() and not task.cancelled()

    # --- one delivery -----------------------------------------------------------------------

    async def _deliver_one(self, lane: Lane, claim: Claim) -> DeliveryOutcome:
        ledger, delivery, subscription = self.store.ledger, claim.delivery, claim.subscription
        platform, paced_as = lane
        owner = delivery.claimed_by  # every move below is ours only while we still hold the claim
        poster = self.posters.get(platform)
        if poster is None:  # this process does not serve that platform: leave it to one that does
            await asyncio.to_thread(ledger.release, delivery.id, f"no {platform} poster here", self.clock(), owner)
            return DeliveryOutcome.RELEASED
        unhelpful = {lesson_id for lesson_id, tally in self.engine.tallies().items() if tally.clearly_unhelpful}
        lesson_id = await asyncio.to_thread(
            self.store.deck.next_lesson,
            subscription.id,
            self._lesson_ids(subscription.topic),
            dealing(self.rng, later=unhelpful),
            delivery_id=delivery.id,
        )
        if lesson_id is None:
            await asyncio.to_thread(ledger.mark_failed, delivery.id, f"no lessons on {subscription.topic}")
            return DeliveryOutcome.FAILED
        reply = prepare(self._tip(subscription, lesson_id), subscription, poster)
        send = poster.send_direct if subscription.personal else poster.send
        give_up_at = self.clock() + self.retry.deadline
        attempt = 0
        while True:
            if not await self._unless_stopped(self._paced(lane, poster, subscription)):
                await asyncio.to_thread(ledger.release, delivery.id, "shut down before sending", self.clock(), owner)
                return DeliveryOutcome.RELEASED
            try:
                async with self._in_flight:
                    if not await asyncio.to_thread(ledger.begin_send, delivery.id, owner):
                        return DeliveryOutcome.LOST_CLAIM  # settled elsewhere (recovered as stale)
                    key = f"mltip-{delivery.id}"
                    ref = await send(subscription.workspace_id, subscription.channel_id, reply, key)
            except TransientDeliveryError as exc:
                await asyncio.to_thread(ledger.unsend, delivery.id, exc.reason, owner)
                attempt += 1
                wait = exc.retry_after if exc.retry_after is not None else self.retry.delay(attempt - 1, self.rng)
                if exc.retry_after is not None:
                    self.pacer.pause(platform, paced_as, exc.retry_after)
                retry_at = self.clock() + timedelta(seconds=wait)
                if retry_at > give_up_at:
                    rate_limited = exc.retry_after is not None
                    error = still_refused(exc.reason, rate_limited, attempt, self.retry.deadline)
                    await asyncio.to_thread(ledger.release, delivery.id, error, retry_at, owner)
                    log.warning("still refused at the retry deadline; handed back", extra=_context(claim, error))
                    return DeliveryOutcome.RETRIED
                if not await self._unless_stopped(self._sleep(wait)):
                    error = f"{exc.reason}; shut down while waiting to retry"
                    await asyncio.to_thread(ledger.release, delivery.id, error, retry_at, owner)
                    return DeliveryOutcome.RELEASED
                continue
            except UnknownOutcomeError as exc:
                await asyncio.to_thread(ledger.mark_unknown, delivery.id, exc.reason)
                log.warning("no answer to a post; not resending", extra=_context(claim, exc.reason))
                return DeliveryOutcome.UNKNOWN
            except DeliveryError as exc:
                return await self._refused(lane, claim, poster, exc)
            await asyncio.to_thread(ledger.mark_sent, delivery.id, ref, self.clock())
            await after_post(self.store, poster, claim, ref, reply.title)
            return DeliveryOutcome.SENT

    async def _refused(self, lane: Lane, claim: Claim, poster: Poster, exc: DeliveryError) -> DeliveryOutcome:
        """Settle a post the platform refused for good: FAILED, and whatever the refusal pauses."""
        if not isinstance(exc, ChannelDeliveryError | InstallationError):
            await asyncio.to_thread(self.store.ledger.mark_failed, claim.delivery.id, exc.reason)
            return DeliveryOutcome.FAILED
        workspace = isinstance(exc, InstallationError)
        await asyncio.to_thread(self._pause, claim, exc.reason, workspace=workspace)
        if workspace:
            self._broken[lane] = f"workspace paused: {exc.reason}"  # the rest of this lane fails at once
        await tell_admin(self.store, poster, claim, exc.reason, self.clock, workspace=workspace)
        return DeliveryOutcome.FAILED

    def _tip(self, subscription: Subscription, lesson_id: str) -> Reply:
        """The post: a channel's tip of the day, or a person's own (with Skip tomorrow)."""
        lesson = self.engine.library.by_id[lesson_id]
        return self.engine.personal_tip(lesson) if subscription.personal else self.engine.tip_of_the_day(lesson)

    def _lesson_ids(self, topic: str | None) -> list[str]:
        library = self.engine.library
        lessons = library.with_topic(Topic(topic)) if topic else library.lessons
        return [lesson.id for lesson in lessons]

    def _pause(self, claim: Claim, reason: str, *, workspace: bool) -> None:
        self.store.ledger.mark_failed(claim.delivery.id, reason)
        sub, now = claim.subscription, self.clock()
        if workspace:
            self.store.subscriptions.pause_workspace(
                sub.platform, sub.workspace_id, reason=reason, actor=ACTOR, now=now
            )
            log.error("install revoked; workspace paused", extra=_context(claim, reason))
        else:
            self.store.subscriptions.pause(sub.key, kind=PauseKind.CHANNEL_REFUSED, reason=reason, actor=ACTOR, now=now)
            log.warning("channel refused the tip; subscription paused", extra=_context(claim, reason))


def lane_of(claim: Claim) -> Lane:
    """A claim's lane: its workspace; a person whose tip is in no workspace (Discord) is a lane of their own."""
    sub = claim.subscription
    if sub.personal and sub.workspace_id == PERSONAL_SPACE:
        return (sub.platform.value, f"{PERSONAL_SPACE}:{sub.channel_id}")
    return (sub.platform.value, sub.workspace_id)


def _context(claim: Claim, reason: str) -> dict[str, object]:
    sub = claim.subscription
    return {
        "platform": sub.platform.value,
        "workspace": sub.workspace_id,
        "channel": sub.channel_id,
        "delivery": claim.delivery.id,
        "reason": reason,
    }
