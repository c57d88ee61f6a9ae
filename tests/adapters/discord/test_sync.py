"""Command sync: once when the definitions change, never on a restart that changed nothing."""

from __future__ import annotations

import logging

import pytest

from bot.adapters.discord.sync import same_commands
from tests.adapters.discord.harness import StartAdapter
from tests.fakes.discord_payloads import JSON
from tests.fakes.discord_server import FakeDiscord

GLOBAL = "/applications/{application_id}/commands"
GUILD = "/applications/{application_id}/guilds/{guild_id}/commands"


async def test_first_start_syncs_and_an_unchanged_restart_does_not(
    fake: FakeDiscord, start_adapter: StartAdapter
) -> None:
    first = await start_adapter()
    assert first.synced
    [put] = fake.requests_to("PUT", GLOBAL)
    mltip, daily = put.json
    assert mltip["name"] == "mltip" and mltip["contexts"] == [0, 1, 2] and mltip["integration_types"] == [0, 1]
    assert mltip["options"] == [
        {
            "type": 3,
            "name": "query",
            "description": "A question or a topic; or topics, sources, help",
            "required": False,
            "autocomplete": True,
            "max_length": 500,  # the core's cap on a question
        }
    ]
    assert daily["name"] == "mltip-daily" and daily["contexts"] == [0] and daily["integration_types"] == [0]
    assert daily["default_member_permissions"] == 32  # Manage Server; Discord stores it as "32"
    assert [o["name"] for o in daily["options"]] == ["set", "status", "pause", "skip", "resume", "off"]
    time, zone, days, topic, thread, pin = daily["options"][0]["options"]
    assert time["name"] == "time" and time["required"] is True
    assert (thread["name"], thread["type"], pin["name"], pin["type"]) == ("thread", 5, "pin", 5)  # booleans
    assert zone["autocomplete"] is True and days["autocomplete"] is True
    assert len(topic["choices"]) == 15
    await first.close()

    second = await start_adapter()
    assert not second.synced
    assert len(fake.requests_to("GET", GLOBAL)) == 2  # it looked ...
    assert len(fake.requests_to("PUT", GLOBAL)) == 1  # ... and left Discord alone


async def test_a_definition_changed_on_discord_is_synced_back(fake: FakeDiscord, start_adapter: StartAdapter) -> None:
    await (await start_adapter()).close()
    fake.commands[None][0]["description"] = "an older description"
    assert (await start_adapter()).synced
    assert len(fake.requests_to("PUT", GLOBAL)) == 2
    assert fake.commands[None][0]["description"] != "an older description"


async def test_a_dev_guild_gets_the_command_instantly_and_it_answers_there(
    fake: FakeDiscord, start_adapter: StartAdapter
) -> None:
    adapter = await start_adapter(discord_guild_id=int(fake.guild_id))
    assert adapter.synced
    assert [r.path for r in fake.requests_to("PUT", GUILD)] == [
        f"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
    ]
    assert not fake.requests_to("PUT", GLOBAL) and not fake.requests_to("GET", GLOBAL)
    assert fake.command_definition()["guild_id"] == fake.guild_id
    assert (await fake.command("kaggle")).callback["type"] == 4


async def test_a_failed_sync_is_logged_and_the_bot_still_runs(
    fake: FakeDiscord, start_adapter: StartAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("PUT", GUILD, 403)  # the guild never granted applications.commands
    adapter = await start_adapter(discord_guild_id=int(fake.guild_id))
    assert adapter.connected and not adapter.synced
    assert any(r.levelno == logging.ERROR and "syncing" in r.getMessage() for r in caplog.records)


def test_a_permission_set_sent_as_a_number_matches_discords_string() -> None:
    assert same_commands(
        [{**LOCAL, "default_member_permissions": 32}], [{**REMOTE, "default_member_permissions": "32"}]
    )
    assert not same_commands(
        [{**LOCAL, "default_member_permissions": 32}], [{**REMOTE, "default_member_permissions": "8"}]
    )
    assert not same_commands([{**LOCAL, "default_member_permissions": 32}], [REMOTE])


LOCAL: JSON = {
    "name": "mltip",
    "description": "d",
    "type": 1,
    "options": [{"type": 3, "name": "query", "description": "q", "required": False, "autocomplete": True}],
    "nsfw": False,
    "dm_permission": True,
    "default_member_permissions": None,
    "contexts": [0, 1],
    "integration_types": [0],
}
# As Discord answers: its own keys added, false and empty values left out.
REMOTE: JSON = {
    "id": "1",
    "application_id": "2",
    "version": "3",
    "name": "mltip",
    "description": "d",
    "type": 1,
    "options": [{"type": 3, "name": "query", "description": "q", "autocomplete": True}],
    "default_member_permissions": None,
    "contexts": [0, 1],
    "integration_types": [0],
    "name_localizations": None,
}


def test_discords_own_keys_and_omitted_defaults_are_not_differences() -> None:
    assert same_commands([LOCAL], [REMOTE])


@pytest.mark.parametrize(
    "change",
    [
        {"description": "other"},
        {"options": []},
        {"options": [{**REMOTE["options"][0], "required": True}]},
        {"options": [{**REMOTE["options"][0], "choices": [{"name": "a", "value": "a"}]}]},
        {"contexts": [0]},
        {"nsfw": True},
    ],
)
def test_real_differences_are_differences(change: dict[str, object]) -> None:
    assert not same_commands([LOCAL], [{**REMOTE, **change}])


def test_an_extra_or_missing_command_is_a_difference() -> None:
    assert not same_commands([LOCAL], [REMOTE, {**REMOTE, "name": "old"}])
    assert not same_commands([LOCAL], [])
