"""Helpers for tests that run `mltip run` as a real process."""

from __future__ import annotations

import asyncio
import time

import aiohttp


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
