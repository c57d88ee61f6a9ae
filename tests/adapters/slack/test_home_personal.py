"""The Home tab's personal tip: the person's own schedule, with Pause / Resume / Stop that act and re-publish.

Over signed HTTP to the real bolt app, as in test_home.py; the fake Slack checks every
views.publish against Slack's spec and Block Kit limits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.adapters.slack.home_view import ME_ACTIONS
from bot.core.commands import CommandEngine
from bot.core.daily import Daily, Invocation
from bot.core.library import Library
from bot.daily.service import DailyService
from bot.store import ChannelKey, Platform, Store
from tests.adapters.slack.test_home import NOW, Home, element, headers, serve_home, texts
from tests.fakes.slack_server import TEAM_ID, FakeSlack

ANA, BOB = "U0ANA", "U0BOB"
HEADER = "Your tip of the day by direct message"


def key(user: str) -> ChannelKey:
    return ChannelKey(platform=Platform.SLACK, workspace_id=TEAM_ID, channel_id=user)


@pytest.fixture
async def home(fake_slack: FakeSlack, library: Library, store: Store) -> AsyncIterator[Home]:
    daily = DailyService(store, clock=lambda: NOW)
    me = Invocation(
        platform=Platform.SLACK, workspace_id=TEAM_ID, channel_id="C0X", user_id=ANA, user_name="ana", can_manage=False
    )
    daily.handle(Daily(args=("08:00", "Europe/Berlin", "weekdays"), personal=True), me)
    async for served in serve_home(fake_slack, CommandEngine(library, daily=daily)):
        yield served


def section(view: dict[str, Any]) -> list[str]:
    """The texts of the personal tip's part of the view (its header to the next divider)."""
    blocks = view["blocks"]
    start = next(i for i, b in enumerate(blocks) if b["type"] == "header" and b["text"]["text"] == HEADER)
    end = next(i for i in range(start, len(blocks)) if blocks[i]["type"] == "divider")
    return texts({"blocks": blocks[start:end]})


def labels(view: dict[str, Any]) -> list[str]:
    return [e["text"]["text"] for e in element(view, ME_ACTIONS["off"])[1]["elements"]]


async def press(home: Home, user: str, word: str) -> dict[str, Any]:
    return await home.act(user, {"type": "button", "action_id": ME_ACTIONS[word], "value": word})


async def test_the_home_tab_shows_the_person_s_tip_with_pause_and_stop(home: Home) -> None:
    view = await home.open(ANA)
    assert section(view) == [
        HEADER,
        "You get a lesson on weekdays at 08:00 Europe/Berlin time.\nSending. Next tip: Tue 16 Jul 2024, 08:00 CEST",
        "Change the time, days or topic with `/mltip me` anywhere; `/mltip me help` says how.",
    ]
    assert labels(view) == ["Pause", "Stop"]
    stop, _ = element(view, ME_ACTIONS["off"])
    assert stop["style"] == "danger" and stop["confirm"]["confirm"]["text"] == "Stop it"  # asks before stopping


async def test_pause_resume_and_stop_act_and_re_publish(home: Home, store: Store) -> None:
    await home.open(ANA)
    view = await press(home, ANA, "pause")
    assert texts(view)[0] == "Paused until you run /mltip me resume. Your schedule is kept."
    subscription = store.subscriptions.get(key(ANA))
    assert subscription is not None and subscription.paused
    assert section(view)[1].endswith(
        "\nPaused by u0ana (U0ANA) since Mon 15 Jul 2024, 08:00 CEST."
        " Next tip, once resumed: Tue 16 Jul 2024, 08:00 CEST"
    )
    assert labels(view) == ["Resume", "Stop"]

    view = await press(home, ANA, "resume")
    assert texts(view)[0] == "You get a lesson on weekdays at 08:00 Europe/Berlin time again."
    assert labels(view) == ["Pause", "Stop"] and "Sending." in section(view)[1]

    view = await press(home, ANA, "off")
    assert texts(view)[0].startswith("Stopped: no more tips by direct message.")
    assert store.subscriptions.get(key(ANA)) is None
    assert section(view) == [
        HEADER,
        "You have none yet. Start one with `/mltip me 08:00 Europe/Berlin weekdays`: "
        "a lesson in your DMs at your time.",
    ]
    assert not [b for b in view["blocks"] if b.get("block_id") == "me"]  # no buttons for a tip there is not


async def test_a_press_acts_on_the_presser_s_own_tip_only(home: Home, store: Store) -> None:
    await home.open(BOB)
    view = await press(home, BOB, "pause")  # Bob has none; Ana's stays as it is
    assert (
        texts(view)[0] == "You have no tip of the day to pause. Start one with /mltip me 08:00 Europe/Berlin weekdays."
    )
    ana = store.subscriptions.get(key(ANA))
    assert ana is not None and not ana.paused


async def test_a_forged_value_gets_a_notice_and_changes_nothing(home: Home, store: Store) -> None:
    await home.open(ANA)
    view = await home.act(ANA, {"type": "button", "action_id": ME_ACTIONS["off"], "value": "08:00 UTC"})
    assert texts(view)[0] == "That button is no longer valid. Open the Home tab again."
    ana = store.subscriptions.get(key(ANA))
    assert ana is not None and ana.timezone == "Europe/Berlin"


async def test_without_a_database_there_is_no_personal_section(fake_slack: FakeSlack, engine: CommandEngine) -> None:
    async for home in serve_home(fake_slack, engine):
        assert HEADER not in headers(await home.open(ANA))
