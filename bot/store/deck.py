"""Each subscription's deck, as stored: the cards of its cycles, loaded and saved in one transaction.

Which card comes next is a rule, not storage: `bot.daily.deck_rules` decides (shuffles, no
repeat, newcomers joining), and the caller hands that rule in as `deal`. The store loads the
current cycle, asks the rule, and saves what it decided while it holds the subscription's lock,
so two deals for one subscription never see the same deck.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from bot.store.db import writing
from bot.store.records import Card, Cycle, Deal
from bot.store.tables import deck_cards, deliveries, subscriptions

C = deck_cards.c
D = deliveries.c
# (the current cycle, or None before the first deal; the lesson ids available, sorted) -> the deal
DealRule = Callable[[Cycle | None, Sequence[str]], Deal]


class Deck:
    """Deals lessons from each subscription's deck by a rule the caller gives."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def next_lesson(
        self,
        subscription_id: int,
        available_lesson_ids: Sequence[str],
        deal: DealRule,
        *,
        delivery_id: int | None = None,
    ) -> str | None:
        """Deal the subscription's next lesson id among `available_lesson_ids`; None if there are none.

        With `delivery_id` (a delivery of this subscription) the deal is idempotent: the lesson is
        recorded on the delivery, and asking again for that delivery returns the same lesson while
        it is still available (a retry after a crash posts what the first try would have). None too
        when the subscription or the delivery no longer exists.
        """
        available = sorted(set(available_lesson_ids))  # the deck depends on the set and the rule alone
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
            cards = _Cards(connection, subscription_id)
            current = cards.current()
            decided = deal(current, available)
            cards.save(decided, current, delivery_id)
            if delivery_id is not None:
                connection.execute(update(deliveries).where(D.id == delivery_id).values(lesson_id=decided.lesson_id))
            return decided.lesson_id


class _Cards:
    """A subscription's cards, inside the caller's transaction."""

    def __init__(self, connection: Connection, subscription_id: int) -> None:
        self._connection, self._subscription_id = connection, subscription_id

    def _where(self, cycle: int) -> Any:
        return and_(C.subscription_id == self._subscription_id, C.cycle == cycle)

    def current(self) -> Cycle | None:
        """The newest cycle with its cards by position, or None before the first deal."""
        number = self._connection.execute(
            select(func.max(C.cycle)).where(C.subscription_id == self._subscription_id)
        ).scalar()
        if number is None:
            return None
        query = select(C.lesson_id, C.position, C.dealt).where(self._where(number)).order_by(C.position, C.lesson_id)
        cards = tuple(Card(row.lesson_id, row.position, bool(row.dealt)) for row in self._connection.execute(query))
        return Cycle(number=number, cards=cards)

    def save(self, decided: Deal, current: Cycle | None, delivery_id: int | None) -> None:
        """Write the cycle as decided (new cards, moved cards) and mark the dealt card."""
        cycle = decided.cycle
        stored = {card.lesson_id: card for card in current.cards} if current and current.number == cycle.number else {}
        if decided.lesson_id not in {card.lesson_id for card in cycle.cards}:
            raise ValueError(f"the rule dealt {decided.lesson_id!r}, which is not in cycle {cycle.number}")
        new = [self._row(cycle.number, card) for card in cycle.cards if card.lesson_id not in stored]
        if new:
            self._connection.execute(insert(deck_cards), new)
        for card in cycle.cards:
            before = stored.get(card.lesson_id)
            if before is not None and before.position != card.position:
                self._connection.execute(
                    update(deck_cards)
                    .where(self._where(cycle.number), C.lesson_id == card.lesson_id)
                    .values(position=card.position)
                )
        self._connection.execute(
            update(deck_cards)
            .where(self._where(cycle.number), C.lesson_id == decided.lesson_id)
            .values(dealt=True, dealt_delivery_id=delivery_id)
        )

    def _row(self, cycle: int, card: Card) -> dict[str, Any]:
        return {
            "subscription_id": self._subscription_id,
            "cycle": cycle,
            "lesson_id": card.lesson_id,
            "position": card.position,
            "dealt": card.dealt,
        }
