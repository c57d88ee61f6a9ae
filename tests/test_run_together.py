"""`mltip run` with Slack and Discord configured: one process answers both, through the fakes."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.support.ports import free_port
from tests.support.processes import start_mltip_run
from tests.support.waiting import wait_until_ok
from tests.test_cli import mltip


@pytest.mark.process
async def test_one_process_serves_slack_and_discord(tmp_path: Path) -> None:
    slack = await FakeSlack().start()
    discord = FakeDiscord()
    await discord.start()
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "DISCORD_TOKEN": discord.token,
        "DISCORD_API_URL": discord.api_url,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
        "MLTIP_HTTP_PORT": str(port),
        "MLTIP_DATA_DIR": str(tmp_path),
    }
    process = await start_mltip_run(env)
    try:
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            await wait_until_ok(f"{url}/readyz", timeout=30)
            async with http.get(f"{url}/readyz") as ready:
                assert await ready.json() == {
                    "ready": True,
                    "checks": {"database": True, "slack": True, "discord": True},
                }
            body = slash_command_body("kaggle", slack.response_url())
            async with http.post(f"{url}/slack/events", data=body, headers=signed_headers(SIGNING_SECRET, body)) as r:
                slack_answer = json.loads(await r.text())
        assert "Vladimir Iglovikov" in json.dumps(slack_answer["blocks"])
        assert discord.command_definition()["name"] == "mltip"  # synced on start
        exchange = await discord.command("kaggle")
        embed = exchange.callback["data"]["embeds"][0]
        assert "Kaggle" in embed["title"] and "Vladimir Iglovikov" in json.dumps(embed)
        assert exchange.callback["data"]["flags"] & 64  # ephemeral
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 15)
        await discord.close()
        await slack.stop()
    assert process.returncode == 0, stderr.decode()
    assert discord.token not in stderr.decode() and BOT_TOKEN not in stderr.decode()


def test_discord_invite_url_has_the_least_permissions() -> None:
    result = mltip(
        "discord", "invite-url", env={"DISCORD_TOKEN": "MTAwMDAwMDAwMDAwMDAwMDAw.fake.bot-token-never-logged"}
    )
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert "client_id=100000000000000000" in url and "permissions=2252109051348992" in url
    assert "scope=bot+applications.commands" in url
    missing = mltip("discord", "invite-url")
    assert missing.returncode == 2 and "DISCORD_TOKEN" in missing.stderr
