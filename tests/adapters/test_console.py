"""The console adapter: piped `/mltip daily ...` lines answered from a real store, with a fixed clock."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.console import render_text, run_console
from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.daily.service import DailyService
from bot.store import ChannelKey, Platform, Store
from tests.support.clock import FakeClock
from tests.support.databases import sqlite_url

NOW = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)  # 11:30 in Kolkata

VOTE_KEYS = "[1] Another   [2] Share   [3] 👍 Helpful   [4] 👎 Not helpful"


def test_piped_daily_subscribes_the_console_and_status_shows_it(library: Library, tmp_path: Path) -> None:
    with Store.open(sqlite_url(tmp_path)) as store:
        engine = CommandEngine(library, daily=DailyService(store, clock=FakeClock(NOW)))
        out = io.StringIO()
        code = run_console(engine, io.StringIO("/mltip daily 09:00 Asia/Kolkata\n/mltip daily status\n"), out)
        subscription = store.subscriptions.get(
            ChannelKey(platform=Platform.CONSOLE, workspace_id="console", channel_id="console")
        )
    assert code == 0
    text = out.getvalue()
    assert "== Tip of the day: subscribed ==" in text and "== Tip of the day: on ==" in text
    assert "This channel gets a lesson every day at 09:00 Asia/Kolkata time." in text
    unwrapped = " ".join(text.split())
    assert "Next posts: Tue 16 Jul 2024, 09:00 IST; Wed 17 Jul 2024, 09:00 IST; Thu 18 Jul 2024, 09:00 IST" in unwrapped
    assert subscription is not None and subscription.created_by == "you (you)"


def test_without_a_store_the_console_says_daily_is_not_available(library: Library) -> None:
    out = io.StringIO()
    run_console(CommandEngine(library), io.StringIO("/mltip daily status\n"), out)
    assert out.getvalue() == "The tip of the day is not available here.\n\n"


def test_a_lesson_says_where_to_read_the_original_on_one_line(library: Library) -> None:
    engine = CommandEngine(library)
    for lesson in library.lessons:
        text = render_text(engine.tip_of_the_day(lesson))
        assert f"    Read the original: {lesson.original_url}\n" in text, lesson.id
    podcast = render_text(engine.tip_of_the_day(library.by_id["eric-researchers-deploy-past-the-notebook"]))
    assert "Read the original: https://www.youtube.com/watch?v=d9xVXqKq3sU&t=2748s" in podcast
    assert "Read the original" not in render_text(engine.run("topics"))


def test_an_off_topic_question_says_so_and_1_shows_a_random_lesson(library: Library) -> None:
    out = io.StringIO()
    run_console(CommandEngine(library), io.StringIO("/mltip what's a good pizza recipe\n1\n"), out)
    no, random_one = out.getvalue().split("[1] Show me a random lesson\n\n")
    assert no.startswith("== I don't have a lesson on that ==\n(None of my lessons is close to “what's a good pizza")
    assert "kaggle" in no and "/mltip topics" in no
    assert random_one.startswith("== ") and "  > “" in random_one and random_one.endswith(VOTE_KEYS + "\n\n")
