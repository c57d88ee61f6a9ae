"""A bounded HTTP load generator on loopback: N requests at C concurrent, latency per request."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from bench.common import ROOT, Figure, Report, percentile

CONCURRENCY_NOTE = 32


@dataclass
class LoadResult:
    latencies: list[float]
    seconds: float
    errors: int

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.post(url, data="") as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientConnectionError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)


def start_process(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def run_load(
    url: str,
    make_request: Callable[[int], tuple[str, dict[str, str]]],
    total: int,
    concurrency: int,
    check: Callable[[int, str], bool],
) -> LoadResult:
    """POST `total` requests (bodies from make_request) with `concurrency` in flight."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            nonlocal errors
            for n in counter:
                body, headers = make_request(n)
                start = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as response:
                    text = await response.text()
                latencies.append(time.perf_counter() - start)
                if not check(response.status, text):
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    return LoadResult(latencies, seconds, errors)


def report_pairs(
    report: Report, bench: str, unit: str, bare: list[LoadResult], ours: list[LoadResult], *, p50_target: float = 1.2
) -> None:
    """Each figure as the median over alternating rounds of ours / bare in the same round.

    Two cores host the load generator, the fake and both servers, so one round can be slowed
    by whatever else runs; comparing within a round and taking the median of rounds keeps that
    noise out of the ratio.
    """
    rounds = len(ours)

    def median_ratio(pick: Callable[[LoadResult], float]) -> tuple[float, float]:
        ratios = sorted(pick(o) / pick(b) for o, b in zip(ours, bare, strict=True))
        middle = ratios[rounds // 2] if rounds % 2 else (ratios[rounds // 2 - 1] + ratios[rounds // 2]) / 2
        floor = statistics.median(pick(b) for b in bare)
        return floor * middle, floor

    requests = sum(len(r.latencies) for r in ours)
    note = f"{requests} requests at {CONCURRENCY_NOTE} in flight, median of {rounds} alternating rounds"
    p50, p50_floor = median_ratio(lambda r: r.p50 * 1000)
    p99, p99_floor = median_ratio(lambda r: r.p99 * 1000)
    rps, rps_floor = median_ratio(lambda r: r.rps)
    report.add(
        Figure(bench, "p50 latency", p50, p50_floor, "ms", f"<= {p50_target}x", p50 <= p50_target * p50_floor, note)
    )
    report.add(Figure(bench, "p99 latency", p99, p99_floor, "ms", "<= 1.2x", p99 <= 1.2 * p99_floor))
    report.add(Figure(bench, "throughput", rps, rps_floor, unit, ">= 0.8x", rps >= 0.8 * rps_floor))
