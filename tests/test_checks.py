"""A setup that cannot work is refused at start-up with a message that says what to fix."""

from __future__ import annotations

import pytest

from bot.checks import check_settings
from bot.config import Settings
from tests.test_cli import mltip

DISCORD = "MTA4NzE2NzQ3OTk2Njc0NjU2Mg.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456789AB"


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
