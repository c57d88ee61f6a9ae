"""OAuth mode through a database outage: an unreachable database is not an uninstall.

The bot's database goes away (tests/fakes/database.py: on PostgreSQL a proxy that drops and
refuses connections, or holds them without an answer; on SQLite an engine whose every statement
fails or stalls). A workspace the bot has answered keeps getting answers, one it does not know is
told the bot has trouble with its database (never to reinstall), and afterwards all is as before.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.adapters.slack.adapter import SlackAdapter
from bot.adapters.slack.authorize import DATABASE_TROUBLE, RETRY_SECONDS, CannotAuthorize, RememberedBots
from bot.adapters.slack.oauth import NOT_INSTALLED, SlackInstalls, ThreadedInstallationStore
from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.daily.clock import utc_now
from bot.daily.service import DailyService
from bot.errors import TransientDeliveryError
from bot.store import Store
from bot.web import build_web_app, start_web
from tests.adapters.slack.installer import Installer, message, oauth_settings
from tests.fakes.database import PostgresProxy, SqliteOutage
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET
from tests.fakes.slack_requests import app_uninstalled
from tests.fakes.slack_server import FakeSlack
from tests.support.clock import FakeClock
from tests.support.ports import free_port
from tests.support.waiting import eventually

LOOKUP_SECONDS = 0.5  # how long the bot waits for a database that hangs (2 s in production)


@dataclass
class Outage:
    """The bot's store, and switches for its database."""

    store: Store
    cut: Any
    hang: Any
    restore: Any


@pytest.fixture
def outage(database_url: str) -> Iterator[Outage]:
    if database_url.startswith("sqlite"):
        with Store.open(database_url) as store:
            sqlite = SqliteOutage(store.engine)
            yield Outage(store=store, cut=sqlite.cut, hang=sqlite.hang, restore=sqlite.restore)
            sqlite.stop()
        return
    proxy = PostgresProxy(database_url).start()
    try:
        with Store.open(proxy.url) as store:
            yield Outage(store=store, cut=proxy.cut, hang=proxy.hang, restore=proxy.restore)
            proxy.restore()
    finally:
        proxy.stop()


@dataclass
class Running:
    """The bot in OAuth mode: a browser and Slack to drive it, its installation memory's clock."""

    browser: Installer
    clock: FakeClock  # the installation memory reads `clock.monotonic`; the test moves it
    installs: SlackInstalls


@pytest.fixture
async def bot(fake_slack: FakeSlack, library: Library, outage: Outage) -> AsyncIterator[Running]:
    clock = FakeClock()
    port = free_port()
    engine = CommandEngine(library, daily=DailyService(outage.store, clock=utc_now))
    installs = SlackInstalls(
        CLIENT_ID, CLIENT_SECRET, outage.store, timer=clock.monotonic, lookup_seconds=LOOKUP_SECONDS
    )
    adapter = SlackAdapter(oauth_settings(fake_slack, port), engine, outage.store, installs=installs)
    await adapter.start()
    runner = await start_web(build_web_app(adapter.routes()), port, host="127.0.0.1")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        yield Running(Installer(url=f"http://127.0.0.1:{port}", fake=fake_slack, http=http), clock, installs)
    outage.restore()
    await adapter.close()
    await runner.cleanup()


async def answered_with_a_lesson(bot: Installer, team_id: str) -> bool:
    status, text = await bot.command("kaggle", team_id)
    return status == 200 and "Vladimir Iglovikov" in json.dumps(message(text)["blocks"])


async def told(bot: Installer, text: str, team_id: str) -> str:
    """What the bot answers `text` with, in the ack or (when it says it there) at the response_url."""
    url = bot.fake.response_url(f"{team_id}-{len(bot.fake.responses)}")
    before = len(bot.fake.responses)
    status, body = await bot.command(text, team_id, response_url=url)
    assert status == 200
    if body:
        return str(message(body)["text"])
    await bot.fake.wait_for(lambda: len(bot.fake.responses) > before)
    return str(bot.fake.responses[-1][1]["text"])


@pytest.mark.parametrize("failure", ["cut", "hang"])
async def test_a_known_workspace_is_answered_from_memory_while_the_database_is_down(
    bot: Running, outage: Outage, failure: str
) -> None:
    browser, clock = bot.browser, bot.clock
    await browser.install("T0ONE")
    assert await answered_with_a_lesson(browser, "T0ONE")  # the bot now knows T0ONE's bot

    getattr(outage, failure)()
    for _ in range(3):
        assert await answered_with_a_lesson(browser, "T0ONE")
    share_url = browser.fake.response_url("share")
    assert await browser.press("mltip_share", "share|iglovikov-kaggle-worth-it", "T0ONE", share_url) == 200
    await browser.fake.wait_for(lambda: any(key == "share" for key, _ in browser.fake.responses))
    # A workspace this process never saw: it cannot tell, so it says so, and asks for no reinstall.
    assert await told(browser, "kaggle", "T0NEW") == DATABASE_TROUBLE
    assert not any("not installed" in str(posted) for _, posted in browser.fake.responses)

    outage.restore()
    clock.advance(RETRY_SECONDS)
    assert await answered_with_a_lesson(browser, "T0ONE")
    assert await told(browser, "kaggle", "T0NEW") == NOT_INSTALLED  # now the database can say so
    await browser.install("T0NEW")
    assert await answered_with_a_lesson(browser, "T0NEW")


async def test_commands_that_need_the_database_say_it_cannot_be_reached(bot: Running, outage: Outage) -> None:
    browser, clock = bot.browser, bot.clock
    await browser.install("T0ONE")
    assert "Tip of the day" in await told(browser, "daily status", "T0ONE")
    outage.cut()
    assert await told(browser, "daily status", "T0ONE") == DATABASE_TROUBLE
    assert await answered_with_a_lesson(browser, "T0ONE")  # and the rest keeps working
    outage.restore()
    clock.advance(RETRY_SECONDS)
    assert "Tip of the day" in await told(browser, "daily status", "T0ONE")


async def test_an_uninstalled_workspace_is_not_answered_from_memory(bot: Running, outage: Outage) -> None:
    browser = bot.browser
    await browser.install("T0ONE")
    assert await answered_with_a_lesson(browser, "T0ONE")
    assert await browser.event(app_uninstalled("T0ONE")) == 200
    installations = ThreadedInstallationStore(CLIENT_ID, outage.store.engine)
    await eventually(
        lambda: asyncio.to_thread(lambda: installations.reads.find_bot(enterprise_id=None, team_id="T0ONE") is None),
        message="the installation was never deleted",
    )
    outage.cut()
    assert await told(browser, "kaggle", "T0ONE") == DATABASE_TROUBLE  # forgotten, not answered


async def test_the_tip_of_the_day_posts_with_a_remembered_token_or_waits(bot: Running, outage: Outage) -> None:
    await bot.browser.install("T0ONE")
    token = await bot.installs.bot_token("T0ONE")
    outage.cut()
    assert await bot.installs.bot_token("T0ONE") == token
    with pytest.raises(TransientDeliveryError):  # retried later; never "no installation", which pauses
        await bot.installs.bot_token("T0NEW")


async def test_the_memory_of_workspaces_is_bounded_and_keeps_the_latest() -> None:
    from slack_sdk.oauth.installation_store import Bot
    from sqlalchemy.exc import OperationalError

    down = False

    async def find(enterprise_id: str | None, team_id: str | None) -> Bot | None:
        if down:
            raise OperationalError("SELECT", {}, ConnectionRefusedError("refused"))
        return Bot(bot_token=f"xoxb-{team_id}", bot_id="B", bot_user_id="U", installed_at=0.0, team_id=team_id)

    bots = RememberedBots(find, limit=3)
    for n in range(10):
        await bots.find(None, f"T{n}")
    down = True
    remembered = [await bots.find(None, f"T{n}") for n in (7, 8, 9)]
    assert [bot.bot_token if bot else None for bot in remembered] == ["xoxb-T7", "xoxb-T8", "xoxb-T9"]
    with pytest.raises(CannotAuthorize):
        await bots.find(None, "T6")
