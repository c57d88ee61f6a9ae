"""Questions nobody answers: counted per workspace and day, taken back, deleted after retention."""

from __future__ import annotations

from datetime import timedelta

from bot.store import QuestionCount, Store
from tests.store.helpers import NOW


def record(store: Store, question: str, *, workspace: str = "T1", days_ago: int = 0) -> None:
    at = NOW - timedelta(days=days_ago)
    store.questions.record(platform="slack", workspace_id=workspace, question=question, now=at)


def test_questions_are_counted_per_workspace_and_across_them(store: Store) -> None:
    record(store, "pizza recipe")
    record(store, "pizza recipe", days_ago=3)
    record(store, "visa for germany")
    record(store, "pizza recipe", workspace="T2")
    assert store.questions.most_asked(platform="slack", workspace_id="T1") == [
        QuestionCount("pizza recipe", 2),
        QuestionCount("visa for germany", 1),
    ]
    assert store.questions.most_asked(platform="slack", workspace_id="T2") == [QuestionCount("pizza recipe", 1)]
    assert store.questions.most_asked(platform="discord", workspace_id="T1") == []
    assert store.questions.most_asked()[0] == QuestionCount("pizza recipe", 3)
    assert store.questions.most_asked(limit=1) == [QuestionCount("pizza recipe", 3)]
    assert store.questions.most_asked(since=(NOW - timedelta(days=1)).date())[0] == QuestionCount("pizza recipe", 2)


def test_a_retracted_question_loses_one_count_from_its_latest_day(store: Store) -> None:
    record(store, "salary negotiation", days_ago=2)
    record(store, "salary negotiation")
    assert store.questions.retract(platform="slack", workspace_id="T1", question="salary negotiation")
    assert store.questions.most_asked(since=NOW.date()) == []  # today's count is gone, the row too
    assert store.questions.most_asked() == [QuestionCount("salary negotiation", 1)]
    assert store.questions.retract(platform="slack", workspace_id="T1", question="salary negotiation")
    assert not store.questions.retract(platform="slack", workspace_id="T1", question="salary negotiation")
    assert store.questions.most_asked() == []


def test_the_sweep_deletes_days_older_than_the_retention_and_keeps_the_rest(store: Store) -> None:
    record(store, "too old", days_ago=91)
    record(store, "just kept", days_ago=90)
    record(store, "recent", days_ago=1)
    assert store.questions.sweep_expired(now=NOW, keep=timedelta(days=90)) == 1
    assert {q.question for q in store.questions.most_asked()} == {"just kept", "recent"}
    assert store.questions.sweep_expired(now=NOW, keep=timedelta(days=90)) == 0
    assert store.questions.sweep_expired(now=NOW + timedelta(days=1), keep=timedelta(days=90)) == 1
