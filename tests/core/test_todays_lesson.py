"""Today's lesson for a person: stable all day and across processes, different across days and people."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest

from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.core.todays_lesson import todays_lesson
from bot.errors import CommandError
from tests.support.paths import REPO_ROOT

DAY = date(2024, 7, 15)


def test_the_same_person_gets_the_same_lesson_all_day_whatever_the_order(library: Library) -> None:
    lessons = list(library.lessons)
    first = todays_lesson(lessons, "slack:T1:U1", DAY)
    assert todays_lesson(list(reversed(lessons)), "slack:T1:U1", DAY) == first


def test_another_process_picks_the_same_lesson(library: Library) -> None:
    # hash() is salted per process; the pick must not be, or two replicas would disagree.
    script = (
        "from datetime import date; from bot.core.library import BUILTIN_CONTENT;"
        "from bot.core.loading import load_library;"
        "from bot.core.todays_lesson import todays_lesson;"
        "print(todays_lesson(load_library([BUILTIN_CONTENT]).lessons, 'slack:T1:U1', date(2024, 7, 15)).id)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == todays_lesson(library.lessons, "slack:T1:U1", DAY).id


def test_days_and_people_spread_over_the_lessons(library: Library) -> None:
    month = {todays_lesson(library.lessons, "slack:T1:U1", DAY + timedelta(days=n)).id for n in range(30)}
    people = {todays_lesson(library.lessons, f"slack:T1:U{n}", DAY).id for n in range(30)}
    assert len(month) >= 15 and len(people) >= 15  # 30 draws from ~100 lessons rarely repeat much


def test_no_lessons_is_an_error_not_a_crash_later() -> None:
    with pytest.raises(ValueError):
        todays_lesson([], "slack:T1:U1", DAY)


def test_ask_treats_keywords_as_a_question_and_caps_it(engine: CommandEngine) -> None:
    assert engine.ask("daily off").title != "Tip of the day"  # never a command, whatever it says
    assert engine.ask("help").title != "How to use /mltip"
    assert engine.ask("is kaggle worth it").lesson is not None
    with pytest.raises(CommandError, match="at most 500 characters"):
        engine.ask("kaggle " * 100)
    with pytest.raises(CommandError, match="no text"):
        engine.ask("  \n")
