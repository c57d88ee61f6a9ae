"""The Slack app manifest creates the app in one step, with the least scopes it needs."""

from __future__ import annotations

import yaml

from bot.adapters.slack.shortcut import CALLBACK_ID, SHORTCUT_NAME
from tests.fakes.slack_server import MANIFEST_SCOPES
from tests.support.paths import REPO_ROOT


def test_manifest_declares_the_command_interactivity_socket_mode_and_least_scopes() -> None:
    manifest = yaml.safe_load((REPO_ROOT / "manifest.yml").read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(MANIFEST_SCOPES)
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/mltip"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert len(manifest["display_information"]["name"]) <= 35
    assert len(manifest["features"]["slash_commands"][0]["description"]) <= 100


def test_manifest_turns_on_the_home_tab_and_declares_the_message_shortcut() -> None:
    manifest = yaml.safe_load((REPO_ROOT / "manifest.yml").read_text())
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    [shortcut] = manifest["features"]["shortcuts"]
    assert shortcut == {
        "name": SHORTCUT_NAME,
        "type": "message",
        "callback_id": CALLBACK_ID,
        "description": shortcut["description"],
    }
    assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 150
