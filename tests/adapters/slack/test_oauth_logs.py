"""The install flow's one-time secrets (OAuth codes and states) never reach the log of `mltip run`.

A code that Slack failed to exchange (a 500) can still be redeemed: written to a log, it is an
installation waiting for whoever reads the log first.
"""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest

from bot.log import MASK, mask_secrets
from tests.adapters.slack.installer import Installer
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET
from tests.fakes.slack_server import SIGNING_SECRET, FakeSlack, Fault
from tests.support.ports import free_port
from tests.support.processes import mltip_run


@pytest.mark.process
@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_failed_exchanges_log_neither_the_code_nor_the_state(
    fake_slack: FakeSlack, tmp_path: Path, log_format: str
) -> None:
    port = free_port()
    env = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "MLTIP_HTTP_PORT": str(port),
        "MLTIP_DATA_DIR": str(tmp_path),
        "MLTIP_LOG_FORMAT": log_format,
    }
    async with (
        mltip_run(env, port, ready="/readyz") as bot,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
    ):
        browser = Installer(url=bot.url, fake=fake_slack, http=http)
        secrets: list[str] = []
        # Slack fails (500, then an error answer), and a code Slack never issued.
        fake_slack.script("oauth.v2.access", Fault(status=500), Fault(error="invalid_code"))
        for code in (fake_slack.grant("T0ONE"), fake_slack.grant("T0TWO"), "T0NONE.0123456789ab"):
            page = await browser.open_install_page()
            status, _ = await browser.come_back({"code": code, "state": page.state}, page.cookie)
            assert status == 401
            secrets += [code, page.state]
        await bot.settle()
        log = bot.log()
    assert len(fake_slack.calls_to("oauth.v2.access")) == 3
    assert "oauth.v2.access" in log  # the failures are logged ...
    leaked = [secret for secret in secrets if secret in log]
    assert leaked == [], log  # ... without what would let someone finish the install


@pytest.mark.parametrize(
    "line",
    [
        "Failed to fetch oauth.v2.access result with code: T0ONE.5f2e9a1c3b7d - error: boom",
        "Failed to find any persistent data for state: 6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b - x",
        "GET /slack/oauth_redirect?code=T0ONE.5f2e9a1c3b7d&state=6f1e2d3c4b5a69788a9b0c1d2e3f4a5b",
        'params: {"code": "T0ONE.5f2e9a1c3b7d", "client_id": "1"}',
        "body_params: {'code': 'T0ONE.5f2e9a1c3b7d'}",
    ],
)
def test_codes_and_states_are_masked_wherever_a_library_logs_them(line: str) -> None:
    masked = mask_secrets(line)
    assert "5f2e9a1c3b7d" not in masked and "6f1e2d3c" not in masked and MASK in masked


def test_a_short_exit_code_is_not_a_secret() -> None:
    assert mask_secrets("the worker stopped with exit code: 1") == "the worker stopped with exit code: 1"


@pytest.mark.parametrize("logger", ["mltip.slack.oauth", "mltip.slack.installations"])
def test_the_install_flows_loggers_mask_before_any_handler(caplog: pytest.LogCaptureFixture, logger: str) -> None:
    import bot.adapters.slack.oauth  # noqa: F401  (installs the filters)

    caplog.set_level(logging.INFO)
    logging.getLogger(logger).warning("Failed to fetch oauth.v2.access result with code: %s", "T0ONE.5f2e9a1c3b7d")
    [record] = caplog.records
    assert "5f2e9a1c3b7d" not in record.getMessage() and MASK in record.getMessage()
