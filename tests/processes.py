"""Helpers for tests that run `mltip run` as a real process."""

from __future__ import annotations

import asyncio
import os
import sys
import time

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
