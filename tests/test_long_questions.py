"""`mltip run` as a real process, sent long questions as signed slash commands: /healthz keeps
answering at once, every question gets the clear refusal, and the process does not grow.

Before questions were capped, typo repair built every one-letter deletion of a long word on the
event loop: a 20,000-letter word stalled every request for about a second at ~400 MB, and a
200 KB one took 6.9 GB (bench/abuse.py measures that size against the fixed bot).
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import string
import time
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.support.ports import free_port
from tests.support.processes import start_mltip_run
from tests.support.waiting import wait_until_ok

pytestmark = pytest.mark.process

LETTERS = 20_000
CLIENTS, PER_CLIENT = 3, 4
SLOWEST_PROBE = 0.5  # seconds; an event loop busy with a question for a second misses it
MAX_GROWTH_MIB = 50


def memory_mib(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (the peak so far) of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field} for {pid}")


async def test_long_questions_neither_stall_healthz_nor_grow_the_process(tmp_path: Path) -> None:
    fake_slack = await FakeSlack().start()
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
    rng = random.Random(4)
    replies: list[str] = []
    probes: list[float] = []
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
            await wait_until_ok(f"{url}/healthz", timeout=30)
            async with http.post(f"{url}/slack/events", data="", headers=signed_headers(SIGNING_SECRET, "")):
                pass  # one request first, so what it loads on first use is not counted as growth
            before = memory_mib(process.pid, "VmRSS")

            async def ask() -> None:
                for _ in range(PER_CLIENT):
                    word = "".join(rng.choices(string.ascii_lowercase, k=LETTERS))  # a distinct question each time
                    body = slash_command_body(word, fake_slack.response_url())
                    headers = signed_headers(SIGNING_SECRET, body)
                    async with http.post(f"{url}/slack/events", data=body, headers=headers) as response:
                        assert response.status == 200
                        replies.append(json.loads(await response.text())["text"])

            async def probe(asking: asyncio.Future[list[None]]) -> None:
                while not asking.done():
                    start = time.perf_counter()
                    async with http.get(f"{url}/healthz") as response:
                        assert response.status == 200
                    probes.append(time.perf_counter() - start)
                    await asyncio.sleep(0.02)

            asking = asyncio.gather(*(ask() for _ in range(CLIENTS)))
            await asyncio.gather(asking, probe(asking))
            peak = memory_mib(process.pid, "VmHWM")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        await fake_slack.stop()
    assert process.returncode == 0, stderr.decode()
    assert probes and max(probes) < SLOWEST_PROBE, f"/healthz took up to {max(probes):.2f} s"
    assert peak - before < MAX_GROWTH_MIB, f"peak memory grew {peak - before:.0f} MiB"
    assert len(replies) == CLIENTS * PER_CLIENT
    assert all(text.startswith("That is too long for /mltip: 20,000 characters") for text in replies), replies[0]
