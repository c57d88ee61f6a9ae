"""A fake Slack on 127.0.0.1: the Web API, response_url endpoints and a Socket Mode websocket.

It also plays Slack's side of the OAuth install flow (slack_oauth.py): a code from `grant()` buys
a workspace's own bot token at oauth.v2.access, and auth.test says which workspace a token is for.

Every Web API call is checked against Slack's Web API spec (slack_spec.py): a call to a method
that does not exist, or with a parameter the method does not take, is answered as Slack answers
it (`invalid_arguments`) and lands in `spec_errors`, which `stop()` then fails on.

It speaks Slack's wire formats (form or JSON bodies in, `{"ok": ...}` JSON out, Socket Mode
envelopes and acks) so the real slack_sdk / slack_bolt code runs unchanged against it, and it
records everything it receives for tests to assert on. Faults can be scripted per method, and
`rate_limit` answers a burst of calls with HTTP 429 and a Retry-After header, as Slack does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.limits import RateLimit
from tests.fakes.slack_oauth import OAuthSide
from tests.fakes.slack_spec import SlackSpec
from tests.support.waiting import eventually

BOT_TOKEN = "xoxb-1111-2222-fakebottoken"
APP_TOKEN = "xapp-1-A111-3333-fakeapptoken"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM_ID = "T0FAKE"
_SPEC = SlackSpec()  # parsed once: the spec is a few MB
# The bot scopes manifest.yml asks for; each method below is refused `missing_scope` without its own.
MANIFEST_SCOPES = frozenset(
    {"commands", "chat:write", "users:read", "pins:write", "im:write", "channels:read", "groups:read"}
)
SCOPE_OF = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "users.info": "users:read",
    "pins.add": "pins:write",
    "pins.remove": "pins:write",
    "conversations.open": "im:write",
    "conversations.info": "channels:read",
}


@dataclass(frozen=True)
class ApiCall:
    """One Web API call as received."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float


@dataclass(frozen=True)
class Fault:
    """A scripted answer: an HTTP status, a Slack error code, a delay, or all three."""

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0


@dataclass
class FakeSlack(OAuthSide):
    """Start with `await fake.start()`; point SLACK_API_URL at `fake.api_url`."""

    bot_tokens: set[str] = field(default_factory=lambda: {BOT_TOKEN})
    app_token: str = APP_TOKEN
    calls: list[ApiCall] = field(default_factory=list)
    responses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    acks: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    on_call: Callable[[ApiCall], None] | None = None
    post_delay: float = 0.0  # every chat.postMessage answers this late (a slow Slack)
    post_limit: RateLimit | None = None  # chat.postMessage per workspace (token), when enforced
    admins: set[str] = field(default_factory=set)  # users.info says these are workspace admins
    spec_errors: list[str] = field(default_factory=list)  # calls Slack's spec says are wrong
    views: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # user id -> Home views published
    owners: set[str] = field(default_factory=set)  # ... and these owners
    scopes: set[str] = field(default_factory=lambda: set(MANIFEST_SCOPES))  # what the bot token was granted
    outside: set[str] = field(default_factory=set)  # channels the bot is not a member of
    pins: dict[str, list[str]] = field(default_factory=dict)  # channel -> pinned message ts, oldest first
    # People the bot cannot message, and the error Slack gives: conversations.open answers
    # user_not_found / user_disabled (its spec's codes), chat.postMessage to their DM cannot_dm_bot.
    unreachable: dict[str, str] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)  # users.info `tz` per user (else Europe/Berlin)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str = "") -> str:
        """A response_url that records what the bot posts to it."""
        return f"{self.base}/response/{key or uuid.uuid4().hex}"

    def script(self, method: str, *faults: Fault) -> None:
        """Answer the next calls of `method` with these faults, in order."""
        self.faults.setdefault(method, []).extend(faults)

    def rate_limit(self, method: str, *, times: int, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429, `Retry-After: retry_after` (whole seconds)."""
        self.script(method, *[Fault(status=429, retry_after=retry_after)] * times)

    def home(self, user_id: str) -> dict[str, Any]:
        """The Home tab view last published for `user_id`."""
        published = self.views.get(user_id)
        assert published, f"no Home tab was published for {user_id}"
        return published[-1]

    @staticmethod
    def dm_of(user_id: str) -> str:
        """The id of the bot's DM with `user_id` (Slack's DM ids start with D)."""
        return f"D{user_id.removeprefix('U')}"

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.add_routes(
            [
                web.post("/api/{method}", self._api),
                web.get("/api/{method}", self._api),  # slack_sdk reads with GET (users.info, ...)
                web.post("/response/{key}", self._response),
                web.get("/link", self._socket),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        # Every call the bot made must have matched Slack's spec.
        assert not self.spec_errors, self.spec_errors

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, message: str = "the fake Slack never saw it"
    ) -> None:
        """Wait until `predicate()` holds (it reads the recorded traffic), or fail the test with `message`."""
        await eventually(predicate, timeout=timeout, message=message)

    # --- Web API -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        if request.content_type == "application/json":
            params: dict[str, Any] = json.loads(raw or "{}")
        else:
            params = dict(parse_qsl(raw, keep_blank_values=True))
        params = {**request.query, **params}
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        call = ApiCall(method=method, params=params, token=token, at=time.monotonic())
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        problems = _SPEC.errors(method, params)
        if problems:
            self.spec_errors += problems
            return web.json_response(
                {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
            )
        if method == "chat.postMessage" and self.post_delay:
            await asyncio.sleep(self.post_delay)
        if method == "chat.postMessage" and self.post_limit is not None and token:
            wait = self.post_limit.take(token)
            if wait:
                headers = {"Retry-After": str(max(1, math.ceil(wait)))}
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
        scripted = self.faults.get(method)
        if scripted:
            fault = scripted.pop(0)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status == 429:
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(fault.retry_after or 1)},
                )
            if fault.status != 200:
                return web.Response(status=fault.status, text="upstream error")
            if fault.error:
                return web.json_response({"ok": False, "error": fault.error})
        if method == "oauth.v2.access":
            return web.json_response(self.oauth_access(auth, params))
        if method == "apps.connections.open":
            if token != self.app_token:
                return web.json_response({"ok": False, "error": "invalid_auth"})
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self._port}/link"})
        if token not in self.bot_tokens:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        needed = SCOPE_OF.get(method)
        if needed is not None and needed not in self.scopes:
            return web.json_response({"ok": False, "error": "missing_scope", "needed": needed})
        return web.json_response(self._answer(method, params, token))

    def _answer(self, method: str, params: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        if method == "auth.test":
            team = self.token_teams.get(token or "", TEAM_ID)
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": "Fake" if team == TEAM_ID else team,
                "user": "mltip",
                "team_id": team,
                "user_id": "UBOT" if team == TEAM_ID else f"UBOT{team}",
                "bot_id": "BBOT" if team == TEAM_ID else f"BBOT{team}",
                "is_enterprise_install": False,
            }
        if method.startswith("pins.") or method == "conversations.info":
            return self._conversation(method, params)
        if method == "chat.postMessage":
            if not params.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            if params["channel"] in self.outside:
                return {"ok": False, "error": "not_in_channel"}
            blocked = [
                u for u, e in self.unreachable.items() if e == "cannot_dm_bot" and self.dm_of(u) == params["channel"]
            ]
            if blocked:
                return {"ok": False, "error": "cannot_dm_bot"}
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            return {"ok": True, "channel": params["channel"], "ts": ts, "message": {"text": params.get("text")}}
        if method == "conversations.open":
            user_id = str(params.get("users") or "")
            if "," in user_id or not user_id:
                return {"ok": False, "error": "users_list_not_supplied" if not user_id else "too_many_users"}
            error = self.unreachable.get(user_id)
            if error is not None and error != "cannot_dm_bot":
                return {"ok": False, "error": error}
            return {"ok": True, "channel": {"id": self.dm_of(user_id)}}
        if method == "users.info":
            return self._user(params.get("user") or "")
        if method == "views.publish":
            view = params["view"] if isinstance(params["view"], dict) else json.loads(params["view"])
            self.views.setdefault(params["user_id"], []).append(view)
            return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", "team_id": TEAM_ID, **view}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        return {"ok": True}

    def _conversation(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """pins.add/remove and conversations.info as Slack answers them (https://api.slack.com/methods)."""
        channel = str(params.get("channel") or "")
        if method == "conversations.info":
            return {
                "ok": True,
                "channel": {"id": channel, "is_channel": True, "is_member": channel not in self.outside},
            }
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        pinned = self.pins.setdefault(channel, [])
        timestamp = str(params.get("timestamp") or "")
        if method == "pins.add":
            if timestamp in pinned:
                return {"ok": False, "error": "already_pinned"}
            pinned.append(timestamp)
            return {"ok": True}
        if method == "pins.remove":
            if timestamp not in pinned:
                return {"ok": False, "error": "no_pin"}
            pinned.remove(timestamp)
            return {"ok": True}
        return {"ok": True}

    def _user(self, user_id: str) -> dict[str, Any]:
        """users.info as Slack answers it, trimmed to the fields a bot reads."""
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        owner = user_id in self.owners
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": user_id.lower(),
            "deleted": False,
            "real_name": user_id,
            "tz": self.zones.get(user_id, "Europe/Berlin"),
            "is_admin": owner or user_id in self.admins,
            "is_owner": owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
            "is_app_user": False,
        }
        return {"ok": True, "user": user}

    async def _response(self, request: web.Request) -> web.Response:
        self.responses.append((request.match_info["key"], await request.json()))
        return web.Response(text="ok")

    # --- Socket Mode ---------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "connection_info": {"app_id": "A111"},
                "debug_info": {"host": "fake", "approximate_connection_time": 3600},
            }
        )
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                ack = json.loads(message.data)
                future = self.acks.get(ack.get("envelope_id", ""))
                if future is not None and not future.done():
                    future.set_result(ack)
        self._sockets.remove(ws)
        return ws

    @property
    def socket_connected(self) -> bool:
        return bool(self._sockets)

    async def send_envelope(self, kind: str, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Deliver an envelope over Socket Mode and return the bot's ack."""
        envelope_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.acks[envelope_id] = future
        await self._sockets[-1].send_json(
            {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": True}
        )
        return await asyncio.wait_for(future, timeout)
