"""`mltip run` distributing the app: a real process, configured only by the environment."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.adapters.slack.oauth import ThreadedInstallationStore
from bot.store import Store
from tests.adapters.slack.installer import Installer, message
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET
from tests.fakes.slack_requests import app_uninstalled
from tests.fakes.slack_server import SIGNING_SECRET, FakeSlack
from tests.support.ports import free_port
from tests.support.processes import mltip_run
from tests.support.waiting import eventually

pytestmark = pytest.mark.process


async def test_mltip_run_installs_answers_and_forgets_a_workspace(
    fake_slack: FakeSlack, database_url: str, store: Store, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "MLTIP_DATABASE_URL": database_url,
        "MLTIP_HTTP_PORT": str(port),
        "MLTIP_DATA_DIR": str(tmp_path),
    }
    installations = ThreadedInstallationStore(CLIENT_ID, store.engine)
    async with (
        mltip_run(env, port, ready="/readyz") as running,  # ready: the install flow's tables exist
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
    ):
        bot = Installer(url=running.url, fake=fake_slack, http=http)
        await bot.install("T0ONE", "Team One")
        status, text = await bot.command("kaggle", "T0ONE")
        assert status == 200 and "Vladimir Iglovikov" in str(message(text)["blocks"])
        assert await installations.async_find_bot(enterprise_id=None, team_id="T0ONE") is not None
        assert await bot.event(app_uninstalled("T0ONE")) == 200

        async def forgotten() -> bool:
            return await installations.async_find_bot(enterprise_id=None, team_id="T0ONE") is None

        await eventually(forgotten, message="the uninstalled workspace's installation was never deleted")
    log = running.log()
    assert running.process.returncode == 0, log
    assert "install flow at /slack/install" in log
    for secret in (CLIENT_SECRET, SIGNING_SECRET, fake_slack.token_of("T0ONE")):
        assert secret not in log
