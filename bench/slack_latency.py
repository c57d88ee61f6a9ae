"""Slash-command latency: signed /mltip <question> into `mltip run` (Slack HTTP mode) beside a
bare bolt AsyncApp acking a constant, each a real process, 2,000 requests at 32 concurrent.

Every question is asked once: an everyday or relevance question followed by the request's number
spelt in stop words (which search drops), so each is ranked afresh by both rankers and the
engine's per-question cache never answers."""

from __future__ import annotations

import asyncio
import itertools
import random
import subprocess
import tempfile

from bench.common import Report
from bench.load import LoadResult, free_port, report_pairs, run_load, start_process, wait_ready
from bench.search import questions
from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack

TOTAL, CONCURRENCY, WARMUP = 2000, 32, 200


ROUNDS = 6  # alternate bare and ours, so drift on a shared machine hits both alike
FILLERS = ("so", "just", "really", "also", "then", "now", "very", "too")


def spelt(n: int) -> str:
    """`n` in base 8, a stop word per digit: unique words that change no ranking's keywords."""
    digits = []
    while True:
        n, digit = divmod(n, len(FILLERS))
        digits.append(FILLERS[digit])
        if not n:
            return " ".join(digits)


async def compare(report: Report) -> None:
    fake = await FakeSlack().start()
    asked = questions()
    rng = random.Random(5)
    serial = itertools.count()
    sides = {"bare": ["bench/bare_slack_app.py"], "ours": ["-m", "bot", "run"]}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    urls: dict[str, str] = {}
    results: dict[str, list[LoadResult]] = {"bare": [], "ours": []}
    try:
        for side, args in sides.items():
            port = free_port()
            env = {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake.api_url,
                "MLTIP_HTTP_PORT": str(port),
                "MLTIP_LOG_FORMAT": "text",
                "MLTIP_DATA_DIR": tempfile.mkdtemp(prefix="mltip-bench-"),
            }
            processes[side] = start_process(args, env)
            urls[side] = f"http://127.0.0.1:{port}/slack/events"
        for url in urls.values():
            await wait_ready(url)

        def request(n: int) -> tuple[str, dict[str, str]]:
            body = slash_command_body(f"{rng.choice(asked)} {spelt(next(serial))}", fake.response_url("bench"))
            return body, signed_headers(SIGNING_SECRET, body)

        def ok(status: int, text: str) -> bool:
            return status == 200 and bool(text)

        for url in urls.values():
            await run_load(url, request, WARMUP, CONCURRENCY, ok)
        for _ in range(ROUNDS):
            for side, url in urls.items():
                results[side].append(await run_load(url, request, TOTAL // ROUNDS, CONCURRENCY, ok))
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(10)
        await fake.stop()
    # Every question is new, so each is ranked and rendered: the target allows for that work.
    report_pairs(report, "slack", "req/s", results["bare"], results["ours"], p50_target=1.3)


def run(report: Report) -> None:
    print("slack latency", flush=True)
    asyncio.run(compare(report))
