"""Answering without holding up the event loop that serves everyone on a platform.

A search the engine has not answered before costs CPU time (the index itself the first time),
and the database is I/O: those run in a worker thread. Everything else — a remembered answer,
a random lesson, a listing, refusing over-long text — is quicker than the hop to a thread
(measured in bench/slack_latency.py and bench/discord_latency.py), so it runs in place.
"""

from __future__ import annotations

import asyncio

from bot.core.commands import CommandEngine
from bot.core.daily import Daily
from bot.core.grammar import Command, Search, decode_action, parse
from bot.core.replies import Reply
from bot.errors import CommandError


def _quick(engine: CommandEngine, command: Command) -> bool:
    if isinstance(command, Search):
        return engine.remembers(command.query)
    return not isinstance(command, Daily)


async def answer(engine: CommandEngine, text: str, *, platform: str) -> Reply:
    """engine.run(text), in a worker thread unless it is quick."""
    try:
        quick = _quick(engine, parse(text))
    except CommandError:
        quick = True  # run() refuses it at once
    if quick:
        return engine.run(text, platform=platform)
    return await asyncio.to_thread(engine.run, text, platform=platform)


async def press(engine: CommandEngine, payload: str, *, user: str, platform: str) -> Reply:
    """engine.press(payload), in a worker thread unless it is quick."""
    try:
        quick = _quick(engine, decode_action(payload, user=user))
    except CommandError:
        quick = True  # press() refuses it at once
    if quick:
        return engine.press(payload, user=user, platform=platform)
    return await asyncio.to_thread(engine.press, payload, user=user, platform=platform)
