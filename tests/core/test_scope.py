"""content/scope.yaml: the subjects no lesson covers, validated as file:line and refused by search."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.lessons import OutOfScope
from bot.core.library import BUILTIN_CONTENT, Library
from bot.core.ranking import OUTSIDE_PENALTY, Ranker
from bot.core.validation import check_content
from tests.core.test_asks import WITH_ASKS
from tests.core.test_library import write_content

BREAD = OutOfScope(subject="baking", about=("baking sourdough bread at home", "proofing dough overnight"))


def scope_problems(tmp_path: Path, scope: str) -> list[str]:
    folder = write_content(tmp_path, WITH_ASKS)
    (folder / "scope.yaml").write_text(scope)
    _, problems = check_content([BUILTIN_CONTENT, folder])
    return [str(p) for p in problems]


def test_the_shipped_scope_loads_with_the_lessons(library: Library) -> None:
    assert len(library.outside) >= 10
    assert all(1 <= len(scope.about) <= 6 and scope.subject for scope in library.outside)
    assert not any(scope.subject == lesson.id for scope in library.outside for lesson in library.lessons)


@pytest.mark.parametrize(
    ("scope", "line", "message"),
    [
        ("subjects: []\n", 1, "expected a top-level 'outside': list"),
        ("outside:\n  - about: [recipes]\n", 2, "missing required field 'subject'"),
        ("outside:\n  - subject: food\n    about: recipes\n", 3, "'about' must be a list of 1 to 6 descriptions"),
        ("outside:\n  - subject: food\n    about: [a, b, c, d, e, f, g]\n", 3, "'about' must be a list of 1 to 6"),
        ("outside:\n  - subject: food\n    about:\n      - recipes\n      - RECIPES\n", 5, "lists this description"),
        ("outside:\n  - subject: food\n    about: [recipes]\n    tags: [x]\n", 4, "unknown field 'tags'"),
        (
            "outside:\n  - subject: food\n    about: [recipes]\n  - subject: Food\n    about: [baking]\n",
            4,
            "subject 'Food' is listed twice",
        ),
    ],
)
def test_a_bad_scope_file_is_named_at_its_line(tmp_path: Path, scope: str, line: int, message: str) -> None:
    found = scope_problems(tmp_path, scope)
    assert any(p.startswith(f"{tmp_path / 'scope.yaml'}:{line}: ") and message in p for p in found), found


def test_a_scope_file_is_not_read_as_lessons(tmp_path: Path) -> None:
    assert scope_problems(tmp_path, "outside:\n  - subject: food\n    about: [recipes and dinner]\n") == []


def test_a_question_closer_to_a_subject_left_out_is_refused(library: Library) -> None:
    plain = Ranker(library.lessons)
    scoped = Ranker(library.lessons, outside=[BREAD], index=plain.index)
    question = "any tips for baking sourdough bread at home"
    before, after = plain.scored(question, 1)[0], scoped.scored(question, 1)[0]
    assert after.lesson == before.lesson
    assert after.score == pytest.approx(before.score - OUTSIDE_PENALTY)
    assert scoped.rank(question, 3) == []


def test_no_lessons_advice_is_taken_for_a_subject_left_out(library: Library) -> None:
    """Every lesson's advice, asked as it is written, is still closer to some lesson than to the scope."""
    plain = Ranker(library.lessons)
    scoped = Ranker(library.lessons, outside=library.outside, index=plain.index)
    for lesson in library.lessons:
        assert scoped.scored(lesson.text, 1)[0].score == pytest.approx(plain.scored(lesson.text, 1)[0].score), lesson.id
