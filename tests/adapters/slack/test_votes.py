"""👍 / 👎 through signed HTTP: one vote per person, changed by a second press, counted per workspace,
acknowledged privately; refused questions recorded and expired; `/mltip stats` for admins only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.adapters.slack.render import render
from bot.core.commands import CommandEngine
from bot.core.feedback import Tally
from bot.core.library import Library
from bot.daily.service import DailyService
from bot.feedback.service import FeedbackService
from bot.store import ChannelKey, Platform, QuestionCount, SkipReason, Store
from bot.store.tables import unanswered_questions, votes
from tests.adapters.slack.harness import RunningBot, start_bot
from tests.fakes.slack_server import TEAM_ID, FakeSlack
from tests.store.helpers import subscribe
from tests.support.clock import FakeClock
from tests.support.databases import sqlite_url

NOW = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)
KAGGLE = "iglovikov-kaggle-worth-it"
ADMIN, MEMBER = "U0ADMIN", "U0ANA"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(sqlite_url(tmp_path)) as opened:
        yield opened


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def feedback(store: Store, library: Library, clock: FakeClock) -> FeedbackService:
    return FeedbackService(store, library, key=b"a test key of enough length", clock=clock)


@pytest.fixture
async def bot(
    fake_slack: FakeSlack, library: Library, store: Store, feedback: FeedbackService
) -> AsyncIterator[RunningBot]:
    fake_slack.admins.add(ADMIN)
    engine = CommandEngine(library, daily=DailyService(store, clock=FakeClock(NOW)), feedback=feedback)
    stop, task, url = await start_bot(fake_slack, engine)
    async with aiohttp.ClientSession() as http:
        yield RunningBot(url=url, fake=fake_slack, http=http)
    stop.set()
    await asyncio.wait_for(task, 5)


async def ask(bot: RunningBot, text: str, user: str = MEMBER) -> dict[str, Any]:
    response = await bot.command(text, user_id=user, user_name=user.lower())
    assert response.status == 200
    message: dict[str, Any] = json.loads(await response.text())
    return message


def vote_buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """label -> button, of the vote row (the last actions block)."""
    row = message["blocks"][-1]
    assert row["type"] == "actions"
    return {button["text"]["text"]: button for button in row["elements"]}


async def vote(bot: RunningBot, button: dict[str, Any], key: str, **who: Any) -> dict[str, Any]:
    """Press `button`; the response the bot posted to the press's response_url."""
    response = await bot.press(button["action_id"], button["value"], bot.fake.response_url(key), **who)
    assert response.status == 200
    await bot.fake.wait_for(lambda: any(k == key for k, _ in bot.fake.responses))
    return next(body for k, body in bot.fake.responses if k == key)


async def test_a_vote_is_private_and_counts_once_per_person_however_often_pressed(
    bot: RunningBot, store: Store
) -> None:
    helpful = vote_buttons(await ask(bot, "kaggle"))["👍 Helpful"]
    assert helpful["action_id"] == "mltip_helpful" and helpful["value"] == f"vote|up|{KAGGLE}|kaggle"
    first = await vote(bot, helpful, "1")
    # A new message only the voter sees; the lesson they voted on stays as it was.
    assert first["response_type"] == "ephemeral" and first["replace_original"] is False
    assert "Noted: you found “Is Kaggle worth it?" in first["text"]
    again = await vote(bot, helpful, "2")
    assert "already marked" in again["text"] and "counts once" in again["text"]
    await vote(bot, helpful, "3", user_id="U0BO", user_name="bo")
    assert store.votes.tallies() == {KAGGLE: Tally(up=2, down=0)}
    with store.engine.connect() as connection:
        stored = json.dumps([list(row) for row in connection.execute(select(votes))], default=str)
    assert "U0ANA" not in stored and "U0BO" not in stored  # only keyed pseudonyms


async def test_pressing_the_other_button_changes_the_vote(bot: RunningBot, store: Store) -> None:
    buttons = vote_buttons(await ask(bot, "kaggle"))
    await vote(bot, buttons["👍 Helpful"], "up")
    changed = await vote(bot, buttons["👎 Not helpful"], "down")
    assert "Changed your vote:" in changed["text"] and "not helpful" in changed["text"]
    assert store.votes.tallies() == {KAGGLE: Tally(up=0, down=1)}


async def test_votes_are_counted_per_workspace(bot: RunningBot, store: Store) -> None:
    helpful = vote_buttons(await ask(bot, "kaggle"))["👍 Helpful"]
    await vote(bot, helpful, "here")
    await vote(bot, helpful, "there", team_id="T0OTHER")  # the same user id, another workspace
    assert store.votes.tallies(platform="slack", workspace_id=TEAM_ID) == {KAGGLE: Tally(up=1, down=0)}
    assert store.votes.tallies(platform="slack", workspace_id="T0OTHER") == {KAGGLE: Tally(up=1, down=0)}


async def test_a_vote_under_the_tip_of_the_day_never_edits_the_public_post(
    bot: RunningBot, library: Library, store: Store
) -> None:
    engine = CommandEngine(library)
    posted = render(engine.tip_of_the_day(library.by_id[KAGGLE]))  # as the poster sends it
    answer = await vote(bot, vote_buttons(posted)["👎 Not helpful"], "public", ephemeral=False)
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert "What you asked" not in answer["text"]  # a daily post answered no question
    assert store.votes.tallies() == {KAGGLE: Tally(up=0, down=1)}
    assert store.questions.most_asked() == []


async def test_a_refused_question_is_recorded_without_its_asker_and_expires(
    bot: RunningBot, store: Store, feedback: FeedbackService, clock: FakeClock
) -> None:
    await ask(bot, "What's a good PIZZA recipe?!")
    await ask(bot, "what's a good pizza recipe", user="U0BO")
    await ask(bot, "is kaggle worth it")  # answered: not recorded
    assert store.questions.most_asked(platform="slack", workspace_id=TEAM_ID) == [
        QuestionCount("what s a good pizza recipe", 2)
    ]
    with store.engine.connect() as connection:
        assert "U0ANA" not in str(connection.execute(select(unanswered_questions)).all())
    clock.now = NOW + timedelta(days=90)
    feedback.upkeep()
    assert store.questions.most_asked() != []  # 90 days are kept
    clock.now = NOW + timedelta(days=91)
    feedback.upkeep()
    assert store.questions.most_asked() == []


async def test_a_thumbs_down_records_the_question_its_answer_missed_and_a_thumbs_up_takes_it_back(
    bot: RunningBot, store: Store
) -> None:
    buttons = vote_buttons(await ask(bot, "how do I get my first kaggle medal"))
    answer = await vote(bot, buttons["👎 Not helpful"], "down")
    assert "What you asked is kept (without your name)" in answer["text"]
    await vote(bot, buttons["👎 Not helpful"], "again")  # no second count
    assert store.questions.most_asked() == [QuestionCount("how do i get my first kaggle medal", 1)]
    await vote(bot, buttons["👍 Helpful"], "up")
    assert store.questions.most_asked() == []


async def test_stats_are_for_admins_only(bot: RunningBot, store: Store) -> None:
    buttons = vote_buttons(await ask(bot, "kaggle"))
    await vote(bot, buttons["👍 Helpful"], "up")
    await ask(bot, "what's a good pizza recipe")
    subscription = subscribe(store, ChannelKey(platform=Platform.SLACK, workspace_id=TEAM_ID, channel_id="C0GENERAL"))
    assert subscription is not None
    store.ledger.record_skipped(subscription.id, date(2024, 7, 14), NOW - timedelta(days=1), SkipReason.DOWNTIME)
    refused = await ask(bot, "stats", user=MEMBER)
    assert refused["text"].startswith("Sorry, only workspace admins and owners") and "blocks" not in refused
    message = await ask(bot, "stats", user=ADMIN)
    shown = json.dumps(message["blocks"], ensure_ascii=False)
    assert message["blocks"][0]["text"]["text"] == "mltip stats for this workspace"
    assert "Is Kaggle worth it?" in shown and "👍 1 · 👎 0" in shown
    assert "“what s a good pizza recipe” × 1" in shown
    assert "channel C0GENERAL: 0 delivered · 0 unknown · 0 failed · 1 skipped" in shown
    assert [call.params["user"] for call in bot.fake.calls_to("users.info")] == [MEMBER, ADMIN]


async def test_votes_are_exported_as_a_metric_and_a_repeated_press_is_not_counted(bot: RunningBot) -> None:
    buttons = vote_buttons(await ask(bot, "kaggle"))
    await vote(bot, buttons["👍 Helpful"], "1")
    await vote(bot, buttons["👍 Helpful"], "2")
    await vote(bot, buttons["👎 Not helpful"], "3")
    async with bot.http.get(f"{bot.url}/metrics") as response:
        text = await response.text()
    assert 'mltip_votes_total{platform="slack",vote="up"} 1.0' in text
    assert 'mltip_votes_total{platform="slack",vote="down"} 1.0' in text
