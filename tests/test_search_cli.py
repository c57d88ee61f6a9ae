"""Search from the command line: an honest no for scripts, the model loaded only for questions, a safe fallback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT
from tests.test_cli import mltip

NO_NUMPY = "import sys; sys.modules['numpy'] = None; from bot.cli import main; sys.exit(main(sys.argv[1:]))"


def test_tip_json_says_no_match_and_exits_3() -> None:
    result = mltip("tip", "what's", "a", "good", "pizza", "recipe", "--json")
    assert result.returncode == 3, result.stderr
    answer = json.loads(result.stdout)
    assert answer["lesson"] is None and answer["query"] == "what's a good pizza recipe"
    assert answer["message"] == "I don't have a lesson on that" and "kaggle" in answer["topics"]


def test_tip_says_no_match_in_words_too() -> None:
    result = mltip("tip", "will it rain tomorrow in london")
    assert result.returncode == 3
    assert result.stdout.startswith("I don't have a lesson on that: none of my lessons is close to")
    assert "mltip topics" in result.stdout


def test_search_json_is_an_empty_array_when_nothing_is_close() -> None:
    result = mltip("search", "how do i center a div in css", "--json")
    assert result.returncode == 0 and json.loads(result.stdout) == []
    words = mltip("search", "how do i center a div in css")
    assert words.returncode == 0 and "I don't have a lesson on that" in words.stdout


@pytest.mark.parametrize("args", [["tip"], ["lessons"], ["topics"], ["sources"]])
def test_commands_without_a_question_never_load_the_model(args: list[str]) -> None:
    code = (
        f"import sys; from bot.cli import main; main({args!r}); "
        "print('LOADED', [m for m in ('numpy', 'tokenizers', 'wordllama') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    assert "LOADED []" in result.stdout, result.stdout + result.stderr


def test_a_question_needs_numpy_once_then_never_and_never_imports_wordllama(tmp_path: Path) -> None:
    code = (
        "import sys; from bot.cli import main; main(['tip', 'exhausted', 'from', 'studying', 'after', 'work']); "
        "print('LOADED', [m for m in ('numpy', 'tokenizers', 'wordllama', 'pydantic') if m in sys.modules])"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}

    def loaded() -> str:
        command = [sys.executable, "-c", code]
        run = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env=env, check=False)
        return run.stdout.splitlines()[-1] if run.stdout else run.stderr

    assert loaded() == "LOADED ['numpy']"  # the first question computes and caches the lessons' products
    assert loaded() == "LOADED []"  # later ones read them: a plain-Python sum, no numpy import
    assert len(list((tmp_path / "mltip").glob("products-*.bin"))) == 2  # the lessons' and the scope's, once each


def test_check_config_says_whether_search_understands_meaning() -> None:
    result = mltip("check-config")
    assert result.returncode == 0
    assert "ok: search matches keywords and meaning (WordLlama l2_supercat, 256 dimensions)" in result.stdout


def test_without_numpy_search_falls_back_to_keywords_and_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}  # nothing computed yet, so numpy is needed

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", NO_NUMPY, *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env=env, check=False)

    check = run("check-config")
    assert check.returncode == 0, check.stderr
    assert "warning: search matches keywords only; the semantic ranker cannot load: ModuleNotFoundError" in check.stdout

    tip = run("search", "is", "kaggle", "worth", "it", "--json")
    assert tip.returncode == 0 and json.loads(tip.stdout)[0]["id"] == "iglovikov-kaggle-worth-it"
    assert tip.stderr.count("semantic search is unavailable (ModuleNotFoundError") == 1
    assert "questions are matched on keywords alone" in tip.stderr
