"""Votes: one per person per lesson per workspace, kept or changed by another press, counted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.core.feedback import Tally, Verdict
from bot.store import Store
from bot.store.tables import votes
from tests.store.helpers import NOW

LESSON, OTHER = "iglovikov-kaggle-worth-it", "eric-researchers-deploy-past-the-notebook"


def cast(
    store: Store, voter: str, verdict: Verdict, *, lesson: str = LESSON, workspace: str = "T1", at: datetime = NOW
) -> Verdict | None:
    return store.votes.cast(
        platform="slack", workspace_id=workspace, voter=voter, lesson_id=lesson, verdict=verdict, now=at
    )


def rows(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(votes)).scalar_one())


def test_a_first_vote_counts_once_and_pressing_again_keeps_it(store: Store) -> None:
    assert cast(store, "v1", Verdict.UP) is None
    assert cast(store, "v1", Verdict.UP) is Verdict.UP
    assert cast(store, "v1", Verdict.UP) is Verdict.UP
    assert store.votes.tallies() == {LESSON: Tally(up=1, down=0)}
    assert rows(store) == 1


def test_a_changed_vote_replaces_the_first(store: Store) -> None:
    cast(store, "v1", Verdict.UP)
    assert cast(store, "v1", Verdict.DOWN) is Verdict.UP
    assert store.votes.tallies() == {LESSON: Tally(up=0, down=1)}
    assert cast(store, "v1", Verdict.UP) is Verdict.DOWN
    assert store.votes.tallies() == {LESSON: Tally(up=1, down=0)}


def test_votes_count_per_person_per_lesson_and_per_workspace(store: Store) -> None:
    cast(store, "v1", Verdict.UP)
    cast(store, "v2", Verdict.DOWN)
    cast(store, "v3", Verdict.DOWN)
    cast(store, "v1", Verdict.DOWN, lesson=OTHER)
    cast(store, "w1", Verdict.UP, workspace="T2")
    assert store.votes.tallies(platform="slack", workspace_id="T1") == {
        LESSON: Tally(up=1, down=2),
        OTHER: Tally(up=0, down=1),
    }
    assert store.votes.tallies(platform="slack", workspace_id="T2") == {LESSON: Tally(up=1, down=0)}
    assert store.votes.tallies(platform="discord", workspace_id="T1") == {}
    assert store.votes.tallies()[LESSON] == Tally(up=2, down=2)


def test_since_counts_votes_cast_or_changed_from_then_on(store: Store) -> None:
    cast(store, "old", Verdict.UP, at=NOW - timedelta(days=40))
    cast(store, "changed", Verdict.UP, at=NOW - timedelta(days=40))
    cast(store, "changed", Verdict.DOWN, at=NOW - timedelta(days=1))
    cast(store, "kept", Verdict.UP, at=NOW - timedelta(days=40))
    cast(store, "kept", Verdict.UP, at=NOW)  # the same verdict again: not a new vote
    assert store.votes.tallies(since=NOW - timedelta(days=30)) == {LESSON: Tally(up=0, down=1)}


def test_one_person_pressing_from_many_threads_at_once_counts_once(store: Store) -> None:
    verdicts = [Verdict.UP, Verdict.DOWN] * 8
    with ThreadPoolExecutor(8) as pool:
        before = list(pool.map(lambda verdict: cast(store, "v1", verdict), verdicts))
    assert before.count(None) == 1  # exactly one press was the first
    assert rows(store) == 1
    [tally] = store.votes.tallies().values()
    assert tally.up + tally.down == 1
