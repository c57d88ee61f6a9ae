"""Slack's request signatures, checked before anything reads, decodes or parses a body (HTTP mode).

Slack signs every request it sends: `X-Slack-Request-Timestamp` is the time in whole seconds and
`X-Slack-Signature` is `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` under the app's signing
secret. A request is used only when both headers have exactly that shape (ASCII digits; 64
lowercase hex digits), the timestamp is within five minutes of now and the HMAC of the raw body
bytes matches. Anything else gets 401 before its body is decoded or parsed, so nothing in it (a
`response_url` above all) is ever read, logged, or called. bolt's own check parses the body first
and logs it whole when the signature is wrong; it is replaced by this gate and by
`OnlyVerified`, which refuses whatever reaches the app without passing the gate.

A signature is good for five minutes, so a captured request could be sent again: each signature
seen is remembered for that window, in this process's memory (see README, Security), and a
replay is answered with an empty 200 without running anything.

Refusals and replays are logged at most once a minute each, with counts, never with the body.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.adapters.slack.oversize import refuse_oversized

log = logging.getLogger("mltip.slack")

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
WINDOW_SECONDS = 300  # Slack's rule: refuse requests more than five minutes from now
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would also take " 1", "+1", "1_0", "١"
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
VERIFIED = "mltip_signature_verified"  # set in the bolt context by the gate, and by nothing else
REFUSED_BODY = {"error": "invalid request"}  # what bolt answers, kept for anyone who relied on it
REMEMBERED_SIGNATURES = 50_000  # ~10 MB at most; only requests that verified are remembered
LOG_EVERY_SECONDS = 60.0


class Refusal(enum.Enum):
    """Why a request was refused; the value is what the log says."""

    MISSING = "no signature headers"
    MALFORMED = "signature headers not in Slack's format"
    STALE = "timestamp more than five minutes from now"
    MISMATCH = "signature does not match the body"


class Signatures:
    """Checks a request's signature headers, then its body, against the signing secret."""

    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret.encode()
        self._clock = clock

    def check_headers(self, timestamps: list[str], signatures: list[str]) -> Refusal | None:
        """Refuse on the headers alone (no body read yet); None when the body is worth checking."""
        if not timestamps or not signatures:
            return Refusal.MISSING
        if len(timestamps) > 1 or len(signatures) > 1:
            return Refusal.MALFORMED
        if not TIMESTAMP.fullmatch(timestamps[0]) or not SIGNATURE.fullmatch(signatures[0]):
            return Refusal.MALFORMED
        if abs(self._clock() - int(timestamps[0])) > WINDOW_SECONDS:
            return Refusal.STALE
        return None

    def matches(self, timestamp: str, signature: str, body: bytes) -> bool:
        """Whether `signature` is Slack's for this timestamp and these exact bytes."""
        digest = hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
        return hmac.compare_digest("v0=" + digest.hexdigest(), signature)


class RecentSignatures:
    """Signatures already answered, each kept until its timestamp leaves the five-minute window.

    Bounded: past `limit` the oldest goes first (only a deployment answering more than `limit`
    genuine requests in five minutes would ever forget one early).
    """

    def __init__(self, limit: int = REMEMBERED_SIGNATURES, clock: Callable[[], float] = time.time) -> None:
        # Oldest first; an OrderedDict drops from the front in O(1) (a dict slows down doing that).
        self._until: OrderedDict[bytes, float] = OrderedDict()
        self._limit = limit
        self._clock = clock

    def first_time(self, signature: str, timestamp: int) -> bool:
        """Remember `signature`; False when it was already seen (a replay)."""
        now = self._clock()
        while self._until and next(iter(self._until.values())) < now:
            self._until.popitem(last=False)
        key = bytes.fromhex(signature.removeprefix("v0="))
        if key in self._until:
            return False
        self._until[key] = timestamp + WINDOW_SECONDS
        if len(self._until) > self._limit:
            self._until.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._until)


class Throttled:
    """One log line per `every` seconds for a kind of event, with how many happened meanwhile."""

    def __init__(self, what: str, every: float = LOG_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic):
        self._what = what
        self._every = every
        self._clock = clock
        self._since_line = 0
        self._total = 0
        self._next_at = 0.0

    def happened(self, detail: str) -> None:
        """Count one; log (with the count since the previous line) unless a line went out lately."""
        self._since_line += 1
        self._total += 1
        now = self._clock()
        if now < self._next_at:
            return
        log.warning(
            "%s: %d since the previous line, %d in all; the latest: %s",
            self._what,
            self._since_line,
            self._total,
            detail,
        )
        self._since_line = 0
        self._next_at = now + self._every


class OnlyVerified(AsyncMiddleware):
    """bolt middleware (before authorize): only requests the gate verified, or Socket Mode envelopes."""

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        if is_trusted(req):
            return await next()
        return BoltResponse(status=401, body=REFUSED_BODY)


def is_trusted(request: AsyncBoltRequest) -> bool:
    """Whether a request's body may be used: it came over Socket Mode, or its signature verified."""
    return request.mode == "socket_mode" or request.context.get(VERIFIED) is True


class SignedRequestGate:
    """The /slack/events handler: verify, refuse replays, then hand the request to bolt."""

    def __init__(self, app: AsyncApp, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.signatures = Signatures(signing_secret, clock)
        self.recent = RecentSignatures(clock=clock)
        self.refusals = Throttled("refused Slack requests whose signature did not verify")
        self.replays = Throttled("ignored replayed Slack requests")

    async def handle(self, request: web.Request) -> web.Response:
        timestamps = request.headers.getall(TIMESTAMP_HEADER, [])
        signatures = request.headers.getall(SIGNATURE_HEADER, [])
        refusal = self.signatures.check_headers(timestamps, signatures)
        if refusal is not None:
            return self._refuse(request, refusal)
        timestamp, signature = timestamps[0], signatures[0]
        oversized = await refuse_oversized(request, lambda body: self.signatures.matches(timestamp, signature, body))
        if oversized is not None:  # a body bigger than anything mltip takes; a forged one is counted as such
            return self._refuse(request, Refusal.MISMATCH) if oversized.status == 401 else oversized
        body = await request.read()  # aiohttp answers 413 past its size limit
        if not self.signatures.matches(timestamp, signature, body):
            return self._refuse(request, Refusal.MISMATCH)
        if not self.recent.first_time(signature, int(timestamp)):
            self.replays.happened(f"signed at {timestamp}, from {request.remote}")
            return web.Response(status=200)
        try:
            bolt_request = AsyncBoltRequest(
                body=body.decode("utf-8"),
                query=request.query_string,
                headers=dict(request.headers),
                context={VERIFIED: True},
            )
        except (ValueError, TypeError, AttributeError, RecursionError) as exc:
            # Signed, so from Slack, yet unreadable (not UTF-8, not JSON, not an object, nested too deep).
            log.warning("a signed Slack request had a body we cannot read (%s)", type(exc).__name__)
            return web.json_response({"error": "unreadable body"}, status=400)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def _refuse(self, request: web.Request, refusal: Refusal) -> web.Response:
        size = request.content_length
        self.refusals.happened(f"{refusal.value} ({size if size is not None else '?'} bytes from {request.remote})")
        return web.json_response(REFUSED_BODY, status=401)
