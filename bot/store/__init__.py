"""Storage for the tip of the day: SQLite (default) or PostgreSQL, through SQLAlchemy and Alembic.

    store = Store.open(settings.database_url)   # migrates to the newest schema first
    store.subscriptions   # Subscriptions: subscribe, pause, resume, workspace pauses, audit log
    store.ledger          # Ledger: plan, claim_due, mark_*, recover_stale, skip_expired
    store.deck            # Deck: next_lesson (the dealing rule is daily/deck_rules.py)
    store.oauth_states    # OAuthStates: sweep_expired (the Slack install flow's states)
    store.pause_notices   # PauseNotices: one claim per pause on telling the admin
    store.posted          # Posted: the previous post's message id (to unpin), notes on a sent post
    store.votes           # Votes: cast, tallies (👍 / 👎 on lessons)
    store.questions       # Questions: record, retract, most_asked, sweep_expired (nobody answered them)
    store.outcomes        # Outcomes: by_channel, totals (how the daily posts went)

Only this package imports sqlalchemy and alembic; callers see the value objects in records.py.
Every method runs in its own transaction and is safe to call from several threads (one Store per
process: open it after forking). Datetimes in and out are timezone-aware UTC.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from bot.core.platform import Platform  # the store's callers name platforms in its calls
from bot.store.db import current_revision, head_revision, is_unreachable, make_engine, upgrade, writer_engine
from bot.store.deck import DealRule, Deck
from bot.store.ledger import Ledger
from bot.store.oauth_states import OAuthStates
from bot.store.outcomes import ChannelOutcomes, Outcomes
from bot.store.pause_notices import PauseNotices
from bot.store.posted import Posted
from bot.store.questions import QuestionCount, Questions
from bot.store.records import (
    AuditAction,
    AuditEntry,
    Card,
    ChannelKey,
    Claim,
    Cycle,
    Deal,
    Delivery,
    DeliveryStatus,
    Hold,
    PauseKind,
    Recovered,
    SkipReason,
    Subscription,
    TargetKind,
    WorkspacePause,
)
from bot.store.recovery import DEFAULT_STALE_AFTER
from bot.store.subscriptions import Subscriptions
from bot.store.votes import Votes
from bot.store.workspace_cap import WorkspaceFull

__all__ = [
    "DEFAULT_STALE_AFTER",
    "AuditAction",
    "AuditEntry",
    "Card",
    "ChannelKey",
    "ChannelOutcomes",
    "Claim",
    "Cycle",
    "Deal",
    "DealRule",
    "Deck",
    "Delivery",
    "DeliveryStatus",
    "Hold",
    "Ledger",
    "OAuthStates",
    "Outcomes",
    "PauseKind",
    "PauseNotices",
    "Platform",
    "Posted",
    "QuestionCount",
    "Questions",
    "Recovered",
    "SkipReason",
    "Store",
    "Subscription",
    "Subscriptions",
    "TargetKind",
    "Votes",
    "WorkspaceFull",
    "WorkspacePause",
    "current_revision",
    "head_revision",
    "is_unreachable",
    "make_engine",
    "upgrade",
    "writer_engine",
]


class Store:
    """The store's parts over one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.subscriptions = Subscriptions(engine)
        self.ledger = Ledger(engine)
        self.pause_notices = PauseNotices(engine)
        self.posted = Posted(engine)
        self.deck = Deck(engine)
        self.oauth_states = OAuthStates(engine)
        self.votes = Votes(engine)
        self.questions = Questions(engine)
        self.outcomes = Outcomes(engine)

    @classmethod
    def open(cls, url: str | URL, *, migrate: bool = True) -> Store:
        """Connect to the database at `url`, migrating it to the newest schema first unless told not to."""
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine)

    def is_current(self) -> bool:
        """Whether the database's schema is the one this code expects (for readiness checks)."""
        return current_revision(self.engine) == head_revision()

    def close(self) -> None:
        """Close the connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
