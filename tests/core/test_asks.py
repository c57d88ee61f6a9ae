"""`asks:`, the everyday questions a lesson answers: validated as file:line, cached, searched, never shown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.console import render_text
from bot.core import validation
from bot.core.commands import CommandEngine
from bot.core.library import BUILTIN_CONTENT, Library
from bot.core.loading import load_library
from bot.core.search import LessonIndex
from bot.errors import ContentError
from tests.core.test_library import LESSON_WITHOUT_ASKS, problems_for, write_content
from tests.support.paths import REPO_ROOT

ASKS = """\
    asks:
      - how do I get over stage fright before a demo
      - my hands shake when I present to the team
      - I freeze up when I have to talk in meetings
"""
WITH_ASKS = LESSON_WITHOUT_ASKS + ASKS


def test_asks_load_in_order_with_their_whitespace_folded(tmp_path: Path) -> None:
    library = load_library([BUILTIN_CONTENT, write_content(tmp_path, WITH_ASKS.replace("my hands", "my   hands"))])
    assert library.by_id["team-ship-small"].asks == (
        "how do I get over stage fright before a demo",
        "my hands shake when I present to the team",
        "I freeze up when I have to talk in meetings",
    )


def test_a_lesson_without_asks_is_named_at_its_line(tmp_path: Path) -> None:
    assert validation.ASKS_REQUIRED
    problems = problems_for(tmp_path, LESSON_WITHOUT_ASKS)
    assert [p for p in problems if "lessons.yaml" in p] == [
        f"{tmp_path / 'lessons.yaml'}:2: missing required field 'asks' (3 to 6 questions it answers)"
    ]
    assert not [p for p in problems_for(tmp_path, WITH_ASKS) if "lessons.yaml" in p]


def test_content_without_asks_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        load_library([BUILTIN_CONTENT, write_content(tmp_path, LESSON_WITHOUT_ASKS)])
    assert "missing required field 'asks'" in str(caught.value)


def test_content_check_names_a_lesson_without_asks(tmp_path: Path) -> None:
    folder = write_content(tmp_path, LESSON_WITHOUT_ASKS)
    out = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", str(folder)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    assert out.returncode == 1
    assert f"{folder / 'lessons.yaml'}:2: missing required field 'asks'" in out.stdout


@pytest.mark.parametrize(
    ("asks", "line", "message"),
    [
        ("    asks: how do I present\n", 8, "'asks' must be a list of 3 to 6 questions in everyday words"),
        ("    asks:\n      - one\n      - two\n", 8, "'asks' must be a list of 3 to 6 questions"),
        ("    asks:\n" + "      - q{}\n" * 7, 8, "'asks' must be a list of 3 to 6 questions"),
        (
            "    asks:\n      - fine\n      - ''\n      - also fine\n",
            10,
            "each of 'asks' must be a question in plain text",
        ),
        ("    asks:\n      - fine\n      - also fine\n      - [not, text]\n", 11, "each of 'asks' must be a question"),
        (
            "    asks:\n      - fine\n      - " + "why " * 40 + "\n      - ok\n",
            10,
            "this question is 159 characters; at most 150",
        ),
        ("    asks:\n      - Same one\n      - same  ONE\n      - other\n", 10, "'asks' lists this question twice"),
    ],
)
def test_bad_asks_are_reported_at_their_line(tmp_path: Path, asks: str, line: int, message: str) -> None:
    problems = problems_for(tmp_path, LESSON_WITHOUT_ASKS + asks.replace("{}", ""))
    assert any(f"lessons.yaml:{line}: {message}" in p for p in problems), problems


def test_content_check_names_file_and_line_for_bad_asks(tmp_path: Path) -> None:
    folder = write_content(tmp_path, LESSON_WITHOUT_ASKS + "    asks:\n      - only one\n")
    out = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", str(folder)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    assert out.returncode == 1
    assert f"{folder / 'lessons.yaml'}:8: 'asks' must be a list of 3 to 6 questions" in out.stdout


def test_asks_survive_the_content_cache(tmp_path: Path) -> None:
    content, cache = tmp_path / "content", tmp_path / "cache"
    content.mkdir()
    write_content(content, WITH_ASKS)
    parsed = load_library([BUILTIN_CONTENT, content], cache_dir=cache)
    cached = load_library([BUILTIN_CONTENT, content], cache_dir=cache)
    assert cached == parsed and len(cached.by_id["team-ship-small"].asks) == 3


def test_asks_are_never_shown(tmp_path: Path) -> None:
    library = load_library([BUILTIN_CONTENT, write_content(tmp_path, WITH_ASKS)])
    lesson = library.by_id["team-ship-small"]
    assert "asks" not in lesson.to_dict()
    shown = CommandEngine(library).press(f"share|{lesson.id}", user="ana")
    for text in (shown.plain_text, render_text(shown), json.dumps(lesson.to_dict())):
        assert "stage fright" not in text and "hands shake" not in text


def test_no_shipped_question_is_ever_shown(library: Library) -> None:
    engine = CommandEngine(library)
    for lesson in library.lessons:
        shown = engine.press(f"share|{lesson.id}", user="ana")
        texts = (shown.plain_text, render_text(shown), json.dumps(lesson.to_dict(), ensure_ascii=False))
        assert not [ask for ask in lesson.asks for text in texts if ask in text], lesson.id


def test_lessons_json_leaves_asks_out(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    folder = write_content(tmp_path / "content", WITH_ASKS)
    env = {"MLTIP_CONTENT_DIR": str(folder), "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "lessons", "--json"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    lessons = {lesson["id"]: lesson for lesson in json.loads(out.stdout)}
    assert "team-ship-small" in lessons and all("asks" not in lesson for lesson in lessons.values())


def test_keyword_search_reads_the_asks(tmp_path: Path) -> None:
    library = load_library([BUILTIN_CONTENT, write_content(tmp_path, WITH_ASKS)])
    index = LessonIndex(library.lessons)
    assert [hit.lesson.id for hit in index.search("stage fright", 1)] == ["team-ship-small"]
