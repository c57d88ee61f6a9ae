"""How a subscription's deck deals: a shuffled order of lessons, one a day, no repeat within a cycle.

A cycle is one pass through the lessons available to the subscription (the caller filters them by
topic). Cards are dealt in position order. Lessons that appear later join the current cycle at a
random undealt position; lessons that disappear stay in the deck but are passed over. When no
undealt available card is left, a new cycle starts with a fresh shuffle, and it never opens with
the lesson that closed the last one (that would post it two days running). Lessons the caller
names `later` (clearly unhelpful by votes) are dealt after every other card of the cycle: still
once a cycle, never dropped.

Pure functions over lesson ids and an RNG; `bot.store.deck` loads the cycle, applies `deal` and
saves what it decided in one transaction.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

from bot.store import Card, Cycle, Deal, DealRule


def dealing(rng: random.Random, later: Collection[str] = ()) -> DealRule:
    """The rule `Deck.next_lesson` takes, drawing its randomness from `rng`."""
    postponed = frozenset(later)

    def rule(current: Cycle | None, available: Sequence[str]) -> Deal:
        return deal(current, available, rng, postponed)

    return rule


def deal(
    current: Cycle | None, available: Sequence[str], rng: random.Random, later: frozenset[str] = frozenset()
) -> Deal:
    """The next card among `available` (not empty): from `current`, newcomers joined, or a new cycle."""
    if not available:
        raise ValueError("nothing to deal: no lesson is available")
    if current is None:
        return _first_of(Cycle(number=1, cards=shuffled_cycle(available, last=None, rng=rng)), later)
    cards = current.cards
    known = {card.lesson_id for card in cards}
    arrivals = [lesson for lesson in available if lesson not in known]
    if arrivals:
        cards = join(cards, arrivals, rng)
    wanted = set(available)
    undealt = [c for c in cards if not c.dealt and c.lesson_id in wanted]
    if undealt:
        return _first_of(Cycle(number=current.number, cards=cards), later, undealt)
    # The cycle is done: every available lesson was dealt in it.
    dealt = [c for c in cards if c.dealt]
    last = max(dealt, key=lambda c: c.position).lesson_id if dealt else None
    return _first_of(Cycle(number=current.number + 1, cards=shuffled_cycle(available, last=last, rng=rng)), later)


def _first_of(cycle: Cycle, later: frozenset[str], candidates: Sequence[Card] | None = None) -> Deal:
    """Deal the first of `candidates` (default: the whole cycle) by position, those named `later` last."""
    cards = cycle.cards if candidates is None else candidates
    card = next((c for c in cards if c.lesson_id not in later), cards[0])
    return Deal(cycle=cycle, lesson_id=card.lesson_id)


def shuffled_cycle(available: Sequence[str], *, last: str | None, rng: random.Random) -> tuple[Card, ...]:
    """A fresh cycle of every available lesson in random order; `last` (the previous card) not first."""
    order = list(available)
    rng.shuffle(order)
    if len(order) > 1 and order[0] == last:
        swap = rng.randrange(1, len(order))
        order[0], order[swap] = order[swap], order[0]
    return tuple(Card(lesson, position, False) for position, lesson in enumerate(order))


def join(cards: Sequence[Card], arrivals: Sequence[str], rng: random.Random) -> tuple[Card, ...]:
    """Shuffle new lessons into the undealt part of a cycle; the dealt part keeps its order."""
    dealt = [c for c in cards if c.dealt]
    undealt = [c.lesson_id for c in cards if not c.dealt]
    for lesson in arrivals:
        undealt.insert(rng.randint(0, len(undealt)), lesson)
    start = max((c.position for c in dealt), default=-1) + 1
    return (*dealt, *(Card(lesson, start + n, False) for n, lesson in enumerate(undealt)))
