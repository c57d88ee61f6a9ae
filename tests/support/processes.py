"""Real processes for the process-level tests: `mltip run`, daily workers, and replicas of a store call.

A test that uses any of these carries the `process` marker (`make fast` leaves it out).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any

from tests.support.paths import REPO_ROOT
from tests.support.waiting import wait_until_ok

CHAT_TOKENS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "DISCORD_TOKEN")


async def start_mltip_run(env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python -m bot run` from the checkout with `env` (over the current environment, less any
    chat token `env` does not set itself); stderr is piped so tests can read the log."""
    full = {**os.environ, **env}
    for name in CHAT_TOKENS:
        if name not in env:
            full.pop(name, None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=REPO_ROOT,
        env=full,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


class RunningProcess:
    """A `mltip run` whose stderr is read as it is written (a flood of log cannot stall it)."""

    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url
        self._log = bytearray()
        self._reader = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        assert self.process.stderr is not None
        while chunk := await self.process.stderr.read(65536):
            self._log += chunk

    def log(self) -> str:
        """Everything written to stderr so far."""
        return self._log.decode(errors="replace")

    def log_size(self) -> int:
        """How many bytes of log so far."""
        return len(self._log)

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until the log has stopped growing for `quiet` seconds (what a request logs has landed)."""
        size = -1
        while size != len(self._log):
            size = len(self._log)
            await asyncio.sleep(quiet)

    async def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then the exit code once stderr is closed."""
        if self.process.returncode is None:
            self.process.terminate()
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.wait_for(self._reader, timeout)
        return code


@contextlib.asynccontextmanager
async def mltip_run(env: dict[str, str], port: int, ready: str = "/healthz") -> AsyncIterator[RunningProcess]:
    """`mltip run` with `env`, serving on `port`, until the block ends (then SIGTERM)."""
    running = RunningProcess(await start_mltip_run(env), f"http://127.0.0.1:{port}")
    try:
        await wait_until_ok(running.url + ready, timeout=30.0)
        yield running
    finally:
        await running.stop()


async def start_daily_worker(
    database_url: str, slack_api_url: str, start: datetime, worker_id: str, concurrency: int = 64
) -> asyncio.subprocess.Process:
    """One scheduler tick in a process of its own (tests/daily/worker_process.py), its clock
    running from `start`; stderr is piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.daily.worker_process",
        database_url,
        slack_api_url,
        start.isoformat(),
        worker_id,
        str(concurrency),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def run_replicas(target: Callable[..., None], each: Sequence[tuple[Any, ...]], timeout: float = 120.0) -> list[Any]:
    """Run `target(*args, barrier, results)` in one spawned process per `args` in `each`, as replicas
    of the bot would, all starting at once (they wait on `barrier`); what each put on `results`, in
    the order they finished. Fails the test if a replica does not exit 0.

    `target` must be importable by name (tests/store/workers.py): spawn starts a fresh interpreter.
    """
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(each)), context.Queue()
    processes = [context.Process(target=target, args=(*args, barrier, results)) for args in each]
    for process in processes:
        process.start()
    reported = [results.get(timeout=timeout) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0, f"a replica exited with {process.exitcode}"
    return reported
