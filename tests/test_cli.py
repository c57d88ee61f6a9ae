"""The `mltip` command line, run as a user runs it: a real subprocess, real content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.store import head_revision
from tests.support.paths import REPO_ROOT

# The runs' database: never the developer's own (~/.local/share/mltip); removed when the tests end.
DATA_DIR = tempfile.TemporaryDirectory(prefix="mltip-test-")
LESSON_KEYS = {"id", "title", "text", "quote", "topics", "source"}
SOURCE_KEYS = {"id", "speaker", "role", "title", "publisher"}


def mltip(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    for name in ("SLACK_BOT_TOKEN", "DISCORD_TOKEN", "MLTIP_CONTENT_DIR", "MLTIP_DATABASE_URL", "MLTIP_SLACK_ADMINS"):
        if name not in (env or {}):
            environment.pop(name, None)
    if "MLTIP_DATA_DIR" not in (env or {}):
        environment["MLTIP_DATA_DIR"] = DATA_DIR.name
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=environment,
        timeout=60,
        check=False,
    )


def assert_lesson_object(data: dict[str, object]) -> None:
    assert LESSON_KEYS <= set(data) <= LESSON_KEYS | {"timestamp", "url"}
    assert isinstance(data["source"], dict) and SOURCE_KEYS <= set(data["source"]) <= SOURCE_KEYS | {"url"}
    for url in (data.get("url"), data["source"].get("url")):
        assert url is None or (isinstance(url, str) and url.startswith("https://")), url


def test_search_json_returns_iglovikov_first_for_is_kaggle_worth_it() -> None:
    result = mltip("search", "is kaggle worth it", "--limit", "3", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert len(found) == 3
    assert found[0]["id"] == "iglovikov-kaggle-worth-it" and found[0]["source"]["speaker"] == "Vladimir Iglovikov"
    for lesson in found:
        assert_lesson_object(lesson)


def test_tip_json_prints_one_lesson_object() -> None:
    result = mltip("tip", "--json")
    assert result.returncode == 0, result.stderr
    assert_lesson_object(json.loads(result.stdout))
    podcast = json.loads(mltip("tip", "researchers", "deploy", "notebook", "--json").stdout)
    assert podcast["source"]["id"] == "eric" and ":" in podcast["timestamp"]


def test_lessons_json_says_where_to_read_each_lesson() -> None:
    lessons = json.loads(mltip("lessons", "--json").stdout)
    for lesson in lessons:
        assert_lesson_object(lesson)
        assert lesson["source"]["url"].startswith("https://"), lesson["id"]
    deploy = next(lesson for lesson in lessons if lesson["id"] == "eric-researchers-deploy-past-the-notebook")
    # 45:48 into the recording: the deep link plays the quote, the source url is the episode page.
    assert deploy["timestamp"] == "45:48" and deploy["url"].endswith("&t=2748s")
    assert deploy["source"]["url"] == "https://datatalks.club/podcast/s05e05-researchers-vs-engineers.html"
    assert all("url" not in lesson for lesson in lessons if "timestamp" not in lesson)


def test_lessons_json_lists_every_lesson() -> None:
    lessons = json.loads(mltip("lessons", "--json").stdout)
    assert len(lessons) >= 60 and len({lesson["id"] for lesson in lessons}) == len(lessons)


def test_topics_and_sources_print_readable_lists() -> None:
    assert "kaggle: Kaggle and ML competitions" in mltip("topics").stdout
    assert "Vladimir Iglovikov" in mltip("sources").stdout


def test_content_check_passes_on_shipped_content() -> None:
    result = mltip("content", "check")
    assert result.returncode == 0 and result.stdout.startswith("ok: ")


def test_content_check_prints_file_line_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "lessons:\n  - id: gordic-x\n    title: T\n    text: T\n    quote: one two three four\n"
        "    topics: [astrology]\n    source: gordic\n"
    )
    result = mltip("content", "check", str(bad))
    assert result.returncode == 1
    assert f"{bad}:6: unknown topic(s) ['astrology']" in result.stdout


def test_content_check_refuses_a_source_link_that_is_not_https(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: team\n    speaker: Our Team\n    role: ML team\n    title: Wiki\n"
        "    publisher: Internal\n    kind: essay\n    url: http://wiki.example.org/ml\n"
    )
    result = mltip("content", "check", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path / 'sources.yaml'}:8: 'url' must be an https:// link" in result.stdout


def test_the_bot_refuses_to_start_on_invalid_extra_content(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("lessons:\n\t- id: x\n")
    result = mltip("run", env={"MLTIP_CONTENT_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "refusing to start" in result.stderr and f"{tmp_path / 'bad.yaml'}:2: tab character" in result.stderr


@pytest.mark.process
def test_run_without_tokens_serves_the_console_from_piped_stdin() -> None:
    result = mltip("run", stdin="/mltip kaggle\n1\n2\n/mltip help\nquit\n/mltip never reached\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("[1] Another   [2] Share") == 2  # the first answer and the Another one
    assert "Kaggle" in out and "(shared by you)" in out and "== How to use /mltip ==" in out
    assert "never reached" not in out


def test_tip_never_imports_the_chat_libraries() -> None:
    code = (
        "import sys; from bot.cli import main; main(['tip', 'kaggle']); "
        "bad = [m for m in ('slack_bolt', 'slack_sdk', 'discord', 'aiohttp', 'apscheduler', 'sqlalchemy') "
        "if m in sys.modules]; print('LOADED', bad)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    assert "LOADED []" in result.stdout, result.stdout + result.stderr


def test_a_bad_setting_gets_a_message_not_a_traceback() -> None:
    result = mltip("tip", env={"MLTIP_HTTP_PORT": "eighty"})
    assert result.returncode == 2 and "MLTIP_HTTP_PORT must be a port number" in result.stderr


@pytest.mark.process
def test_run_on_the_console_keeps_a_tip_of_the_day_in_the_database(tmp_path: Path) -> None:
    env = {"MLTIP_DATA_DIR": str(tmp_path)}
    subscribed = mltip("run", stdin="/mltip daily 09:00 Asia/Kolkata\n", env=env)
    assert subscribed.returncode == 0, subscribed.stderr
    assert "== Tip of the day: subscribed ==" in subscribed.stdout and "Asia/Kolkata" in subscribed.stdout
    assert (tmp_path / "mltip.db").exists()
    # A new process: the subscription was stored, not kept in memory.
    status = mltip("run", stdin="/mltip daily status\n", env=env)
    assert "== Tip of the day: on ==" in status.stdout
    assert "every day at 09:00 Asia/Kolkata time" in status.stdout and status.stdout.count(" IST") >= 3


def test_db_upgrade_creates_the_schema_and_says_where() -> None:
    result = mltip("db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.startswith("ok: the database at sqlite:///")
        and f"schema revision {head_revision()}" in result.stdout
    )


def test_db_upgrade_names_an_unreachable_database_without_its_password() -> None:
    result = mltip("db", "upgrade", env={"MLTIP_DATABASE_URL": "postgresql://mltip:hunter2@127.0.0.1:1/mltip"})
    assert result.returncode == 1
    assert "cannot reach the database at postgresql://mltip:***@127.0.0.1:1/mltip" in result.stderr
    assert "check MLTIP_DATABASE_URL" in result.stderr and "hunter2" not in result.stderr


def test_tip_and_search_never_import_the_database() -> None:
    code = (
        "import sys; from bot.cli import main; main(['search', 'kaggle', '--json']); "
        "print('LOADED', [m for m in ('sqlalchemy', 'alembic', 'psycopg') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    assert "LOADED []" in result.stdout, result.stdout + result.stderr
