"""Slash-command latency: signed /mltip <question> into `mltip run` (Slack HTTP mode) beside a
bare bolt AsyncApp acking a constant, each a real process, 2,000 requests at 32 concurrent."""

from __future__ import annotations

import asyncio
import random
import subprocess

from bench.common import Figure, Report
from bench.load import LoadResult, free_port, run_load, start_process, wait_ready
from bench.search import questions
from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack

TOTAL, CONCURRENCY, WARMUP = 2000, 32, 200


async def measure(args: list[str], fake: FakeSlack, asked: list[str]) -> LoadResult:
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "MLTIP_HTTP_PORT": str(port),
        "MLTIP_LOG_FORMAT": "text",
    }
    process: subprocess.Popen[bytes] = start_process(args, env)
    url = f"http://127.0.0.1:{port}/slack/events"
    rng = random.Random(5)
    try:
        await wait_ready(url)

        def request(_n: int) -> tuple[str, dict[str, str]]:
            body = slash_command_body(rng.choice(asked), fake.response_url("bench"))
            return body, signed_headers(SIGNING_SECRET, body)

        def ok(status: int, text: str) -> bool:
            return status == 200 and bool(text)

        await run_load(url, request, WARMUP, CONCURRENCY, ok)
        return await run_load(url, request, TOTAL, CONCURRENCY, ok)
    finally:
        process.terminate()
        process.wait(10)


async def compare(report: Report) -> None:
    fake = await FakeSlack().start()
    asked = questions()
    try:
        bare = await measure(["bench/bare_slack_app.py"], fake, asked)
        ours = await measure(["-m", "bot", "run"], fake, asked)
    finally:
        await fake.stop()
    note = f"{TOTAL} requests at {CONCURRENCY} concurrent; errors: ours {ours.errors}, bare {bare.errors}"
    report.add(
        Figure(
            "slack", "p50 latency", ours.p50 * 1000, bare.p50 * 1000, "ms", "<= 1.2x", ours.p50 <= 1.2 * bare.p50, note
        )
    )
    report.add(
        Figure("slack", "p99 latency", ours.p99 * 1000, bare.p99 * 1000, "ms", "<= 1.2x", ours.p99 <= 1.2 * bare.p99)
    )
    report.add(Figure("slack", "throughput", ours.rps, bare.rps, "req/s", ">= 0.8x", ours.rps >= 0.8 * bare.rps))


def run(report: Report) -> None:
    print("slack latency", flush=True)
    asyncio.run(compare(report))
