"""The install flow through `serve()`: many workspaces, each with its own token, kept in the database.

Runs on SQLite, and on PostgreSQL when MLTIP_TEST_DATABASE_URL is set (the `store` fixture).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import aiohttp
import pytest

from bot.adapters.slack.oauth import SCOPES, ThreadedInstallationStore
from bot.core.commands import CommandEngine
from bot.core.library import Library
from bot.core.weekdays import EVERY_DAY
from bot.daily.clock import utc_now
from bot.daily.service import DailyService
from bot.runner import serve
from bot.store import AuditAction, ChannelKey, Platform, Store
from tests.adapters.slack.installer import Installer, message, oauth_settings
from tests.fakes.slack_oauth import CLIENT_ID
from tests.fakes.slack_requests import app_uninstalled, json_body, tokens_revoked
from tests.fakes.slack_server import MANIFEST_SCOPES, SIGNING_SECRET, FakeSlack
from tests.support.ports import free_port
from tests.support.waiting import eventually, wait_until_ok


@pytest.fixture
async def bot(fake_slack: FakeSlack, library: Library, store: Store) -> AsyncIterator[Installer]:
    engine = CommandEngine(library, daily=DailyService(store, clock=utc_now))
    port = free_port()
    stop = asyncio.Event()
    task = asyncio.create_task(serve(oauth_settings(fake_slack, port), engine, stop, store=store))
    url = f"http://127.0.0.1:{port}"
    await wait_until_ok(f"{url}/readyz")  # the install flow's tables exist
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        yield Installer(url=url, fake=fake_slack, http=http)
    stop.set()
    await asyncio.wait_for(task, 10)


def installations(store: Store) -> ThreadedInstallationStore:
    """The bot's installation store, read back from its database."""
    return ThreadedInstallationStore(CLIENT_ID, store.engine)


def subscribe(store: Store, team_id: str, channel_id: str) -> ChannelKey:
    # Six hours from now: the running scheduler has nothing to post during the test.
    later = (datetime.now(UTC) + timedelta(hours=6)).time().replace(second=0, microsecond=0)
    key = ChannelKey(platform=Platform.SLACK, workspace_id=team_id, channel_id=channel_id)
    store.subscriptions.subscribe(
        key,
        local_time=time(later.hour, later.minute),
        timezone="UTC",
        weekdays=EVERY_DAY,
        actor="U0ADMIN",
        now=utc_now(),
    )
    return key


async def test_the_install_page_links_to_slacks_authorize_url_with_our_app_and_a_state(bot: Installer) -> None:
    page = await bot.open_install_page()
    assert page.status == 200
    assert page.authorize_url.startswith("https://slack.com/oauth/v2/authorize?")
    assert page.query["client_id"] == CLIENT_ID
    assert page.query["scope"] == ",".join(SCOPES) and page.query["user_scope"] == ""
    assert set(SCOPES) == MANIFEST_SCOPES  # the install link asks for what manifest.yml declares
    assert len(page.state) >= 32 and page.cookie == page.state  # the browser carries it back
    assert page.cookie_flags == {"secure": True, "httponly": True}
    assert (await bot.open_install_page()).state != page.state  # one per visit


async def test_the_redirect_swaps_the_code_for_the_workspaces_token_and_saves_it(bot: Installer, store: Store) -> None:
    body = await bot.install("T0ONE", "Team One")
    assert "slack://app?team=T0ONE" in body  # the success page opens Slack in that workspace
    [exchange] = bot.fake.calls_to("oauth.v2.access")
    assert exchange.params["code"].startswith("T0ONE.") and exchange.token is None  # client credentials
    token = bot.fake.token_of("T0ONE")
    assert [c.token for c in bot.fake.calls_to("auth.test")] == [token]  # bolt reads the bot id
    saved = await installations(store).async_find_bot(enterprise_id=None, team_id="T0ONE")
    assert saved is not None and saved.bot_token == token
    assert saved.bot_user_id == "UBOTT0ONE" and saved.bot_id == "BBOTT0ONE" and saved.team_name == "Team One"
    assert saved.bot_scopes == ["commands", "chat:write", "users:read", "im:write"]
    found = await installations(store).async_find_installation(enterprise_id=None, team_id="T0ONE")
    assert found is not None and found.user_id == "U0INSTALLER" and found.app_id == "A111"


async def test_a_forged_missing_reused_or_foreign_state_is_refused(bot: Installer, store: Store) -> None:
    page = await bot.open_install_page()
    code = bot.fake.grant("T0EVIL")
    forged = "0123456789abcdef0123456789abcdef"
    refusals = [
        ({"code": code, "state": forged}, forged),  # a state we never issued, in a matching cookie
        ({"code": code}, page.cookie),  # no state at all
        ({"code": code, "state": page.state}, None),  # another browser: the state without its cookie
        ({"code": code, "state": page.state}, forged),  # ... or with someone else's cookie
    ]
    for query, cookie in refusals:
        status, body = await bot.come_back(query, cookie)
        assert status in (400, 401) and "Oops, Something Went Wrong!" in body, (query, status)
    assert not bot.fake.calls_to("oauth.v2.access")  # Slack was never asked
    status, _ = await bot.come_back({"code": code, "state": page.state}, page.cookie)
    assert status == 200
    status, _ = await bot.come_back({"code": bot.fake.grant("T0EVIL"), "state": page.state}, page.cookie)
    assert status == 401  # a state works once
    assert len(bot.fake.calls_to("oauth.v2.access")) == 1


async def test_a_cancelled_or_failed_install_shows_the_failure_page(bot: Installer, store: Store) -> None:
    status, body = await bot.come_back({"error": "access_denied", "state": "x"}, None)
    assert status == 200 and "access_denied" in body
    page = await bot.open_install_page()
    status, body = await bot.come_back({"code": "never-granted", "state": page.state}, page.cookie)
    assert status == 401 and "invalid_code" in body  # oauth.v2.access said invalid_code
    assert await installations(store).async_find_bot(enterprise_id=None, team_id="T0EVIL") is None


async def test_each_workspace_is_answered_with_its_own_token(bot: Installer) -> None:
    await bot.install("T0ONE")
    await bot.install("T0TWO")
    one, two = bot.fake.token_of("T0ONE"), bot.fake.token_of("T0TWO")
    for team in ("T0ONE", "T0TWO"):
        status, text = await bot.command("kaggle", team)
        assert status == 200 and "Vladimir Iglovikov" in str(message(text)["blocks"])
    assert {c.token for c in bot.fake.calls_to("auth.test")} == {one, two}
    # A listener's own Web API calls go out with its workspace's token too (users.info here).
    bot.fake.admins.add("U0ADMIN")
    status, text = await bot.command("daily 09:00 Europe/Berlin", "T0TWO", user_id="U0ADMIN")
    assert message(text)["blocks"][0]["text"]["text"] == "Tip of the day: subscribed"
    assert [c.token for c in bot.fake.calls_to("users.info")] == [two]


async def test_a_workspace_without_an_installation_is_told_to_install(bot: Installer) -> None:
    url = bot.fake.response_url("nowhere")
    status, _ = await bot.command("kaggle", "T0NEVER", response_url=url)
    assert status == 200
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    assert "not installed in this workspace" in bot.fake.responses[0][1]["text"]


async def test_app_uninstalled_forgets_that_workspace_and_only_that_one(bot: Installer, store: Store) -> None:
    await bot.install("T0ONE")
    await bot.install("T0TWO")
    gone = [subscribe(store, "T0ONE", "C1"), subscribe(store, "T0ONE", "C2")]
    kept = subscribe(store, "T0TWO", "C3")
    assert await bot.event(app_uninstalled("T0ONE")) == 200

    def forgotten() -> bool:
        return installations(store).reads.find_bot(enterprise_id=None, team_id="T0ONE") is None

    # What the listener does after bolt has acked; read in a thread, beside the bot's own event loop.
    await eventually(lambda: asyncio.to_thread(forgotten), message="the installation was never deleted")
    await eventually(
        lambda: asyncio.to_thread(lambda: all(store.subscriptions.get(key) is None for key in gone)),
        message="the workspace's subscriptions were never deleted",
    )
    assert installations(store).reads.find_installation(enterprise_id=None, team_id="T0ONE") is None
    assert store.subscriptions.get(kept) is not None
    assert installations(store).reads.find_bot(enterprise_id=None, team_id="T0TWO") is not None
    [audit] = [
        a for a in store.subscriptions.audit(Platform.SLACK, "T0ONE") if a.action is AuditAction.REMOVE_WORKSPACE
    ]
    assert audit.actor == "slack (app_uninstalled)"
    url = bot.fake.response_url("after")
    await bot.command("kaggle", "T0ONE", response_url=url)  # a stale client: now refused politely
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    assert "not installed" in bot.fake.responses[0][1]["text"]


async def test_a_revoked_bot_token_forgets_the_workspace_a_user_token_does_not(bot: Installer, store: Store) -> None:
    await bot.install("T0ONE")
    await bot.install("T0TWO")
    one, two = subscribe(store, "T0ONE", "C1"), subscribe(store, "T0TWO", "C2")
    bot.fake.revoke(bot.fake.token_of("T0TWO"))  # Slack has revoked it, then tells us
    assert await bot.event(tokens_revoked("T0ONE", oauth=["U0INSTALLER"])) == 200
    assert await bot.event(tokens_revoked("T0TWO", bot=["UBOTT0TWO"])) == 200
    await eventually(
        lambda: asyncio.to_thread(lambda: store.subscriptions.get(two) is None),
        message="the revoked workspace's subscription was never deleted",
    )
    assert installations(store).reads.find_bot(enterprise_id=None, team_id="T0TWO") is None
    assert store.subscriptions.get(one) is not None
    assert installations(store).reads.find_bot(enterprise_id=None, team_id="T0ONE") is not None


async def test_uninstall_events_must_be_signed(bot: Installer, store: Store) -> None:
    await bot.install("T0ONE")
    key = subscribe(store, "T0ONE", "C1")
    async with bot.http.post(
        f"{bot.url}/slack/events", json=app_uninstalled("T0ONE"), headers={"X-Slack-Signature": "v0=forged"}
    ) as response:
        assert response.status == 401
    await asyncio.sleep(0.2)
    assert store.subscriptions.get(key) is not None


async def test_slacks_url_check_of_the_events_address_is_answered(bot: Installer) -> None:
    # Slack sends this (signed) when an admin enters the Request URL under Event Subscriptions.
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body, headers = json_body({"token": "x", "challenge": challenge, "type": "url_verification"}, SIGNING_SECRET)
    async with bot.http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
        assert response.status == 200 and challenge in await response.text()
