"""Helpers for tests that run `mltip run` as a real process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator

import aiohttp

from tests.conftest import REPO_ROOT


async def wait_ready(http: aiohttp.ClientSession, url: str, timeout: float = 30.0) -> None:
    """Wait until GET `url` answers 200 (the process is up), or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            async with http.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.02)
    raise AssertionError(f"{url} never answered 200")


async def start_mltip_run(env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python -m bot run` from the checkout with `env` (over the current environment, less any
    chat token `env` does not set itself); stderr is piped so tests can read the log."""
    full = {**os.environ, **env}
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "DISCORD_TOKEN"):
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
        async with aiohttp.ClientSession() as http:
            await wait_ready(http, running.url + ready)
        yield running
    finally:
        await running.stop()
