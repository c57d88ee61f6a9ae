"""Requests to /slack/events bigger than anything mltip takes, answered before bolt reads them.

Bolt decodes, verifies and parses every body on the event loop: about 1 ms for a 200 KB one,
twice an ordinary question, and a few clients sending them back to back keep the loop that
answers everyone (and /healthz) busy (bench/abuse.py). Nothing mltip takes comes near
MAX_BODY: a question is at most 500 characters (bot/core/limits.py), a few KB however it is
encoded, and the biggest request, a button under a public post, carries that post (~20 KB).
So a bigger body is answered here. A signed slash command gets the usual "too long" reply, its
signature checked in a worker thread (hashing a big body there leaves the loop free); an unsigned
or stale one gets 401 and anything else 413. Nothing from the body is logged or acted on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from bot.core.limits import too_long

MAX_BODY = 64 * 1024  # bytes


async def refuse_oversized(request: web.Request, signed: Callable[[bytes], bool]) -> web.Response | None:
    """The answer to a body over MAX_BODY; None for any other request, which bolt then handles.

    `signed(body)` checks the request's signature (its headers' shape is already checked).
    """
    length = request.content_length
    if length is not None and length <= MAX_BODY:
        return None  # the common case, decided without reading (Slack always sends the length)
    body = await request.read()  # aiohttp keeps it, so bolt does not read it again
    if len(body) <= MAX_BODY:
        return None
    if not await asyncio.to_thread(signed, body):
        return web.Response(status=401)
    # Form fields are percent-encoded, so no value can hold '&command=': it starts a field.
    if not (body.startswith(b"command=") or b"&command=" in body):
        return web.Response(status=413)
    return web.json_response({"response_type": "ephemeral", "text": too_long(f"{len(body) // 1024:,} KB")})
