"""/healthz under abuse: `mltip run` (Slack HTTP mode, the fake Slack's Web API) probed while
several clients send 200 KB questions as signed slash commands, beside the same probes idle and
beside the same clients asking an ordinary question.

Before questions were capped, one such question (a single random word) froze the event loop for
seconds at gigabytes of memory. Each round probes /healthz in three phases: idle; while CLIENTS
clients each ask an ordinary question again and again; while they each send a new 200 KB
question again and again. Figures are medians of per-round ratios, as in the latency benches:
p99 under abuse over p99 idle (target 2x), and over p99 under the ordinary questions (whether a
200 KB question costs more than an ordinary one). Bounded: each loaded phase stops after
PHASE_SECONDS or MAX_REQUESTS, whichever comes first; all on loopback. BENCH_ABUSE_KB sets
the question size (to measure an old build without taking gigabytes).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import statistics
import string
import subprocess
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

import aiohttp

from bench.common import Figure, Report, percentile
from bench.load import free_port, start_process
from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack

QUESTION_KB = int(os.environ.get("BENCH_ABUSE_KB", "200"))
ORDINARY = "is kaggle worth it"
CLIENTS = 4
RATE = 25.0  # questions per second per client (when answered in time): 100/s, 20 MB/s of them in all
PROBES = 1000  # /healthz requests per phase, one at a time
PROBE_GAP = 0.005  # seconds between probes
ROUNDS = 5
PHASE_SECONDS = 30.0
MAX_REQUESTS = 6000  # per loaded phase, all clients together
PREPARED = 400  # distinct questions per phase (a phase sends ~700; the build before the caps, ~220)
TIMEOUT = 60.0


@dataclass
class Clients:
    """What the clients' process needs, and what it tells back."""

    url: str
    response_url: str
    kb: int  # the size of each question; 0: the ordinary question
    started: Event  # set once the first question was answered
    stop: Event
    sent: Synchronized[int]
    expected: Synchronized[int]  # answers as expected: refused as too long, or a lesson


def _question(pool: str, n: int) -> str:
    """The n-th question: the ordinary one, or a random word of `kb` KB, new each time (no cache helps)."""
    return pool[n % len(pool) :] + pool[: n % len(pool)] if pool else ORDINARY


def _ask(clients: Clients) -> None:
    """The clients, in a process of their own so their work never delays the probes' clock."""
    sent, stop = clients.sent, clients.stop
    expect = "too long" if clients.kb else "Kaggle"

    async def main() -> None:
        # Made and signed before the phase: building a 200 KB body takes the clients ~1 ms of CPU,
        # which on two cores would compete with the bot and the probes rather than load the bot.
        pool = "".join(random.Random(10).choices(string.ascii_lowercase, k=clients.kb * 1024))
        bodies = [slash_command_body(_question(pool, n), clients.response_url) for n in range(PREPARED)]
        prepared = [(body, signed_headers(SIGNING_SECRET, body)) for body in bodies]
        deadline = time.monotonic() + PHASE_SECONDS
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:

            async def client() -> None:
                due = time.monotonic()
                while not stop.is_set() and time.monotonic() < deadline and sent.value < MAX_REQUESTS:
                    due += 1 / RATE
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                    body, headers = prepared[sent.value % PREPARED]
                    sent.value += 1
                    async with http.post(clients.url, data=body, headers=headers) as response:
                        text = await response.text()
                    clients.expected.value += response.status == 200 and expect in text
                    clients.started.set()

            await asyncio.gather(*(client() for _ in range(CLIENTS)))

    asyncio.run(main())


async def _probe(http: aiohttp.ClientSession, url: str) -> list[float]:
    latencies = []
    for _ in range(PROBES):
        start = time.perf_counter()
        async with http.get(url) as response:
            await response.read()
        latencies.append(time.perf_counter() - start)
        await asyncio.sleep(PROBE_GAP)
    return latencies


@dataclass
class Phase:
    """One loaded phase's probes, and what its clients did."""

    probes: list[float]
    sent: int
    expected: int
    lasted: bool  # the clients were still sending when the last probe was answered


async def _loaded(http: aiohttp.ClientSession, base: str, response_url: str, kb: int) -> Phase:
    spawn = multiprocessing.get_context("spawn")
    clients = Clients(
        url=f"{base}/slack/events",
        response_url=response_url,
        kb=kb,
        started=spawn.Event(),
        stop=spawn.Event(),
        sent=spawn.Value("i", 0),
        expected=spawn.Value("i", 0),
    )
    process = spawn.Process(target=_ask, args=(clients,))
    process.start()
    try:
        await asyncio.to_thread(clients.started.wait, PHASE_SECONDS)
        probes = await _probe(http, f"{base}/healthz")
        lasted = process.is_alive()
    finally:
        clients.stop.set()
        await asyncio.to_thread(process.join, TIMEOUT)
    return Phase(probes, clients.sent.value, clients.expected.value, lasted)


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def compare(report: Report) -> None:
    fake = await FakeSlack().start()
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "MLTIP_HTTP_PORT": str(port),
        "MLTIP_LOG_FORMAT": "text",
        "MLTIP_DATA_DIR": tempfile.mkdtemp(prefix="mltip-bench-"),
    }
    process: subprocess.Popen[bytes] = start_process(["-m", "bot", "run"], env)
    base = f"http://127.0.0.1:{port}"
    idle: list[list[float]] = []
    ordinary: list[Phase] = []
    abused: list[Phase] = []
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
            await _wait_ready(http, f"{base}/healthz")
            await _probe(http, f"{base}/healthz")  # warm-up
            for _ in range(ROUNDS):
                idle.append(await _probe(http, f"{base}/healthz"))
                ordinary.append(await _loaded(http, base, fake.response_url("ordinary"), 0))
                abused.append(await _loaded(http, base, fake.response_url("abuse"), QUESTION_KB))
        peak = peak_rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(10)
        await fake.stop()

    def median_ratio(ours: list[list[float]], floors: list[list[float]], q: float) -> tuple[float, float]:
        ratios = [percentile(o, q) / percentile(f, q) for o, f in zip(ours, floors, strict=True)]
        floor = statistics.median(percentile(f, q) for f in floors) * 1000
        return floor * statistics.median(ratios), floor

    probes = [phase.probes for phase in abused]
    sent, refused = sum(p.sent for p in abused), sum(p.expected for p in abused)
    lasted = all(p.lasted for p in abused + ordinary)
    note = (
        f"{CLIENTS} clients at {RATE:g} questions a second each: {sent} questions of {QUESTION_KB} KB, "
        f"{refused} refused as too long; {PROBES} probes per phase, median of {ROUNDS} alternating rounds; "
        f"peak RSS {peak:.0f} MiB" + ("" if lasted else "; the clients stopped before the probes did")
    )
    p99, floor = median_ratio(probes, idle, 99)
    report.add(
        Figure(
            "abuse", "/healthz p99 under abuse vs idle", p99, floor, "ms", "<= 2x", p99 <= 2 * floor and lasted, note
        )
    )
    p50, floor = median_ratio(probes, idle, 50)
    report.add(Figure("abuse", "/healthz p50 under abuse vs idle", p50, floor, "ms", "-", True))
    asked = sum(p.sent for p in ordinary)
    answered = sum(p.expected for p in ordinary)
    note = f"the same clients asking {ORDINARY!r}: {asked} questions, {answered} answered with a lesson"
    p99, floor = median_ratio(probes, [p.probes for p in ordinary], 99)
    report.add(
        Figure("abuse", "/healthz p99 under abuse vs under ordinary questions", p99, floor, "ms", "-", True, note)
    )


async def _wait_ready(http: aiohttp.ClientSession, url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            async with http.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.05)


def run(report: Report) -> None:
    print("abuse", flush=True)
    os.environ.pop("DISCORD_TOKEN", None)
    asyncio.run(compare(report))
