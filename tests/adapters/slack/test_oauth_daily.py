"""OAuth mode behind the scenes: the tip of the day with each workspace's token, and the tables.

Runs on SQLite, and on PostgreSQL when MLTIP_TEST_DATABASE_URL is set (the `store` fixture).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import aiohttp
import pytest
import yaml
from sqlalchemy import func, select

from bot.adapters.slack.adapter import SlackAdapter
from bot.adapters.slack.oauth import SCOPES, STATE_SECONDS, SlackInstalls, ThreadedStateStore, create_racing
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.core.weekdays import EVERY_DAY
from bot.daily.outcomes import DeliveryOutcome
from bot.daily.scheduler import DailyScheduler
from bot.errors import ConfigError
from bot.store import AuditAction, ChannelKey, Platform, Store
from bot.web import build_web_app, start_web
from tests.adapters.slack.harness import slack_settings
from tests.adapters.slack.installer import Installer, oauth_settings
from tests.daily.harness import make_fanout
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET
from tests.fakes.slack_server import FakeSlack
from tests.support.clock import FakeClock
from tests.support.paths import REPO_ROOT
from tests.support.ports import free_port

SUBSCRIBED = datetime(2024, 7, 14, 12, 0, tzinfo=UTC)
NINE_UTC = datetime(2024, 7, 15, 9, 0, tzinfo=UTC)
UNINSTALLED = datetime(2024, 7, 16, 18, 30, tzinfo=UTC)


@pytest.fixture
async def adapter(fake_slack: FakeSlack, engine: CommandEngine, store: Store) -> AsyncIterator[SlackAdapter]:
    port = free_port()
    adapter = SlackAdapter(oauth_settings(fake_slack, port), engine, store)
    assert not await adapter.is_connected()  # not ready before its tables exist
    await adapter.start()
    assert await adapter.is_connected()
    runner = await start_web(build_web_app(adapter.routes()), port, host="127.0.0.1")
    yield adapter
    await adapter.close()
    await runner.cleanup()


@pytest.fixture
async def installer(adapter: SlackAdapter, fake_slack: FakeSlack) -> AsyncIterator[Installer]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        yield Installer(url=f"http://127.0.0.1:{adapter.settings.http_port}", fake=fake_slack, http=http)


def subscribe(store: Store, team_id: str, channel_id: str) -> ChannelKey:
    key = ChannelKey(platform=Platform.SLACK, workspace_id=team_id, channel_id=channel_id)
    store.subscriptions.subscribe(
        key, local_time=time(9, 0), timezone="UTC", weekdays=EVERY_DAY, actor="U0ADMIN", now=SUBSCRIBED
    )
    return key


async def test_the_tip_of_the_day_goes_out_with_each_workspaces_own_token(
    adapter: SlackAdapter, installer: Installer, store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    await installer.install("T0ONE")
    await installer.install("T0TWO")
    for team, channel in (("T0ONE", "C1"), ("T0ONE", "C2"), ("T0TWO", "C3"), ("T0GONE", "C4")):
        subscribe(store, team, channel)
    clock = FakeClock(NINE_UTC, running=True)
    fanout = make_fanout(store, engine, {"slack": adapter.poster}, clock)
    daily = DailyScheduler(
        store, fanout, clock=clock, worker_id="w", grace=timedelta(hours=3), platforms=frozenset({"slack"})
    )
    result = await daily.tick()
    assert result.delivered.get(DeliveryOutcome.SENT) == 3
    posts = {c.params["channel"]: c.token for c in fake_slack.calls_to("chat.postMessage")}
    one, two = fake_slack.token_of("T0ONE"), fake_slack.token_of("T0TWO")
    assert posts == {"C1": one, "C2": one, "C3": two}
    # No installation for T0GONE: that workspace is paused (and says why), nothing is posted there.
    pause = store.subscriptions.workspace_pause(Platform.SLACK, "T0GONE")
    assert pause is not None and pause.reason == "no_installation"


async def test_the_poster_finds_a_reinstalled_workspaces_new_token(
    adapter: SlackAdapter, installer: Installer, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    await installer.install("T0ONE")
    first = fake_slack.token_of("T0ONE")
    await installer.install("T0ONE")  # reinstalled (say, after an uninstall): a new token
    second = fake_slack.token_of("T0ONE")
    assert first != second
    await adapter.poster.post("T0ONE", "C1", engine.run("kaggle"))
    assert [c.token for c in fake_slack.calls_to("chat.postMessage")] == [second]


def test_replicas_starting_together_all_get_the_tables(database_url: str, store: Store) -> None:
    replicas = [Store.open(database_url, migrate=False) for _ in range(4)]
    barrier = threading.Barrier(len(replicas))
    errors: list[BaseException] = []

    def start(replica: Store) -> None:
        installs = SlackInstalls(CLIENT_ID, CLIENT_SECRET, replica)
        barrier.wait()
        try:
            installs.create_tables()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(replica,)) for replica in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for replica in replicas:
        replica.close()
    assert errors == []
    installs = SlackInstalls(CLIENT_ID, CLIENT_SECRET, store)
    installs.create_tables()  # and again at the next start: nothing to do
    assert installs.installations.reads.find_bot(enterprise_id=None, team_id="T1") is None
    assert installs.states.sync.consume(installs.states.sync.issue())


def test_losing_the_create_table_race_is_retried_and_other_errors_are_not() -> None:
    attempts: list[int] = []

    def lose_once() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError('(psycopg.errors.DuplicateTable) relation "slack_bots" already exists')

    create_racing(lose_once)
    assert len(attempts) == 2

    def broken() -> None:
        raise RuntimeError("permission denied for schema public")

    with pytest.raises(RuntimeError, match="permission denied"):
        create_racing(broken)


async def test_expired_install_states_are_swept_when_new_ones_are_issued(store: Store) -> None:
    states = ThreadedStateStore(store, expiration_seconds=-1)  # every state expires at once
    SlackInstalls(CLIENT_ID, CLIENT_SECRET, store).create_tables()
    for _ in range(3):
        await states.async_issue()
    table = states.sync.oauth_states
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(table)).scalar_one() == 1
    assert not await states.async_consume(await states.async_issue())  # expired states are refused


async def test_issuing_a_state_sweeps_out_those_expired_by_the_clock_slack_installs_is_given(store: Store) -> None:
    clock = FakeClock(datetime.now(UTC))
    installs = SlackInstalls(CLIENT_ID, CLIENT_SECRET, store, clock=clock)
    installs.create_tables()
    for _ in range(3):
        await installs.states.async_issue()  # each good for STATE_SECONDS from now
    table = installs.states.sync.oauth_states

    def count() -> int:
        with store.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

    assert count() == 3
    clock.advance(STATE_SECONDS + 60)  # by this clock, all three have expired
    await installs.states.async_issue()
    assert count() == 1


def test_an_uninstall_is_dated_by_the_adapters_clock(
    fake_slack: FakeSlack, engine: CommandEngine, store: Store
) -> None:
    adapter = SlackAdapter(oauth_settings(fake_slack, free_port()), engine, store, clock=FakeClock(UNINSTALLED))
    assert adapter.installs is not None
    adapter.installs.create_tables()
    subscribe(store, "T0ONE", "C1")
    assert adapter.installs.forget(None, "T0ONE", "app_uninstalled") == 1
    [audit] = [
        a for a in store.subscriptions.audit(Platform.SLACK, "T0ONE") if a.action is AuditAction.REMOVE_WORKSPACE
    ]
    assert audit.at == UNINSTALLED and audit.actor == "slack (app_uninstalled)"


def test_the_install_flow_asks_for_the_manifests_scopes() -> None:
    manifest = yaml.safe_load((REPO_ROOT / "manifest.yml").read_text())
    assert list(SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


def test_oauth_mode_needs_the_database(fake_slack: FakeSlack, engine: CommandEngine) -> None:
    with pytest.raises(ConfigError, match="database"):
        SlackAdapter(oauth_settings(fake_slack, free_port()), engine)


async def test_single_workspace_mode_is_unchanged(fake_slack: FakeSlack, engine: CommandEngine, store: Store) -> None:
    adapter = SlackAdapter(slack_settings(fake_slack, free_port()), engine, store)
    assert adapter.installs is None and adapter.app.oauth_flow is None
    assert [(r.method, r.path) for r in adapter.routes()] == [("POST", "/slack/events")]
    assert await adapter.is_connected()
    await adapter.poster.post("T0ANY", "C1", engine.run("kaggle"))
    [post] = fake_slack.calls_to("chat.postMessage")
    assert post.token == "xoxb-1111-2222-fakebottoken"


def test_settings_turn_slack_on_with_either_a_token_or_client_credentials() -> None:
    oauth = Settings.from_env({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET})
    assert oauth.has_slack and oauth.slack_oauth
    half = Settings.from_env({"SLACK_CLIENT_ID": CLIENT_ID})
    assert not half.has_slack and not half.slack_oauth
    assert not Settings.from_env({}).has_slack
    with pytest.raises(ConfigError, match=r"SLACK_CLIENT_ID must look like 1234567890\.1234567890"):
        Settings.from_env({"SLACK_CLIENT_ID": "A0123ABC"})
