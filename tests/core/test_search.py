"""Search finds the right lesson for realistic questions: a relevance set, plus the edge cases."""

from __future__ import annotations

import pytest

from bot.core.library import Library
from bot.core.search import LessonIndex
from tests.relevance.evaluate import existing_cases


@pytest.fixture(scope="module")
def index(library: Library) -> LessonIndex:
    return LessonIndex(library.lessons)


def top(index: LessonIndex, question: str, n: int = 3) -> list[str]:
    return [hit.lesson.id for hit in index.search(question, n)]


def test_relevance_set_hit_at_3_is_at_least_0_9(index: LessonIndex, library: Library) -> None:
    cases = existing_cases()  # tests/relevance/*.yaml
    assert len(cases) >= 30
    reciprocal_ranks, misses = [], []
    for case in cases:
        expected = case.expected
        assert expected <= set(library.by_id), f"unknown expected id in {case}"
        found = top(index, case.question, 10)
        rank = next((n for n, lesson_id in enumerate(found, start=1) if lesson_id in expected), None)
        reciprocal_ranks.append(1 / rank if rank else 0.0)
        if rank is None or rank > 3:
            misses.append(f"{case.question!r}: expected {sorted(expected)}, got {found[:3]}")
    hit_at_3 = sum(1 for rr in reciprocal_ranks if rr >= 1 / 3) / len(cases)
    mrr = sum(reciprocal_ranks) / len(cases)
    print(f"\nrelevance: {len(cases)} questions, hit@3 = {hit_at_3:.3f}, MRR = {mrr:.3f}")
    for miss in misses:
        print("  miss:", miss)
    assert hit_at_3 >= 0.9


def test_is_kaggle_worth_it_returns_iglovikov_first(index: LessonIndex) -> None:
    assert top(index, "is kaggle worth it")[0] == "iglovikov-kaggle-worth-it"


def test_a_small_typo_is_forgiven(index: LessonIndex) -> None:
    assert index.correct("kagle") == "kaggle"
    assert top(index, "kagle") == top(index, "kaggle")


def test_word_forms_match(index: LessonIndex) -> None:
    assert set(top(index, "competitions", 5)) & set(top(index, "competition", 5))
    assert top(index, "reading papers")[:1] == top(index, "read paper")[:1]


@pytest.mark.parametrize(
    ("typed", "synonym"),
    [("doctorate", "phd"), ("competitions", "kaggle"), ("ship", "deploy"), ("publication", "paper")],
)
def test_synonyms_find_what_the_usual_word_finds(index: LessonIndex, typed: str, synonym: str) -> None:
    assert set(top(index, typed, 5)) & set(top(index, synonym, 3))


def test_a_topic_name_finds_lessons_of_that_topic(index: LessonIndex, library: Library) -> None:
    for lesson_id in top(index, "math"):
        assert "math" in [t.value for t in library.by_id[lesson_id].topics]


@pytest.mark.parametrize("question", ["", "how do i", "xyzzy qwertyuiop", "???"])
def test_nothing_close_returns_nothing(index: LessonIndex, question: str) -> None:
    assert index.search(question) == []


def test_query_syntax_in_user_text_is_not_fts_syntax(index: LessonIndex) -> None:
    for question in ['"unbalanced', "NEAR(a b)", "title:kaggle", "a AND OR NOT", "*", "kaggle^"]:
        index.search(question)  # must not raise sqlite3.OperationalError


def test_scores_are_best_first(index: LessonIndex) -> None:
    scores = [hit.score for hit in index.search("deploy models to production", 10)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 10


def test_a_word_two_edits_away_is_not_a_typo(index: LessonIndex) -> None:
    assert index.correct("latest") == "latest"
    assert index.correct("reserch") == "research" and index.correct("pytorh") == "pytorch"
