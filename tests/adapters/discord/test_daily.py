"""`/mltip-daily` through the fake gateway: Manage Server subscribes, others are refused, anyone sees status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.daily.service import DailyService
from bot.errors import ConfigError
from bot.store import ChannelKey, Platform, Store
from tests.adapters.discord.harness import StartAdapter
from tests.adapters.discord.limits import embed_problems
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import Exchange, FakeDiscord
from tests.support.clock import FakeClock
from tests.support.databases import sqlite_url

NOW = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)  # Monday, 08:00 in Berlin
CHANNEL_MESSAGE, AUTOCOMPLETE_RESULT = 4, 8
SUBCOMMAND, STRING = 1, 3
SEND_MESSAGES_AND_EMBED_LINKS = str((1 << 11) | (1 << 14))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(sqlite_url(tmp_path)) as opened:
        yield opened


@pytest.fixture
async def adapter(start_adapter: StartAdapter, library: Library, store: Store) -> DiscordAdapter:
    return await start_adapter(with_engine=CommandEngine(library, daily=DailyService(store, clock=FakeClock(NOW))))


def member_without_manage_server() -> dict[str, Any]:
    return {**p.member(p.user(p.snowflake(), "bo")), "permissions": SEND_MESSAGES_AND_EMBED_LINKS}


def channel_of(fake: FakeDiscord) -> ChannelKey:
    return ChannelKey(platform=Platform.DISCORD, workspace_id=fake.guild_id, channel_id=fake.channel_id)


async def daily(fake: FakeDiscord, action: str, *, by: dict[str, Any] | None = None, **options: str) -> Exchange:
    """A member runs `/mltip-daily <action> option:value ...`."""
    given = [{"type": STRING, "name": name, "value": value} for name, value in options.items()]
    data = p.command_data(
        fake.command_definition("mltip-daily"), [{"type": SUBCOMMAND, "name": action, "options": given}]
    )
    return await fake.interact(p.CHAT_INPUT, data, by=by)


def answer(exchange: Exchange) -> dict[str, Any]:
    assert exchange.callback["type"] == CHANNEL_MESSAGE
    data: dict[str, Any] = exchange.callback["data"]
    assert data["flags"] & p.EPHEMERAL and data["allowed_mentions"] == {"parse": []}
    return data


async def test_a_member_with_manage_server_subscribes_the_channel(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store
) -> None:
    data = answer(await daily(fake, "set", time="09:00", zone="Europe/Berlin", days="weekdays", topic="papers"))
    [embed] = data["embeds"]
    assert embed["title"] == "Tip of the day: subscribed" and not embed_problems(embed)
    assert embed["description"] == "This channel gets a lesson on papers on weekdays at 09:00 Europe/Berlin time."
    assert {"name": "Next post", "value": "Mon 15 Jul 2024, 09:00 CEST", "inline": False} in embed["fields"]
    subscription = store.subscriptions.get(channel_of(fake))
    assert subscription is not None and subscription.topic == "papers"
    assert subscription.created_by == f"ada ({fake.member['user']['id']})"


async def test_a_member_without_manage_server_is_refused(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store
) -> None:
    data = answer(await daily(fake, "set", by=member_without_manage_server(), time="09:00", zone="Europe/Berlin"))
    assert data["content"].startswith("Sorry, only members with the Manage Server permission can change")
    assert store.subscriptions.get(channel_of(fake)) is None


async def test_anyone_sees_the_status_through_mltip(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    answer(await daily(fake, "set", time="21:30", zone="Asia/Kolkata"))
    data = answer(await fake.command("daily status", by=member_without_manage_server()))
    [embed] = data["embeds"]
    assert embed["title"] == "Tip of the day: on" and not embed_problems(embed)
    upcoming = next(f["value"] for f in embed["fields"] if f["name"] == "Next posts")
    assert upcoming == "Mon 15 Jul 2024, 21:30 IST; Tue 16 Jul 2024, 21:30 IST; Wed 17 Jul 2024, 21:30 IST"
    status = answer(await daily(fake, "status"))  # and through /mltip-daily, for those who see it
    assert status["embeds"][0]["fields"] == embed["fields"]


async def test_pause_resume_and_off(fake: FakeDiscord, adapter: DiscordAdapter, store: Store) -> None:
    answer(await daily(fake, "set", time="09:00", zone="Europe/Berlin"))
    assert answer(await daily(fake, "pause", note="exams"))["embeds"][0]["title"] == "Tip of the day: paused"
    subscription = store.subscriptions.get(channel_of(fake))
    assert subscription is not None and subscription.paused
    assert answer(await daily(fake, "resume"))["embeds"][0]["title"] == "Tip of the day: resumed"
    assert answer(await daily(fake, "off"))["embeds"][0]["title"] == "Tip of the day: stopped"
    assert store.subscriptions.get(channel_of(fake)) is None


async def test_a_time_that_is_an_action_word_is_not_taken_for_one(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store
) -> None:
    answer(await daily(fake, "set", time="09:00", zone="Europe/Berlin"))
    data = answer(await daily(fake, "set", time="off"))
    assert data["content"].startswith("'off' is not a time I understand.")
    assert store.subscriptions.get(channel_of(fake)) is not None


def zone_option(fake: FakeDiscord) -> dict[str, Any]:
    """`/mltip-daily set`'s zone option, as Discord has it."""
    [set_command] = [o for o in fake.command_definition("mltip-daily")["options"] if o["name"] == "set"]
    [zone] = [o for o in set_command["options"] if o["name"] == "zone"]
    found: dict[str, Any] = zone
    return found


async def test_the_zone_option_names_utc_when_no_default_zone_is_configured(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    assert zone_option(fake)["description"] == "Your time zone, e.g. Europe/Berlin (default UTC)"


async def test_the_zone_option_names_the_configured_default_zone(
    fake: FakeDiscord, start_adapter: StartAdapter, library: Library, store: Store
) -> None:
    service = DailyService(store, clock=FakeClock(NOW), default_zone="asia/kolkata")
    await start_adapter(with_engine=CommandEngine(library, daily=service), default_timezone="asia/kolkata")
    assert zone_option(fake)["description"] == "Your time zone, e.g. Europe/Berlin (default Asia/Kolkata)"
    answer(await daily(fake, "set", time="09:00"))  # no zone: the time is in the zone the option named
    subscription = store.subscriptions.get(channel_of(fake))
    assert subscription is not None and subscription.timezone == "Asia/Kolkata"


async def test_changing_the_default_zone_syncs_the_commands_once(
    fake: FakeDiscord, start_adapter: StartAdapter
) -> None:
    synced = []
    for zone in ("UTC", "Europe/Berlin", "Europe/Berlin"):  # three starts, one after the other
        adapter = await start_adapter(default_timezone=zone)
        synced.append(adapter.synced)
        await adapter.close()
    assert synced == [True, True, False]
    assert zone_option(fake)["description"].endswith("(default Europe/Berlin)")


async def test_a_default_zone_that_is_not_a_place_stops_the_start(
    fake: FakeDiscord, start_adapter: StartAdapter
) -> None:
    with pytest.raises(ConfigError, match="MLTIP_DEFAULT_TIMEZONE: Unknown time zone 'Mars/Olympus_Mons'"):
        await start_adapter(default_timezone="Mars/Olympus_Mons")
    assert not fake.requests  # nothing was asked of Discord
    assert (await start_adapter()).connected  # and nothing was left claimed


async def test_a_misspelt_zone_gets_suggestions(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    data = answer(await daily(fake, "set", time="09:00", zone="Europe/Berln"))
    assert data["content"].startswith("Unknown time zone 'Europe/Berln'. Did you mean Europe/Berlin")


async def autocomplete(fake: FakeDiscord, option: str, current: str) -> list[dict[str, str]]:
    focused = [{"type": STRING, "name": option, "value": current, "focused": True}]
    options = [{"type": SUBCOMMAND, "name": "set", "options": focused}]
    exchange = await fake.interact(p.AUTOCOMPLETE, p.command_data(fake.command_definition("mltip-daily"), options))
    assert exchange.callback["type"] == AUTOCOMPLETE_RESULT
    choices: list[dict[str, str]] = exchange.callback["data"]["choices"]
    assert len(choices) <= 25 and all(1 <= len(c["name"]) <= 100 and 1 <= len(c["value"]) <= 100 for c in choices)
    return choices


async def test_the_zone_autocompletes(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    assert (await autocomplete(fake, "zone", "berl"))[0]["value"] == "Europe/Berlin"
    assert (await autocomplete(fake, "zone", "new york"))[0]["value"] == "America/New_York"
    common = [c["value"] for c in await autocomplete(fake, "zone", "")]
    assert common[0] == "UTC" and "Asia/Kolkata" in common and "Europe/Berlin" in common


async def test_the_days_autocomplete(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    assert [c["value"] for c in await autocomplete(fake, "days", "week")] == ["weekdays", "weekends", "weekly on mon"]
    assert [c["value"] for c in await autocomplete(fake, "days", "month")] == ["monthly on 1"]


async def test_mltip_offers_daily_status_in_its_autocomplete(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    choices = (await fake.autocomplete("dai")).callback["data"]["choices"]
    assert choices[0]["value"] == "daily status"


async def test_the_command_defaults_to_manage_server_and_servers_only(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    definition = fake.command_definition("mltip-daily")
    assert definition["default_member_permissions"] == "32" and definition["contexts"] == [0]
    assert fake.command_definition()["default_member_permissions"] is None  # /mltip: everyone


async def test_set_with_thread_and_pin_checks_the_bots_permissions_and_names_what_to_grant(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store
) -> None:
    definition = fake.command_definition("mltip-daily")
    [set_command] = [o for o in definition["options"] if o["name"] == "set"]
    assert {o["name"]: o["type"] for o in set_command["options"]}.keys() >= {"thread", "pin"}
    fake.app_permissions &= ~((1 << 51) | (1 << 35))  # no Pin Messages, no Create Public Threads
    options = [
        {"type": STRING, "name": "time", "value": "09:00"},
        {"type": 5, "name": "thread", "value": True},
        {"type": 5, "name": "pin", "value": True},
    ]
    data = p.command_data(definition, [{"type": SUBCOMMAND, "name": "set", "options": options}])
    refused = answer(await fake.interact(p.CHAT_INPUT, data))
    assert "missing Create Public Threads, Pin Messages" in json.dumps(refused)
    assert store.subscriptions.get(channel_of(fake)) is None
    fake.app_permissions |= (1 << 51) | (1 << 35)
    answer(await fake.interact(p.CHAT_INPUT, data))
    subscription = store.subscriptions.get(channel_of(fake))
    assert subscription is not None and (subscription.thread, subscription.pin) == (True, True)


async def test_without_send_messages_even_a_plain_schedule_is_refused(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Store
) -> None:
    fake.app_permissions &= ~(1 << 11)
    refused = answer(await daily(fake, "set", time="09:00"))
    assert "missing Send Messages" in json.dumps(refused) and store.subscriptions.get(channel_of(fake)) is None
