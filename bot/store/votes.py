"""Votes on lessons: one per person per lesson per workspace, changed or kept by a second press.

The person is a pseudonym (bot/core/feedback.py: Member.pseudonym, a keyed HMAC), never a user id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, case, func, select, update

from bot.core.feedback import Tally, Verdict
from bot.store.db import insert_for, reading, writing
from bot.store.tables import votes

V = votes.c


class Votes:
    """Casts votes and counts them."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def cast(
        self, *, platform: str, workspace_id: str, voter: str, lesson_id: str, verdict: Verdict, now: datetime
    ) -> Verdict | None:
        """Record `voter`'s verdict on the lesson in the workspace; returns the verdict it replaced.

        A first vote inserts the row (None comes back); a second press keeps or changes that row,
        so each person counts once however often they press, from however many replicas at once.
        """
        key = {"platform": platform, "workspace_id": workspace_id, "lesson_id": lesson_id, "voter": voter}
        with writing(self._engine) as connection:
            inserted = connection.execute(
                insert_for(connection, votes)
                .values(**key, verdict=verdict.value, at=now)
                .on_conflict_do_nothing(index_elements=list(key))
                .returning(V.verdict)
            ).first()
            if inserted is not None:
                return None
            where = and_(*(getattr(V, name) == value for name, value in key.items()))
            # Locked: a concurrent press by the same person waits here, then sees this one's verdict.
            before = Verdict(connection.execute(select(V.verdict).where(where).with_for_update()).scalar_one())
            if before is not verdict:
                connection.execute(update(votes).where(where).values(verdict=verdict.value, at=now))
            return before

    def tallies(
        self, *, platform: str | None = None, workspace_id: str | None = None, since: datetime | None = None
    ) -> dict[str, Tally]:
        """Each voted lesson's votes: everywhere, or in one workspace; cast or changed since `since`."""
        conditions: list[Any] = []
        if platform is not None:
            conditions.append(V.platform == platform)
        if workspace_id is not None:
            conditions.append(V.workspace_id == workspace_id)
        if since is not None:
            conditions.append(V.at >= since)
        up = func.sum(case((V.verdict == Verdict.UP.value, 1), else_=0))
        down = func.sum(case((V.verdict == Verdict.DOWN.value, 1), else_=0))
        query = select(V.lesson_id, up.label("up"), down.label("down")).where(*conditions).group_by(V.lesson_id)
        with reading(self._engine) as connection:
            return {row.lesson_id: Tally(int(row.up), int(row.down)) for row in connection.execute(query)}
