"""How a claimed delivery ended in this worker, and the tally of a fan-out.

The values are also the `outcome` label of `mltip_deliveries_total` (bot/metrics.py).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field


class DeliveryOutcome(enum.StrEnum):
    """What the fan-out did with one claim."""

    SENT = "sent"  # the platform confirmed the post
    FAILED = "failed"  # refused for good: the channel (or the whole workspace) is paused
    UNKNOWN = "unknown"  # the request left and no answer came: never resent blindly
    RETRIED = "retried"  # still refused at the retry deadline: handed back to the ledger for later
    RELEASED = "released"  # not sent here (shutting down, no poster for it): due again for whoever runs next
    LOST_CLAIM = "lost-claim"  # settled elsewhere meanwhile (recovered as stale): not ours to send
    ERROR = "error"  # settling it failed (a database error): the claim stays ours until recovered


OnOutcome = Callable[[str, DeliveryOutcome], None]  # (platform, outcome), for metrics


@dataclass
class FanoutResult:
    """What one fan-out did, by outcome."""

    counts: dict[DeliveryOutcome, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, outcome: DeliveryOutcome) -> None:
        self.counts[outcome] += 1
