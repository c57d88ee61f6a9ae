"""`mltip run` as an admin runs it: a real process, Slack HTTP mode, the fake Slack's Web API."""

from __future__ import annotations

import asyncio
import json
import signal

import aiohttp
import pytest

from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.support.ports import free_port
from tests.support.processes import start_mltip_run
from tests.support.waiting import wait_until_ok

pytestmark = pytest.mark.process


async def test_mltip_run_answers_signed_requests_and_refuses_forged_ones(
    fake_slack: FakeSlack, tmp_path: object
) -> None:
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "MLTIP_HTTP_PORT": str(port),
        "MLTIP_DATA_DIR": str(tmp_path),
    }
    process = await start_mltip_run(env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await wait_until_ok(f"{url}/healthz", timeout=30)
            body = slash_command_body("kaggle", fake_slack.response_url())
            async with http.post(f"{url}/slack/events", data=body, headers=signed_headers(SIGNING_SECRET, body)) as ok:
                assert ok.status == 200
                message = json.loads(await ok.text())
            assert (
                "Vladimir Iglovikov" in json.dumps(message["blocks"])
                and "Kaggle" in message["blocks"][0]["text"]["text"]
            )
            forged = signed_headers("wrong-secret", body)
            async with http.post(f"{url}/slack/events", data=body, headers=forged) as refused:
                assert refused.status == 401
            another = message["blocks"][-2]["elements"][0]
            from tests.fakes.slack_requests import block_actions_body

            press = block_actions_body(another["action_id"], another["value"], fake_slack.response_url("next"))
            async with http.post(f"{url}/slack/events", data=press, headers=signed_headers(SIGNING_SECRET, press)) as r:
                assert r.status == 200
            await fake_slack.wait_for(lambda: bool(fake_slack.responses))
            assert fake_slack.responses[0][1]["replace_original"] is True
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0, stderr.decode()
    assert BOT_TOKEN not in stderr.decode() and SIGNING_SECRET not in stderr.decode()
