"""Prometheus metrics: commands served, questions left unanswered, reply latency, deliveries, freshness
of the daily post, votes on lessons. deploy/grafana/mltip.json is a dashboard of all of them.

Each process keeps its own registry (not the global one) so tests and several bots in one
process never collide; /metrics serves it in the Prometheus text format.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The bot's metrics, in a registry of their own."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.registry = CollectorRegistry()
        self._clock = clock
        self._last_daily_post: float | None = None
        self.commands = Counter(
            "mltip_commands", "Commands answered, by platform and kind", ["platform", "kind"], registry=self.registry
        )
        self.unanswered = Counter(
            "mltip_unanswered",
            'Questions no lesson was close to (answered with "I don\'t have a lesson on that"), by platform',
            ["platform"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mltip_reply_seconds",
            "Time to build a reply",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Counter(
            "mltip_deliveries",
            "Tip-of-the-day deliveries, by platform and outcome",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.votes = Counter(
            "mltip_votes",
            "Votes on lessons cast or changed (a repeated press is not counted), by platform and vote (up, down)",
            ["platform", "vote"],
            registry=self.registry,
        )
        since = Gauge(
            "mltip_seconds_since_last_daily_post",
            "Seconds since the last successful tip-of-the-day post (-1 before the first)",
            registry=self.registry,
        )
        since.set_function(self.seconds_since_last_daily_post)

    def observe_answer(self, platform: str, kind: str, seconds: float) -> None:
        """The CommandEngine's observer hook."""
        self.commands.labels(platform=platform, kind=kind).inc()
        self.latency.labels(platform=platform).observe(seconds)

    def observe_unanswered(self, platform: str) -> None:
        """The CommandEngine's hook for a question it had no lesson for."""
        self.unanswered.labels(platform=platform).inc()

    def observe_vote(self, platform: str, vote: str) -> None:
        """The CommandEngine's hook for a vote cast or changed ('up' or 'down')."""
        self.votes.labels(platform=platform, vote=vote).inc()

    def observe_delivery(self, platform: str, outcome: str) -> None:
        """Count a delivery outcome: a bot.daily.outcomes.DeliveryOutcome value.

        sent, failed, unknown, retried, released, lost-claim or error; skipped days are not
        outcomes of a delivery attempt (the ledger records them; `status` shows them).
        """
        self.deliveries.labels(platform=platform, outcome=outcome).inc()
        if outcome == "sent":
            self._last_daily_post = self._clock()

    def seconds_since_last_daily_post(self) -> float:
        """-1 until the first post, then the age of the latest one."""
        return -1.0 if self._last_daily_post is None else self._clock() - self._last_daily_post

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)
