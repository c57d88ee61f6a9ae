"""Each subscription's deck: a shuffled order of lessons dealt one a day, no repeat within a cycle.

A cycle is one pass through the lessons available to the subscription (the caller filters them by
topic). Cards are dealt in position order. Lessons that appear later join the current cycle at a
random undealt position; lessons that disappear stay in the deck but are passed over. When no
undealt available card is left, a new cycle starts with a fresh shuffle. Lessons the caller names
`later` (clearly unhelpful by votes) are dealt after every other card of the cycle: still once a
cycle, never dropped.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from bot.store.db import writing
from bot.store.tables import deck_cards, deliveries, subscriptions

C = deck_cards.c
D = deliveries.c


class _Card(NamedTuple):
    lesson_id: str
    position: int
    dealt: bool


class Deck:
    """Deals lessons from each subscription's deck."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def next_lesson(
        self,
        subscription_id: int,
        available_lesson_ids: Sequence[str],
        rng: random.Random,
        *,
        delivery_id: int | None = None,
        later: Collection[str] = (),
    ) -> str | None:
        """Deal the subscription's next lesson id among `available_lesson_ids`; None if there are none.

        With `delivery_id` (a delivery of this subscription) the deal is idempotent: the lesson is
        recorded on the delivery, and asking again for that delivery returns the same lesson while
        it is still available (a retry after a crash posts what the first try would have). None too
        when the subscription or the delivery no longer exists.
        """
        available = sorted(set(available_lesson_ids))  # the deck depends on the set and `rng` alone
        with writing(self._engine) as connection:
            # Deals for one subscription take turns: PostgreSQL locks its row; SQLite's write lock is global.
            locked = connection.execute(
                select(subscriptions.c.id).where(subscriptions.c.id == subscription_id).with_for_update()
            ).first()
            if locked is None:
                return None
            if delivery_id is not None:
                owner = connection.execute(select(D.subscription_id, D.lesson_id).where(D.id == delivery_id)).first()
                if owner is None:
                    return None
                if owner.subscription_id != subscription_id:
                    raise ValueError(f"delivery {delivery_id} belongs to subscription {owner.subscription_id}")
                if owner.lesson_id is not None and owner.lesson_id in available:
                    return str(owner.lesson_id)
            if not available:
                return None
            lesson_id = _Dealer(connection, subscription_id, rng).deal(available, delivery_id, frozenset(later))
            if delivery_id is not None:
                connection.execute(update(deliveries).where(D.id == delivery_id).values(lesson_id=lesson_id))
            return lesson_id


class _Dealer:
    """One deal, inside the caller's transaction."""

    def __init__(self, connection: Connection, subscription_id: int, rng: random.Random) -> None:
        self._connection, self._subscription_id, self._rng = connection, subscription_id, rng

    def _where(self, cycle: int) -> Any:
        return and_(C.subscription_id == self._subscription_id, C.cycle == cycle)

    def deal(self, available: list[str], delivery_id: int | None, later: frozenset[str]) -> str:
        """The next card of the current cycle (starting one when needed), now marked dealt."""
        query = select(func.max(C.cycle)).where(C.subscription_id == self._subscription_id)
        cycle = self._connection.execute(query).scalar()
        if cycle is None:
            cycle, cards = 1, self._new_cycle(1, available, last=None)
        else:
            cards = self._cards(cycle)
            known = {card.lesson_id for card in cards}
            arrivals = [lesson for lesson in available if lesson not in known]
            if arrivals:
                cards = self._add(cycle, cards, arrivals)
        wanted = set(available)
        undealt = [c for c in cards if not c.dealt and c.lesson_id in wanted]
        card = next((c for c in undealt if c.lesson_id not in later), undealt[0] if undealt else None)
        if card is None:  # the cycle is done: every available lesson was dealt in it
            dealt = [c for c in cards if c.dealt]
            last = max(dealt, key=lambda c: c.position).lesson_id if dealt else None
            cycle += 1
            fresh = self._new_cycle(cycle, available, last=last)
            card = next((c for c in fresh if c.lesson_id not in later), fresh[0])
        self._connection.execute(
            update(deck_cards)
            .where(self._where(cycle), C.lesson_id == card.lesson_id)
            .values(dealt=True, dealt_delivery_id=delivery_id)
        )
        return card.lesson_id

    def _cards(self, cycle: int) -> list[_Card]:
        query = select(C.lesson_id, C.position, C.dealt).where(self._where(cycle)).order_by(C.position, C.lesson_id)
        return [_Card(row.lesson_id, row.position, bool(row.dealt)) for row in self._connection.execute(query)]

    def _new_cycle(self, cycle: int, available: list[str], *, last: str | None) -> list[_Card]:
        order = list(available)
        self._rng.shuffle(order)
        if len(order) > 1 and order[0] == last:
            # The previous cycle's last lesson opening the next one would post it two days running.
            swap = self._rng.randrange(1, len(order))
            order[0], order[swap] = order[swap], order[0]
        cards = [_Card(lesson, position, False) for position, lesson in enumerate(order)]
        self._connection.execute(insert(deck_cards), [self._row(cycle, card) for card in cards])
        return cards

    def _row(self, cycle: int, card: _Card) -> dict[str, Any]:
        return {
            "subscription_id": self._subscription_id,
            "cycle": cycle,
            "lesson_id": card.lesson_id,
            "position": card.position,
            "dealt": card.dealt,
        }

    def _add(self, cycle: int, cards: list[_Card], arrivals: list[str]) -> list[_Card]:
        """Shuffle new lessons into the undealt part of the cycle; the dealt part keeps its order."""
        dealt = [c for c in cards if c.dealt]
        undealt = [c.lesson_id for c in cards if not c.dealt]
        for lesson in arrivals:
            undealt.insert(self._rng.randint(0, len(undealt)), lesson)
        start = max((c.position for c in dealt), default=-1) + 1
        before = {c.lesson_id: c.position for c in cards if not c.dealt}
        reordered = [_Card(lesson, start + n, False) for n, lesson in enumerate(undealt)]
        for card in reordered:
            if card.lesson_id not in before:
                self._connection.execute(insert(deck_cards).values(**self._row(cycle, card)))
            elif before[card.lesson_id] != card.position:
                self._connection.execute(
                    update(deck_cards)
                    .where(self._where(cycle), C.lesson_id == card.lesson_id)
                    .values(position=card.position)
                )
        return dealt + reordered
