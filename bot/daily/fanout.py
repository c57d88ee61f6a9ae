"""Fan-out: post claimed deliveries to their channels, concurrently across workspaces, paced.

Each (platform, workspace) is a queue worked in order; queues run side by side. A delivery is
marked SENDING only just before its request leaves, and every answer settles it:

    posted                       SENT
    429 / 5xx (nothing posted)   back to CLAIMED, wait Retry-After or a jittered backoff, again
                                 (until the deadline: then FAILED, saying why)
    no answer (Slack)            UNKNOWN: it may have posted, so it is never resent blindly
    channel gone / closed        FAILED, and the subscription is paused with the reason
    install revoked              FAILED, the workspace is paused, and its queue stops calling
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from bot.core.commands import CommandEngine
from bot.core.lessons import Topic
from bot.core.replies import Reply
from bot.daily.pacing import Pacer
from bot.daily.schedule import Clock
from bot.errors import (
    ChannelDeliveryError,
    DeliveryError,
    InstallationError,
    TransientDeliveryError,
    UnknownOutcomeError,
)
from bot.store import Claim, Store

log = logging.getLogger("mltip.daily")
ACTOR = "mltip (automatic)"


class Poster(Protocol):
    """Posts a reply to a subscription's channel; raises DeliveryError subclasses on failure."""

    async def send(self, workspace_id: str, channel_id: str, reply: Reply, delivery_key: str) -> str:
        """Post and return the platform's message id; `delivery_key` is stable across retries."""
        ...


Outcome = Callable[[str, str], None]  # (platform, outcome) for metrics


@dataclass
class FanoutResult:
    """What one fan-out did, by outcome."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, outcome: str) -> None:
        self.counts[outcome] += 1


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Backoff for transient failures: base * 2^attempt, capped, with full jitter."""

    base: float = 1.0
    cap: float = 60.0
    max_attempts: int = 8
    deadline: timedelta = timedelta(minutes=5)  # must stay well under the ledger's stale_after

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * 2**attempt))


class Fanout:
    """Delivers claims through the platforms' posters."""

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
        on_outcome: Outcome | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.posters = posters
        self.clock = clock
        self.pacer = pacer
        self.rng = rng or random.Random()
        self.retry = retry or RetryPolicy()
        self._slots = asyncio.Semaphore(concurrency)
        self._on_outcome = on_outcome
        self.stopping = False  # set on shutdown: finish what is in flight, hand the rest back

    def _lesson_ids(self, topic: str | None) -> list[str]:
        library = self.engine.library
        lessons = library.with_topic(Topic(topic)) if topic else library.lessons
        return [lesson.id for lesson in lessons]

    async def deliver(self, claims: list[Claim]) -> FanoutResult:
        """Post every claim; returns the outcomes. Never raises for a platform failure."""
        result = FanoutResult()
        queues: dict[tuple[str, str], list[Claim]] = defaultdict(list)
        for claim in claims:
            queues[(claim.subscription.platform.value, claim.subscription.workspace_id)].append(claim)
        await asyncio.gather(*(self._work_queue(platform, queue, result) for (platform, _), queue in queues.items()))
        return result

    async def _work_queue(self, platform: str, queue: list[Claim], result: FanoutResult) -> None:
        async with self._slots:
            broken: str | None = None  # set once the install is revoked: stop calling the API
            for claim in queue:
                if self.stopping:  # shutting down: not sent, so simply due again for whoever runs next
                    await asyncio.to_thread(self.store.ledger.release, claim.delivery.id, "shut down", self.clock())
                    self._count(result, platform, "released")
                    continue
                if broken is not None:
                    await asyncio.to_thread(self.store.ledger.mark_failed, claim.delivery.id, broken)
                    self._count(result, platform, "failed")
                    continue
                outcome = await self._deliver_one(platform, claim)
                self._count(result, platform, "failed" if outcome.startswith("install:") else outcome)
                if outcome.startswith("install:"):
                    broken = f"workspace paused: {outcome.split(':', 1)[1]}"

    def _count(self, result: FanoutResult, platform: str, outcome: str) -> None:
        result.add(outcome)
        if self._on_outcome is not None:
            self._on_outcome(platform, outcome)

    async def _deliver_one(self, platform: str, claim: Claim) -> str:
        ledger, delivery, subscription = self.store.ledger, claim.delivery, claim.subscription
        poster = self.posters.get(platform)
        if poster is None:  # this process does not serve that platform: leave it to one that does
            await asyncio.to_thread(ledger.release, delivery.id, f"no {platform} poster here", self.clock())
            return "released"
        lesson_id = await asyncio.to_thread(
            self.store.deck.next_lesson,
            subscription.id,
            self._lesson_ids(subscription.topic),
            self.rng,
            delivery_id=delivery.id,
        )
        if lesson_id is None:
            await asyncio.to_thread(ledger.mark_failed, delivery.id, f"no lessons on {subscription.topic}")
            return "failed"
        reply = self.engine.tip_of_the_day(self.engine.library.by_id[lesson_id])
        give_up_at = self.clock() + self.retry.deadline
        attempt = 0
        while True:
            await self.pacer.wait(platform, subscription.workspace_id)
            if not await asyncio.to_thread(ledger.begin_send, delivery.id, delivery.claimed_by):
                return "lost-claim"  # settled elsewhere (recovered as stale): not ours to send
            try:
                key = f"mltip-{delivery.id}"
                ref = await poster.send(subscription.workspace_id, subscription.channel_id, reply, key)
            except TransientDeliveryError as exc:
                await asyncio.to_thread(ledger.unsend, delivery.id, exc.reason)
                wait = exc.retry_after if exc.retry_after is not None else self.retry.delay(attempt, self.rng)
                if exc.retry_after is not None:
                    self.pacer.pause(platform, subscription.workspace_id, exc.retry_after)
                attempt += 1
                if attempt >= self.retry.max_attempts or self.clock() + timedelta(seconds=wait) > give_up_at:
                    error = f"gave up after {attempt} attempts: {exc.reason}"
                    await asyncio.to_thread(ledger.mark_failed, delivery.id, error)
                    return "failed"
                await asyncio.sleep(wait)
                continue
            except UnknownOutcomeError as exc:
                await asyncio.to_thread(ledger.mark_unknown, delivery.id, exc.reason)
                log.warning("no answer to a post; not resending", extra=_context(claim, exc.reason))
                return "unknown"
            except ChannelDeliveryError as exc:
                await asyncio.to_thread(self._pause_channel, claim, exc.reason)
                return "failed"
            except InstallationError as exc:
                await asyncio.to_thread(self._pause_workspace, claim, exc.reason)
                return f"install:{exc.reason}"
            except DeliveryError as exc:
                await asyncio.to_thread(ledger.mark_failed, delivery.id, exc.reason)
                return "failed"
            await asyncio.to_thread(ledger.mark_sent, delivery.id, ref, self.clock())
            return "sent"

    def _pause_channel(self, claim: Claim, reason: str) -> None:
        self.store.ledger.mark_failed(claim.delivery.id, reason)
        self.store.subscriptions.pause(claim.subscription.key, reason=reason, actor=ACTOR, now=self.clock())
        log.warning("channel refused the tip; subscription paused", extra=_context(claim, reason))

    def _pause_workspace(self, claim: Claim, reason: str) -> None:
        self.store.ledger.mark_failed(claim.delivery.id, reason)
        sub = claim.subscription
        self.store.subscriptions.pause_workspace(
            sub.platform, sub.workspace_id, reason=reason, actor=ACTOR, now=self.clock()
        )
        log.error("install revoked; workspace paused", extra=_context(claim, reason))


def _context(claim: Claim, reason: str) -> dict[str, object]:
    sub = claim.subscription
    return {
        "platform": sub.platform.value,
        "workspace": sub.workspace_id,
        "channel": sub.channel_id,
        "delivery": claim.delivery.id,
        "reason": reason,
    }
