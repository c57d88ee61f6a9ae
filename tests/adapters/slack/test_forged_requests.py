"""Forged, malformed and oversized requests against a real `mltip run` in Slack HTTP mode.

Nothing from a request whose signature does not verify may be used: it gets 401 before its body
is parsed, no listener runs, nothing is posted to its response_url, and its body never reaches the
log. Each case here once got a 500 and an apology POSTed to an address the attacker chose, or a
traceback, or a megabyte of log.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.adapters.slack.adapter import build_app
from bot.core.commands import CommandEngine
from tests.adapters.slack.harness import slack_settings
from tests.fakes.listener import Listener
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET
from tests.fakes.slack_requests import block_actions_body, sign, signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.support.ports import free_port
from tests.support.processes import RunningProcess, mltip_run

FORM = "application/x-www-form-urlencoded"
MARKER = "zq-user-text-7f3a"  # text a user typed; must never appear in the log
FORGED_LINE = "2026-01-01 00:00:00,000 ERROR mltip.daily: posted nothing, all channels paused"
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    started = await Listener().start()
    yield started
    await started.stop()


def http_env(fake: FakeSlack, port: int, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "MLTIP_HTTP_PORT": str(port),
        "MLTIP_DATA_DIR": str(data_dir),
        **extra,
    }


def timestamp_shapes(now: int) -> dict[str, str]:
    """X-Slack-Request-Timestamp values that are not a plain, current count of seconds."""
    return {
        "non-numeric": "abc",
        "empty": "",
        "huge": "9" * 400,
        "huge number": str(10**30),
        "negative": "-1",
        "negated now": f"-{now}",
        "float": f"{now}.5",
        "exponent": "1.7e9",
        "plus sign": f"+{now}",
        "underscores": f"{now:_}",
        "non-ASCII digits": str(now).translate(ARABIC_DIGITS),
        "inner space": f"{now} 1",
        # A minute past the window each way: the cases are sent over several seconds.
        "stale": str(now - 360),
        "future": str(now + 360),
    }


def bad_header_sets(body: str) -> dict[str, dict[str, str]]:
    """Every shape of bad or missing signature header, for `body`."""
    now = int(time.time())
    good = signed_headers(SIGNING_SECRET, body)
    digest = good["X-Slack-Signature"].removeprefix("v0=")
    cases: dict[str, dict[str, str]] = {
        "no headers": {"Content-Type": FORM},
        "no timestamp": {"Content-Type": FORM, "X-Slack-Signature": good["X-Slack-Signature"]},
        "no signature": {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(now)},
    }
    for name, signature in {
        "empty signature": "",
        "bare v0=": "v0=",
        "not hex": "v0=" + "g" * 64,
        "short": "v0=" + digest[:32],
        "long": "v0=" + digest + "00",
        "uppercase": "v0=" + digest.upper(),
        "other version": "v1=" + digest,
        "two signatures": f"v0={digest},v0={digest}",
        "wrong secret": sign("not-the-secret", now, body),
    }.items():
        cases[f"signature {name}"] = {**good, "X-Slack-Signature": signature}
    for name, stamp in timestamp_shapes(now).items():
        # Signed with the real secret over the odd timestamp: still refused, by its shape alone.
        cases[f"timestamp {name}, signed"] = {**good, "X-Slack-Request-Timestamp": stamp}
        cases[f"timestamp {name}, signed"]["X-Slack-Signature"] = sign(SIGNING_SECRET, stamp, body)
        cases[f"timestamp {name}, any signature"] = {
            **good,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": "v0=" + "0" * 64,
        }
    return cases


def assert_quiet(log: str) -> None:
    """Nothing an attacker sent reached the log, and nothing failed."""
    assert "Traceback" not in log and " ERROR " not in log, log
    assert MARKER not in log and "mltip.daily" not in log, log


@pytest.mark.process
async def test_no_badly_signed_request_is_answered_used_or_called_back(
    fake_slack: FakeSlack, listener: Listener, tmp_path: Path
) -> None:
    port = free_port()
    command = slash_command_body(f"kaggle {MARKER}", listener.url)
    press = block_actions_body("mltip_share", "share|iglovikov-kaggle-worth-it", listener.url)
    async with mltip_run(http_env(fake_slack, port, tmp_path), port) as bot, aiohttp.ClientSession() as http:
        answers: dict[str, tuple[int, str]] = {}
        for kind, body in (("command", command), ("button", press)):
            for name, headers in bad_header_sets(body).items():
                async with http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
                    answers[f"{kind}: {name}"] = (response.status, await response.text())
        refused = (401, '{"error": "invalid request"}')
        assert {name: answer for name, answer in answers.items() if answer != refused} == {}
        await bot.settle()
        assert listener.heard == []  # no apology, no answer, nothing POSTed anywhere
        assert fake_slack.calls == [] and fake_slack.responses == []
        assert_quiet(bot.log())


MALFORMED: dict[str, tuple[bytes, str]] = {
    "payload not JSON": (b"payload={not", FORM),
    "payload quoted not JSON": (b"payload=%7B%22type%22%3A", FORM),
    "JSON body cut short": (b'{"type": "event_callback", "event": ', "application/json"),
    "JSON that is not an object": (b"[1, 2, 3]", "application/json"),
    "brace without JSON type": (b"{nope", FORM),
    "invalid UTF-8": (b"text=\xff\xfe\xfa" + MARKER.encode(), FORM),
    "invalid UTF-8 JSON": (b'{"x": "\xc3\x28"}', "application/json"),
    # Deep enough to exhaust the JSON parser, small enough (60 KB) to reach it: bigger bodies are
    # answered before any parsing (bot/adapters/slack/oversize.py).
    "JSON nested too deep": (b"[" * 30_000 + b"]" * 30_000, "application/json"),
}


@pytest.mark.process
async def test_malformed_bodies_are_refused_before_parsing_and_log_no_traceback(
    fake_slack: FakeSlack, listener: Listener, tmp_path: Path
) -> None:
    port = free_port()
    async with mltip_run(http_env(fake_slack, port, tmp_path), port) as bot, aiohttp.ClientSession() as http:
        for name, (body, content_type) in MALFORMED.items():
            unsigned = {"Content-Type": content_type}
            forged = {**signed_headers("not-the-secret", body), "Content-Type": content_type}
            for headers in (unsigned, forged):
                async with http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
                    assert response.status == 401, name
            # Even correctly signed (only Slack could send it), a body we cannot read is a 400.
            signed = {**signed_headers(SIGNING_SECRET, body), "Content-Type": content_type}
            async with http.post(f"{bot.url}/slack/events", data=body, headers=signed) as response:
                assert response.status == 400, name
        await bot.settle()
        assert listener.heard == [] and fake_slack.calls == []
        assert_quiet(bot.log())


async def huge_unsigned_requests(bot: RunningProcess, count: int) -> None:
    now = str(int(time.time()))
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=" + "0" * 64}
    filler = "A" * (1024 * 1024 - 2048)  # just under aiohttp's 1 MiB body limit (above it: 413)
    body = f"text={MARKER}%0A{FORGED_LINE}\n{FORGED_LINE}\r{filler}&response_url=http://127.0.0.1:9/x"
    async with aiohttp.ClientSession() as http:
        for _ in range(count):
            async with http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
                assert response.status == 401


@pytest.mark.process
@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_unsigned_megabytes_write_a_few_bytes_of_log_and_forge_no_line(
    fake_slack: FakeSlack, tmp_path: Path, log_format: str
) -> None:
    port = free_port()
    env = http_env(fake_slack, port, tmp_path, MLTIP_LOG_FORMAT=log_format)
    async with mltip_run(env, port) as bot:
        await bot.settle()
        started = bot.log_size()
        await huge_unsigned_requests(bot, 8)
        await bot.settle()
        written = bot.log_size() - started
        log = bot.log()
    assert written <= 1024, f"{written} bytes of log for 8 MiB of unsigned requests:\n{log[-500:]}"
    assert_quiet(log)
    assert log.count("refused Slack requests whose signature did not verify") == 1  # once a minute at most
    forged = re.compile(r"^\S+ \S+ ERROR mltip\.daily", re.MULTILINE)
    assert not forged.search(log)
    if log_format == "json":
        assert all(json.loads(line) for line in log.splitlines())


async def test_a_request_that_bypassed_the_gate_is_refused_inside_bolt_too(
    fake_slack: FakeSlack, engine: CommandEngine, listener: Listener
) -> None:
    # Defence in depth: whatever reaches the bolt app without the gate's mark runs no listener.
    app = build_app(slack_settings(fake_slack, free_port()), engine)
    body = slash_command_body("kaggle", listener.url)
    headers: dict[str, str | Sequence[str]] = {**signed_headers(SIGNING_SECRET, body)}  # bolt's header type
    response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
    assert response.status == 401
    await asyncio.sleep(0.2)
    assert listener.heard == [] and fake_slack.calls == []


@pytest.mark.process
async def test_the_install_pages_ignore_any_body_a_browser_sends(fake_slack: FakeSlack, tmp_path: Path) -> None:
    port = free_port()
    env = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "MLTIP_HTTP_PORT": str(port),
        "MLTIP_DATA_DIR": str(tmp_path),
    }
    async with mltip_run(env, port, ready="/readyz") as bot, aiohttp.ClientSession() as http:
        for body, content_type in MALFORMED.values():
            headers = {"Content-Type": content_type}
            async with http.get(f"{bot.url}/slack/install", data=body, headers=headers) as page:
                assert page.status == 200
            async with http.get(f"{bot.url}/slack/oauth_redirect?code=x", data=body, headers=headers) as back:
                assert back.status == 400  # no state: bolt's own refusal, not a crash
        await bot.settle()
        assert_quiet(bot.log())
