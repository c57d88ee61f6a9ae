"""Questions nobody answers: refused ones, and ones whose answer got 👎, for whoever writes lessons.

Only the normalised text is kept (bot/core/feedback.py: normalised_question), with the workspace
it was asked in and a count per UTC day; never who asked. Rows older than the retention period
are deleted by sweep_expired(), which the bot runs with its clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, select, update

from bot.store.db import insert_for, reading, writing
from bot.store.tables import unanswered_questions

Q = unanswered_questions.c
COUNT = Q["count"]  # not Q.count: a column collection has a count() of its own


@dataclass(frozen=True, slots=True)
class QuestionCount:
    """A question and how often it went unanswered."""

    question: str
    count: int


class Questions:
    """Counts unanswered questions per workspace and day."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, *, platform: str, workspace_id: str, question: str, now: datetime) -> None:
        """Count `question` (normalised) once more for today (UTC) in the workspace."""
        with writing(self._engine) as connection:
            insert = insert_for(connection, unanswered_questions).values(
                platform=platform, workspace_id=workspace_id, question=question, day=now.date(), count=1
            )
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=["platform", "workspace_id", "question", "day"],
                    set_={"count": COUNT + 1},
                )
            )

    def retract(self, *, platform: str, workspace_id: str, question: str) -> bool:
        """Take back one count of `question` (its 👎 became 👍), from its latest day; False if none is left."""
        mine = (Q.platform == platform, Q.workspace_id == workspace_id, Q.question == question)
        with writing(self._engine) as connection:
            day = connection.execute(select(func.max(Q.day)).where(*mine, COUNT > 0)).scalar()
            if day is None:
                return False
            connection.execute(update(unanswered_questions).where(*mine, Q.day == day).values(count=COUNT - 1))
            connection.execute(delete(unanswered_questions).where(*mine, Q.day == day, COUNT <= 0))
            return True

    def most_asked(
        self,
        *,
        platform: str | None = None,
        workspace_id: str | None = None,
        since: date | None = None,
        limit: int | None = None,
    ) -> list[QuestionCount]:
        """The questions asked most (everywhere, or in one workspace, from `since` on), most first."""
        conditions: list[Any] = []
        if platform is not None:
            conditions.append(Q.platform == platform)
        if workspace_id is not None:
            conditions.append(Q.workspace_id == workspace_id)
        if since is not None:
            conditions.append(Q.day >= since)
        total = func.sum(COUNT).label("total")
        query = select(Q.question, total).where(*conditions).group_by(Q.question)
        query = query.order_by(total.desc(), Q.question).limit(limit)
        with reading(self._engine) as connection:
            return [QuestionCount(row.question, int(row.total)) for row in connection.execute(query)]

    def sweep_expired(self, *, now: datetime, keep: timedelta) -> int:
        """Delete the counts of days more than `keep` before `now`; returns how many rows went."""
        with writing(self._engine) as connection:
            oldest_kept = (now - keep).date()
            return connection.execute(delete(unanswered_questions).where(Q.day < oldest_kept)).rowcount
