"""Votes shape what people see, gently: a clearly unhelpful lesson ranks below its near-equals in
search, a few votes change nothing, and no lesson is ever hidden by votes."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.core.commands import CommandEngine
from bot.core.feedback import NEAR_EQUAL, Member, Verdict, Vote
from bot.core.library import Library
from bot.feedback.service import FeedbackService
from bot.store import Store
from tests.support.clock import FakeClock

NOW = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)


@pytest.fixture
def engine(library: Library, store: Store) -> CommandEngine:
    feedback = FeedbackService(store, library, key=b"a test key of enough length", clock=FakeClock(NOW))
    return CommandEngine(library, rng=random.Random(7), feedback=feedback)


def thumbs_down(engine: CommandEngine, lesson_id: str, people: int) -> None:
    assert engine.feedback is not None
    for n in range(people):
        member = Member(platform="slack", workspace_id=f"T{n % 2}", user_id=f"U{n}")
        engine.feedback.vote(Vote(lesson_id=lesson_id, verdict=Verdict.DOWN), member)


def test_a_clearly_unhelpful_answer_drops_below_its_near_equals_but_stays(engine: CommandEngine) -> None:
    hits = engine.ranker.rank("kaggle", 10)
    top, runner_up = hits[0], hits[1]
    assert top.score - runner_up.score < NEAR_EQUAL  # near-equal: the premise of this test
    before = engine.best("kaggle")
    thumbs_down(engine, top.lesson.id, 3)
    assert engine.best("kaggle") == before  # three votes decide nothing
    thumbs_down(engine, top.lesson.id, 5)
    after = engine.best("kaggle")
    expected_place = sum(1 for hit in hits if hit.score > top.score - NEAR_EQUAL) - 1
    assert after[expected_place] == top.lesson and after[0] == runner_up.lesson
    assert sorted(x.id for x in after) == sorted(x.id for x in before)  # never hidden
    assert engine.run("kaggle").lesson == runner_up.lesson  # and the answer follows
    assert engine.press(engine.run("kaggle").actions[0].payload, user="u").lesson == after[1]


def test_a_clear_best_answer_keeps_its_place_whatever_the_votes(engine: CommandEngine) -> None:
    hits = engine.ranker.rank("should i do a phd", 10)
    assert hits[0].score - hits[1].score > NEAR_EQUAL
    thumbs_down(engine, hits[0].lesson.id, 10)
    assert engine.best("should i do a phd")[0] == hits[0].lesson
