"""`/mltip` installed for a person: usable in DMs and servers without the bot, answered privately there.

Every interaction goes through the real discord.py and the fake Discord's gateway, and every body
the bot sends is validated against Discord's OpenAPI spec (the `fake` fixture fails otherwise).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.sync import same_commands
from tests.adapters.discord.harness import StartAdapter
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import FakeDiscord

GLOBAL = "/applications/{application_id}/commands"
CHANNEL_MESSAGE = 4
NOT_HERE = p.SERVER_USER_INSTALL, p.BOT_DM, p.GROUP_DM


VOTES = ["👍 Helpful", "👎 Not helpful"]


def labels(data: dict[str, Any]) -> list[str]:
    return [button["label"] for row in data.get("components", []) for button in row["components"]]


def custom_id(data: dict[str, Any], label: str) -> str:
    return str(next(b["custom_id"] for row in data["components"] for b in row["components"] if b["label"] == label))


async def test_mltip_is_user_installable_and_mltip_daily_stays_with_servers(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    [put] = fake.requests_to("PUT", GLOBAL)
    mltip, daily = put.json
    assert mltip["integration_types"] == [0, 1]  # guild install, user install
    assert mltip["contexts"] == [0, 1, 2]  # guild, bot DM, private channels
    assert daily["integration_types"] == [0] and daily["contexts"] == [0]
    assert fake.validator is not None
    assert fake.validator.errors("PUT", GLOBAL, put.json) == []  # Discord's spec takes them
    # ... and the check is real: a context Discord does not have, or one twice, is refused.
    assert fake.validator.errors("PUT", GLOBAL, [{**mltip, "contexts": [0, 3]}])
    assert fake.validator.errors("PUT", GLOBAL, [{**mltip, "integration_types": [1, 1]}])


async def test_install_types_in_another_order_are_no_change_but_an_old_definition_is(
    fake: FakeDiscord, start_adapter: StartAdapter
) -> None:
    await (await start_adapter()).close()
    stored = fake.commands[None][0]
    stored["integration_types"], stored["contexts"] = [1, 0], [2, 0, 1]
    second = await start_adapter()
    assert not second.synced and len(fake.requests_to("PUT", GLOBAL)) == 1
    await second.close()

    stored["integration_types"], stored["contexts"] = [0], [0, 1]  # as the bot declared before user installs
    assert (await start_adapter()).synced
    assert len(fake.requests_to("PUT", GLOBAL)) == 2
    assert fake.commands[None][0]["integration_types"] == [0, 1]


def test_set_valued_keys_compare_as_sets_and_other_lists_in_order() -> None:
    local = {"name": "mltip", "description": "d", "contexts": [0, 1, 2], "integration_types": [0, 1]}
    assert same_commands([local], [{**local, "contexts": [2, 1, 0], "integration_types": [1, 0]}])
    assert not same_commands([local], [{**local, "contexts": [0, 1]}])
    options = [{"type": 3, "name": "a", "description": "a"}, {"type": 3, "name": "b", "description": "b"}]
    assert not same_commands([{**local, "options": options}], [{**local, "options": options[::-1]}])


async def test_in_a_server_that_added_the_bot_share_posts_for_everyone(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    first = await fake.command("kaggle", place=p.SERVER)
    assert labels(first.callback["data"]) == ["Another", "Share", "Read the original", *VOTES]
    assert first.message is not None
    shared = await fake.press(first.message, custom_id(first.callback["data"], "Share"), place=p.SERVER)
    assert not shared.callback["data"].get("flags", 0) & p.EPHEMERAL


@pytest.mark.parametrize("place", NOT_HERE)
async def test_where_the_bot_is_not_a_member_answers_are_private_and_offer_no_share(
    fake: FakeDiscord, adapter: DiscordAdapter, place: str
) -> None:
    exchange = await fake.command("kaggle", place=place)
    assert exchange.interaction["context"] == p.CONTEXTS[place]
    data = exchange.callback["data"]
    assert exchange.callback["type"] == CHANNEL_MESSAGE and data["flags"] & p.EPHEMERAL
    assert labels(data) == ["Another", "Read the original", *VOTES]
    assert exchange.message is not None
    another = await fake.press(exchange.message, custom_id(data, "Another"), place=place)
    assert "Share" not in labels(another.callback["data"])


@pytest.mark.parametrize("place", NOT_HERE)
async def test_a_share_pressed_where_the_bot_is_not_a_member_is_explained_privately(
    fake: FakeDiscord, adapter: DiscordAdapter, place: str
) -> None:
    first = await fake.command("kaggle", place=p.SERVER)  # a message with Share, pressed elsewhere
    assert first.message is not None
    shared = await fake.press(first.message, custom_id(first.callback["data"], "Share"), place=place)
    assert shared.callback["type"] == CHANNEL_MESSAGE
    data = shared.callback["data"]
    assert data["flags"] & p.EPHEMERAL and data["content"].startswith("Share posts a lesson for everyone")
    assert "embeds" not in data or not data["embeds"]


@pytest.mark.parametrize(
    ("place", "answer"),
    [
        (p.SERVER_USER_INSTALL, "mltip is installed for you, not for this server"),
        (p.BOT_DM, "The tip of the day is for server channels"),
        (p.GROUP_DM, "The tip of the day is for server channels"),
    ],
)
async def test_the_tip_of_the_day_is_refused_where_the_bot_cannot_post(
    fake: FakeDiscord, adapter: DiscordAdapter, place: str, answer: str
) -> None:
    exchange = await fake.command("daily status", place=place)
    data = exchange.callback["data"]
    assert data["flags"] & p.EPHEMERAL and data["content"].startswith(answer)
