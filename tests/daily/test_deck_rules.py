"""The deck's rules, pure: shuffled cycles, no repeat within one or across two, newcomers join."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.daily.deck_rules import deal, join, shuffled_cycle
from bot.store import Card, Cycle, Deal

LESSONS = [f"lesson-{n:02d}" for n in range(12)]


def kept(decided: Deal) -> Cycle:
    """The cycle as the store keeps it after the deal: the dealt card marked."""
    cards = tuple(
        Card(c.lesson_id, c.position, c.dealt or c.lesson_id == decided.lesson_id) for c in decided.cycle.cards
    )
    return Cycle(number=decided.cycle.number, cards=cards)


def run(
    available: Sequence[str], rng: random.Random, times: int, current: Cycle | None = None
) -> tuple[list[str], Cycle]:
    dealt: list[str] = []
    for _ in range(times):
        decided = deal(current, available, rng)
        dealt.append(decided.lesson_id)
        current = kept(decided)
    assert current is not None
    return dealt, current


def test_the_first_deal_starts_cycle_one_with_every_lesson_shuffled() -> None:
    decided = deal(None, LESSONS, random.Random(1))
    assert decided.cycle.number == 1
    assert sorted(c.lesson_id for c in decided.cycle.cards) == LESSONS
    assert [c.position for c in decided.cycle.cards] == list(range(len(LESSONS)))
    assert [c.lesson_id for c in decided.cycle.cards] != LESSONS  # shuffled, not in content order
    assert decided.lesson_id == decided.cycle.cards[0].lesson_id


def test_no_lesson_repeats_within_a_cycle_and_each_cycle_reshuffles() -> None:
    dealt, current = run(LESSONS, random.Random(1), 3 * len(LESSONS))
    cycles = [dealt[n : n + len(LESSONS)] for n in range(0, len(dealt), len(LESSONS))]
    assert all(sorted(cycle) == LESSONS for cycle in cycles)
    assert len({tuple(cycle) for cycle in cycles}) == 3
    assert current.number == 3


@given(seed=st.integers(0, 10_000), size=st.integers(2, 6))
def test_a_new_cycle_never_opens_with_the_lesson_that_closed_the_last(seed: int, size: int) -> None:
    dealt, _ = run(LESSONS[:size], random.Random(seed), 4 * size)
    assert all(a != b for a, b in itertools.pairwise(dealt))


@given(seed=st.integers(0, 10_000))
def test_shuffled_cycle_puts_the_last_card_elsewhere(seed: int) -> None:
    cards = shuffled_cycle(LESSONS[:3], last="lesson-01", rng=random.Random(seed))
    assert cards[0].lesson_id != "lesson-01"
    assert sorted(c.lesson_id for c in cards) == LESSONS[:3]


def test_a_single_lesson_is_dealt_every_day() -> None:
    assert run(["only"], random.Random(0), 3)[0] == ["only", "only", "only"]


def test_newcomers_join_the_undealt_part_and_the_dealt_part_keeps_its_order() -> None:
    first, current = run(LESSONS, random.Random(2), 5)
    cards = join(current.cards, ["new-a", "new-b"], random.Random(3))
    assert [c.lesson_id for c in cards[:5]] == first and all(c.dealt for c in cards[:5])
    assert [c.position for c in cards] == list(range(len(LESSONS) + 2))
    assert {c.lesson_id for c in cards[5:]} == (set(LESSONS) - set(first)) | {"new-a", "new-b"}
    assert not any(c.dealt for c in cards[5:])


def test_newcomers_land_at_random_undealt_positions() -> None:
    where: set[int] = set()
    for seed in range(12):
        rng = random.Random(seed)
        _, current = run(LESSONS, rng, 4)
        rest, _ = run([*LESSONS, "newcomer"], rng, len(LESSONS) - 4 + 1, current)
        where.add(rest.index("newcomer"))
    assert len(where) >= 4


def test_removed_lessons_are_passed_over_and_wait_for_the_next_cycle() -> None:
    rng = random.Random(3)
    first, current = run(LESSONS, rng, 4)
    removed = {lesson for lesson in LESSONS if lesson not in first}
    removed = set(sorted(removed)[:3])
    shrunk = [lesson for lesson in LESSONS if lesson not in removed]
    rest, current = run(shrunk, rng, len(shrunk) - 4, current)
    assert not removed & set(rest) and sorted(first + rest) == sorted(shrunk)
    again, current = run(LESSONS, rng, len(removed), current)
    assert set(again) == removed  # back in the content, they were still undealt in this cycle
    assert current.number == 1


def test_there_must_be_something_to_deal() -> None:
    with pytest.raises(ValueError, match="nothing to deal"):
        deal(None, [], random.Random(0))
