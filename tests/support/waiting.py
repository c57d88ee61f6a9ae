"""Waiting for something the bot does on its own time: the one polling loop of the suite.

Use `eventually()` wherever a test waits for a consequence it cannot await directly: a post the
bot makes after acking, a row a listener writes, a process that comes up. It re-checks often and
fails the test with `message` when the time runs out, so a wait can never pass by timing out
quietly. Never sleep a fixed time instead, except to give a duplicate the chance to show up.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

import aiohttp

T = TypeVar("T")

EVERY_SECONDS = 0.01  # how often to look again: cheap checks, and quick tests


@overload
async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout: float = ..., message: str = ...) -> T: ...


@overload
async def eventually(probe: Callable[[], T | None], *, timeout: float = ..., message: str = ...) -> T: ...


async def eventually(
    probe: Callable[[], object], *, timeout: float = 5.0, message: str = "what the test waited for never happened"
) -> object:
    """The first truthy result of `probe()` (a plain or an async function), looked at every 10 ms.

    Raises AssertionError(`message`) when `timeout` seconds pass without one. An exception from
    `probe` is not waited out: it fails the test at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} (waited {timeout:g} s)")
        await asyncio.sleep(EVERY_SECONDS)


async def answers_ok(http: aiohttp.ClientSession, url: str) -> bool:
    """Whether GET `url` answers 200 now (a server not listening yet is a no, not an error)."""
    try:
        async with http.get(url) as response:
            return response.status == 200
    except aiohttp.ClientConnectionError:
        return False


async def wait_until_ok(url: str, timeout: float = 10.0) -> None:
    """Wait until GET `url` answers 200: the bot's /healthz (it is up) or /readyz (it is ready)."""
    async with aiohttp.ClientSession() as http:
        await eventually(lambda: answers_ok(http, url), timeout=timeout, message=f"{url} never answered 200")
