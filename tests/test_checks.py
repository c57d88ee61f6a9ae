"""A setup that cannot work is refused at start-up with a message that says what to fix."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bot.checks import check_database, check_settings
from bot.config import Settings
from bot.core.library import Library
from bot.daily.service import DailyService
from bot.errors import ConfigError
from bot.runner import build_engine
from bot.store import Store
from tests.support.databases import PG_URL, SKIP_PG, sqlite_url
from tests.test_cli import mltip

needs_pg = pytest.mark.skipif(not PG_URL, reason=SKIP_PG)

DISCORD = "MTA4NzE2NzQ3OTk2Njc0NjU2Mg.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456789AB"
CLIENT_ID = "1111111111.2222222222"
OAUTH = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "c0ffee"}  # the install flow, many workspaces


@pytest.mark.parametrize(
    ("env", "fix"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxp-1-2-3", "SLACK_SIGNING_SECRET": "s"},
            "SLACK_BOT_TOKEN is a user token; use the Bot",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2"}, "Slack HTTP mode needs SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN is a bot token"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "Socket Mode needs both"),
        ({"DISCORD_TOKEN": "xoxb-123"}, "DISCORD_TOKEN does not look like a Discord bot token"),
        ({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_SECRET is not; the install"),
        ({"SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_ID is not; the install flow"),
        ({**OAUTH}, "Slack HTTP mode needs SLACK_SIGNING_SECRET"),
        ({**OAUTH, "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}, "unset SLACK_BOT_TOKEN to distribute"),
        ({**OAUTH, "SLACK_APP_TOKEN": "xapp-1"}, "install flow (SLACK_CLIENT_ID) needs HTTP mode"),
        ({**OAUTH, "SLACK_SIGNING_SECRET": "c0ffee"}, "SLACK_CLIENT_SECRET is the same as SLACK_SIGNING_SECRET"),
    ],
)
def test_bad_setups_are_named_with_the_fix(env: dict[str, str], fix: str) -> None:
    problems = check_settings(Settings.from_env(env))
    assert any(fix in p for p in problems), problems


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_SIGNING_SECRET": "secret"},
        {"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_APP_TOKEN": "xapp-1-2"},
        {"DISCORD_TOKEN": DISCORD},
        {**OAUTH, "SLACK_SIGNING_SECRET": "secret"},
    ],
)
def test_good_setups_pass(env: dict[str, str]) -> None:
    assert check_settings(Settings.from_env(env)) == []


def test_check_config_and_run_refuse_a_user_token() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxp-1234-5678", "SLACK_SIGNING_SECRET": "secret"}
    checked = mltip("check-config", env=env)
    assert checked.returncode == 1 and "SLACK_BOT_TOKEN is a user token" in checked.stdout
    refused = mltip("run", env=env)
    assert refused.returncode == 2 and "refusing to start" in refused.stderr
    assert "xoxp-1234-5678" not in refused.stderr + checked.stdout


def test_check_config_passes_with_no_tokens() -> None:
    result = mltip("check-config")
    assert result.returncode == 0 and result.stdout.startswith("ok: console only")


def test_an_unreachable_database_is_named_without_its_password() -> None:
    settings = Settings(database_url="postgresql+psycopg://mltip:hunter2@127.0.0.1:1/mltip")
    started = time.monotonic()
    [problem] = check_database(settings, timeout=2)
    assert time.monotonic() - started < 10
    assert problem.startswith("cannot reach the database at postgresql+psycopg://mltip:***@127.0.0.1:1/mltip: ")
    assert "Connection refused" in problem and problem.endswith("; check MLTIP_DATABASE_URL")
    assert "hunter2" not in problem


def test_a_database_url_of_another_kind_is_refused_with_the_fix() -> None:
    [problem] = check_database(Settings(database_url="mysql://root@localhost/mltip"))
    assert "must be sqlite:///PATH or postgresql://" in problem


@pytest.mark.parametrize("where", ["sqlite", pytest.param("postgresql", marks=needs_pg)])
def test_a_reachable_database_passes(where: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'mltip.db'}" if where == "sqlite" else PG_URL
    assert check_database(Settings(database_url=url)) == []


def test_check_config_reports_an_unreachable_database() -> None:
    result = mltip("check-config", env={"MLTIP_DATABASE_URL": "postgresql://mltip:hunter2@127.0.0.1:1/mltip"})
    assert result.returncode == 1 and "problem: cannot reach the database at postgresql://mltip:***@" in result.stdout
    assert "hunter2" not in result.stdout


def test_slack_admins_are_member_ids() -> None:
    settings = Settings.from_env({"MLTIP_SLACK_ADMINS": "U012AB3CD, W0XYZ12"})
    assert settings.slack_admins == frozenset({"U012AB3CD", "W0XYZ12"})
    assert Settings.from_env({}).slack_admins == frozenset()
    with pytest.raises(ConfigError, match=r"MLTIP_SLACK_ADMINS must be Slack member ids .* 'ana' is not one"):
        Settings.from_env({"MLTIP_SLACK_ADMINS": "U012AB3CD,ana"})


def test_an_unknown_default_time_zone_is_refused_with_suggestions() -> None:
    problems = check_settings(Settings.from_env({"MLTIP_DEFAULT_TIMEZONE": "Europe/Berlim"}))
    assert len(problems) == 1 and "MLTIP_DEFAULT_TIMEZONE" in problems[0] and "Europe/Berlin" in problems[0]
    assert check_settings(Settings.from_env({"MLTIP_DEFAULT_TIMEZONE": "Asia/Kolkata"})) == []
    refused = mltip("check-config", env={"MLTIP_DEFAULT_TIMEZONE": "Mars/Olympus"})
    assert refused.returncode == 1 and "MLTIP_DEFAULT_TIMEZONE" in refused.stdout


def test_the_subscription_cap_per_workspace_is_read_and_checked(library: Library, tmp_path: Path) -> None:
    assert Settings.from_env({}).max_subscriptions_per_workspace == 500
    settings = Settings.from_env({"MLTIP_MAX_SUBSCRIPTIONS_PER_WORKSPACE": "20", "MLTIP_DATA_DIR": str(tmp_path)})
    assert settings.max_subscriptions_per_workspace == 20
    for bad in ("0", "-3", "lots", "2.5"):
        with pytest.raises(ConfigError, match=rf"MLTIP_MAX_SUBSCRIPTIONS_PER_WORKSPACE .* not '{re.escape(bad)}'"):
            Settings.from_env({"MLTIP_MAX_SUBSCRIPTIONS_PER_WORKSPACE": bad})
    with Store.open(sqlite_url(tmp_path)) as store:
        engine = build_engine(library, store, settings)
        assert isinstance(engine.daily, DailyService) and engine.daily.max_subscriptions_per_workspace == 20
