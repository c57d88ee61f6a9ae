"""Each subscription walks its own shuffled deck, kept in the database: cycles survive between deals.

The rules themselves (tests/daily/test_deck_rules.py) are pure; here they run against a real
database, so what the store saves and loads back is what the rules decided.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from bot.daily.deck_rules import dealing
from bot.store import Card, Cycle, Deal, Store
from tests.store.helpers import NOW, channel, subscribe

LESSONS = [f"lesson-{n:02d}" for n in range(12)]


def deal(store: Store, subscription_id: int, lessons: list[str], rng: random.Random, times: int) -> list[str]:
    dealt = [store.deck.next_lesson(subscription_id, lessons, dealing(rng)) for _ in range(times)]
    assert all(lesson is not None for lesson in dealt)
    return [lesson for lesson in dealt if lesson is not None]


def test_no_lesson_repeats_within_a_cycle_and_each_cycle_reshuffles(store: Store) -> None:
    subscription = subscribe(store)
    dealt = deal(store, subscription.id, LESSONS, random.Random(1), 3 * len(LESSONS))
    cycles = [dealt[n : n + len(LESSONS)] for n in range(0, len(dealt), len(LESSONS))]
    for cycle in cycles:
        assert sorted(cycle) == LESSONS  # every lesson once per cycle
    assert len({tuple(cycle) for cycle in cycles}) == 3  # a fresh order each cycle
    assert cycles[0] != sorted(LESSONS)  # shuffled, not in content order


def test_a_new_cycle_does_not_open_with_the_lesson_that_closed_the_last(store: Store) -> None:
    subscription = subscribe(store)
    lessons = LESSONS[:3]
    dealt = deal(store, subscription.id, lessons, random.Random(5), 60)
    assert all(a != b for a, b in itertools.pairwise(dealt))


def test_a_single_lesson_is_dealt_every_day(store: Store) -> None:
    subscription = subscribe(store)
    assert deal(store, subscription.id, ["only"], random.Random(0), 3) == ["only", "only", "only"]


def test_new_lessons_join_the_current_cycle(store: Store) -> None:
    subscription = subscribe(store)
    rng = random.Random(2)
    first = deal(store, subscription.id, LESSONS, rng, 5)
    grown = [*LESSONS, "new-a", "new-b", "new-c"]
    rest = deal(store, subscription.id, grown, rng, len(grown) - 5)
    assert sorted(first + rest) == sorted(grown)  # the cycle finished with the newcomers in it
    next_cycle = deal(store, subscription.id, grown, rng, len(grown))
    assert sorted(next_cycle) == sorted(grown)


def test_new_lessons_land_at_random_undealt_positions(store: Store) -> None:
    # Over several seeds the newcomer turns up at different points of the rest of the cycle.
    where: set[int] = set()
    for seed in range(12):
        subscription = subscribe(store, channel(f"C{seed}"))
        rng = random.Random(seed)
        deal(store, subscription.id, LESSONS, rng, 4)
        rest = deal(store, subscription.id, [*LESSONS, "newcomer"], rng, len(LESSONS) - 4 + 1)
        where.add(rest.index("newcomer"))
    assert len(where) >= 4


def test_removed_lessons_are_skipped(store: Store) -> None:
    subscription = subscribe(store)
    rng = random.Random(3)
    first = deal(store, subscription.id, LESSONS, rng, 4)
    undealt = [lesson for lesson in LESSONS if lesson not in first]
    removed = set(undealt[:3])
    shrunk = [lesson for lesson in LESSONS if lesson not in removed]
    rest = deal(store, subscription.id, shrunk, rng, len(shrunk) - 4)
    assert not removed & set(rest)
    assert sorted(first + rest) == sorted(shrunk)
    # Back in the content later, a dealt lesson still waits for the next cycle.
    again = deal(store, subscription.id, LESSONS, rng, len(removed))
    assert set(again) == removed
    assert sorted(deal(store, subscription.id, LESSONS, rng, len(LESSONS))) == LESSONS


def test_nothing_to_deal(store: Store) -> None:
    subscription = subscribe(store)
    assert store.deck.next_lesson(subscription.id, [], dealing(random.Random(0))) is None
    assert store.deck.next_lesson(subscription.id + 1000, LESSONS, dealing(random.Random(0))) is None


def test_each_subscription_has_its_own_deck(store: Store) -> None:
    one, two = subscribe(store, channel("C1")), subscribe(store, channel("C2"))
    rng = random.Random(4)
    for _ in range(len(LESSONS)):
        store.deck.next_lesson(one.id, LESSONS, dealing(rng))
    # `one` finished a cycle; `two` still has its whole first cycle ahead of it.
    assert sorted(deal(store, two.id, LESSONS, rng, len(LESSONS))) == LESSONS


def test_dealing_for_a_delivery_is_idempotent(store: Store) -> None:
    subscription = subscribe(store)
    store.ledger.plan(subscription.id, date(2024, 7, 15), NOW)
    store.ledger.plan(subscription.id, date(2024, 7, 16), NOW + timedelta(days=1))
    first, second = (d.id for d in reversed(store.ledger.history(subscription.id)))
    lesson = store.deck.next_lesson(subscription.id, LESSONS, dealing(random.Random(1)), delivery_id=first)
    assert lesson is not None
    again = store.deck.next_lesson(subscription.id, LESSONS, dealing(random.Random(99)), delivery_id=first)
    assert again == lesson  # a retry after a crash posts the same lesson
    delivery = store.ledger.get(first)
    assert delivery is not None and delivery.lesson_id == lesson
    other = store.deck.next_lesson(subscription.id, LESSONS, dealing(random.Random(1)), delivery_id=second)
    assert other not in (None, lesson)
    # If the recorded lesson left the content meanwhile, the delivery gets another one.
    without = [x for x in LESSONS if x != lesson]
    replaced = store.deck.next_lesson(subscription.id, without, dealing(random.Random(1)), delivery_id=first)
    assert replaced not in (None, lesson, other)


def test_dealing_for_another_subscriptions_delivery_is_a_bug(store: Store) -> None:
    one, two = subscribe(store, channel("C1")), subscribe(store, channel("C2"))
    store.ledger.plan(one.id, date(2024, 7, 15), NOW)
    delivery = store.ledger.last_delivery(one.id)
    assert delivery is not None
    with pytest.raises(ValueError, match="belongs to subscription"):
        store.deck.next_lesson(two.id, LESSONS, dealing(random.Random(1)), delivery_id=delivery.id)
    assert store.deck.next_lesson(one.id, LESSONS, dealing(random.Random(1)), delivery_id=delivery.id + 1000) is None


def test_concurrent_deals_for_one_subscription_never_repeat(store: Store) -> None:
    subscription = subscribe(store)
    for n in range(len(LESSONS)):
        store.ledger.plan(subscription.id, date(2024, 7, 1) + timedelta(days=n), NOW)
    ids = [d.id for d in store.ledger.history(subscription.id, limit=len(LESSONS))]

    def deal_for(delivery_id: int) -> str | None:
        return store.deck.next_lesson(
            subscription.id, LESSONS, dealing(random.Random(delivery_id)), delivery_id=delivery_id
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        dealt = list(pool.map(deal_for, ids))
    assert sorted(lesson for lesson in dealt if lesson is not None) == LESSONS


def test_the_store_keeps_the_cycle_exactly_as_the_rule_decided(store: Store) -> None:
    subscription = subscribe(store)
    seen: list[Cycle | None] = []
    decided = Cycle(number=1, cards=(Card("b", 0, False), Card("a", 1, False), Card("c", 2, False)))

    def first(current: Cycle | None, available: Sequence[str]) -> Deal:
        seen.append(current)
        return Deal(cycle=decided, lesson_id="b")

    def second(current: Cycle | None, available: Sequence[str]) -> Deal:
        seen.append(current)
        assert current is not None
        moved = (current.cards[0], Card("new", 1, False), Card("a", 2, False), Card("c", 3, False))
        return Deal(cycle=Cycle(number=1, cards=moved), lesson_id="new")

    assert store.deck.next_lesson(subscription.id, ["a", "b", "c"], first) == "b"
    assert store.deck.next_lesson(subscription.id, ["a", "b", "c", "new"], second) == "new"

    def third(current: Cycle | None, available: Sequence[str]) -> Deal:
        seen.append(current)
        return Deal(cycle=Cycle(number=2, cards=(Card("a", 0, False),)), lesson_id="a")

    store.deck.next_lesson(subscription.id, ["a"], third)
    assert seen[0] is None  # before the first deal there is no cycle
    assert seen[1] == Cycle(number=1, cards=(Card("b", 0, True), Card("a", 1, False), Card("c", 2, False)))
    assert seen[2] == Cycle(
        number=1, cards=(Card("b", 0, True), Card("new", 1, True), Card("a", 2, False), Card("c", 3, False))
    )


def test_a_rule_that_deals_a_card_outside_its_cycle_is_refused(store: Store) -> None:
    subscription = subscribe(store)

    def broken(current: Cycle | None, available: Sequence[str]) -> Deal:
        return Deal(cycle=Cycle(number=1, cards=(Card("a", 0, False),)), lesson_id="z")

    with pytest.raises(ValueError, match="not in cycle 1"):
        store.deck.next_lesson(subscription.id, ["a"], broken)
    assert store.deck.next_lesson(subscription.id, ["a"], dealing(random.Random(0))) == "a"  # nothing was saved


def test_lessons_named_later_are_dealt_after_the_rest_of_each_cycle_and_never_dropped(store: Store) -> None:
    subscription = subscribe(store)
    lessons = [f"lesson-{n}" for n in range(6)]
    later = {"lesson-0", "lesson-3"}
    rng = random.Random(5)
    for _cycle in range(3):
        dealt = [store.deck.next_lesson(subscription.id, lessons, dealing(rng, later)) or "" for _ in lessons]
        assert sorted(dealt) == lessons  # every lesson once a cycle, the unhelpful ones too
        assert set(dealt[-2:]) == later  # ... last
