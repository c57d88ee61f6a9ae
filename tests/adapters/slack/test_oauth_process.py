"""`mltip run` distributing the app: a real process, configured only by the environment."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp

from bot.adapters.slack.oauth import ThreadedInstallationStore
from bot.store import Store
from tests.adapters.slack.conftest import free_port
from tests.adapters.slack.installer import Installer, message, wait_until_ready
from tests.conftest import REPO_ROOT
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET
from tests.fakes.slack_requests import app_uninstalled
from tests.fakes.slack_server import SIGNING_SECRET, FakeSlack


async def test_mltip_run_installs_answers_and_forgets_a_workspace(
    fake_slack: FakeSlack, database_url: str, store: Store, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "MLTIP_DATABASE_URL": database_url,
        "MLTIP_HTTP_PORT": str(port),
        "MLTIP_DATA_DIR": str(tmp_path),
    }
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=REPO_ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    installations = ThreadedInstallationStore(CLIENT_ID, store.engine)
    try:
        await wait_until_ready(url, timeout=30)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            bot = Installer(url=url, fake=fake_slack, http=http)
            await bot.install("T0ONE", "Team One")
            status, text = await bot.command("kaggle", "T0ONE")
            assert status == 200 and "Vladimir Iglovikov" in str(message(text)["blocks"])
            assert await installations.async_find_bot(enterprise_id=None, team_id="T0ONE") is not None
            assert await bot.event(app_uninstalled("T0ONE")) == 200
            for _ in range(250):
                if await installations.async_find_bot(enterprise_id=None, team_id="T0ONE") is None:
                    break
                await asyncio.sleep(0.02)
            assert await installations.async_find_bot(enterprise_id=None, team_id="T0ONE") is None
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 15)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "install flow at /slack/install" in log
    for secret in (CLIENT_SECRET, SIGNING_SECRET, fake_slack.token_of("T0ONE")):
        assert secret not in log
