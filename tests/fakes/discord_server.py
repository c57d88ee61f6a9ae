"""A fake Discord on 127.0.0.1: REST under /api/v10 and a gateway websocket, for the real discord.py.

Start it, point DISCORD_API_URL at `api_url` and DISCORD_GATEWAY_URL at `gateway_url`, then
drive interactions (`command`, `autocomplete`, `press`) and read what the bot sent back.

- Every REST request is recorded (`requests`); every JSON body is validated against Discord's
  OpenAPI spec (../shared/specs/discord-openapi.json, when present). A body that fails gets
  Discord's 400 "Invalid Form Body" and lands in `schema_errors`.
- Responses carry `Content-Type: application/json` exactly (discord.py parses JSON only then)
  and the X-RateLimit headers discord.py reads.
- `fail(method, route, status, times=N)` answers the next N requests to a route (a path from
  the spec, e.g. "/channels/{channel_id}/messages") with a 429 + retry_after, 401, 403, 404
  or 5xx instead. A burst of 429s says `retry_after` in the body and the X-RateLimit headers
  as Discord does, for the route (scope "user"), a shared resource, or the whole bot ("global").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from tests.fakes import discord_payloads as p
from tests.fakes.discord_gateway import FakeGateway, Session
from tests.fakes.discord_rest import RecordedRequest, RestRoutes, SpecValidator
from tests.fakes.limits import RateLimit
from tests.support.paths import SHARED
from tests.support.waiting import eventually

SPEC = SHARED / "specs" / "discord-openapi.json"
API_PREFIX = "/api/v10"
TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.fake.bot-token-never-logged"
T = TypeVar("T")
JSON = dict[str, Any]

ERRORS = {
    401: {"message": "401: Unauthorized", "code": 0},
    403: {"message": "Missing Access", "code": 50001},
    50013: {"message": "Missing Permissions", "code": 50013},
    404: {"message": "Unknown Channel", "code": 10003},
}


@dataclass(slots=True)
class Fault:
    method: str
    route: str
    status: int
    times: int
    retry_after: float
    scope: str = "user"  # of a 429: user (this route), shared, or global (every route)


@dataclass(slots=True)
class Exchange:
    """An interaction the fake sent, and what the bot answered."""

    interaction: JSON
    callback: JSON  # the body of POST /interactions/{id}/{token}/callback
    message: JSON | None  # the message that answer created or updated, as Discord stores it


class FakeDiscord:
    """REST + gateway on one local port; state lives in plain attributes tests can read."""

    def __init__(self, *, token: str = TOKEN, spec: Path | None = SPEC, heartbeat_interval_ms: int = 41_250) -> None:
        self.token = token
        self.application_id = p.snowflake()
        self.guild_id = p.snowflake()
        self.channel_id = p.snowflake()
        self.dm_channel_id = p.snowflake()  # where DM and group DM interactions come from
        self.other_guild_id, self.other_channel_id = p.snowflake(), p.snowflake()  # a server without the bot
        self.bot_user = p.user(self.application_id, "mltip", bot=True)
        self.member = p.member(p.user(p.snowflake(), "ada", global_name="Ada L."), nick="Ada")
        self.requests: list[RecordedRequest] = []
        self.schema_errors: list[str] = []
        self.validator = SpecValidator.of(spec) if spec is not None and spec.exists() else None
        self.commands: dict[str | None, list[JSON]] = {}  # guild id (None: global) -> definitions
        self.messages: dict[str, JSON] = {}
        self.nonces: dict[tuple[str, str], JSON] = {}  # (channel, nonce) -> the first message
        self.global_limit: RateLimit | None = None  # Discord's 50 requests/s per bot, when enforced
        self.channels: set[str] = {self.channel_id}
        self.dms: dict[str, str] = {}  # user id -> the bot's DM channel with them (POST /users/@me/channels)
        self.blocked: set[str] = set()  # users who do not take the bot's DMs: posting there is 403, code 50007
        self.interactions: dict[str, JSON] = {}  # interaction id -> {"payload", "responded", "message_id"}
        self.faults: list[Fault] = []
        # The bot's permissions in the channel: sent as interactions' app_permissions and enforced
        # on pins (PIN_MESSAGES, 1 << 51) and threads (CREATE_PUBLIC_THREADS, 1 << 35).
        self.app_permissions = (1 << 52) - 1
        self.pins: dict[str, list[str]] = {}  # channel -> pinned message ids
        self.threads: list[JSON] = []  # threads started on messages
        self.gateway = FakeGateway(
            token=token,
            ready_data=self._ready_data,
            guilds=self._guilds,
            heartbeat_interval_ms=heartbeat_interval_ms,
        )
        self.rest = RestRoutes(self)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway-resume"

    async def start(self) -> None:
        app = web.Application(middlewares=[self.rest.middleware])
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway-resume", self.gateway.handle)
        self.rest.add_routes(app, API_PREFIX)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()  # port 0: a free one
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- waiting -----------------------------------------------------------------------------

    async def wait_for(
        self, probe: Callable[[], T | None], timeout: float = 5.0, message: str = "the fake Discord never saw it"
    ) -> T:
        """The first truthy result of `probe` (it reads the recorded traffic or the client's state),
        or fail the test with `message`."""
        return await eventually(probe, timeout=timeout, message=message)

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.route == route]

    # --- scripting -----------------------------------------------------------------------------

    def fail(
        self, method: str, route: str, status: int, *, times: int = 1, retry_after: float = 0.0, scope: str = "user"
    ) -> None:
        """Answer the next `times` requests to `route` with `status` (429: retry after `retry_after` s,
        in `scope` user, shared or global).

        Status 0 stalls instead: the request is answered normally, `retry_after` seconds late.
        """
        if scope not in ("user", "shared", "global"):
            raise ValueError(f"Discord's rate-limit scopes are user, shared and global, not {scope!r}")
        self.faults.append(Fault(method.upper(), route, status, times, retry_after, scope))

    def take_fault(self, method: str, route: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.route == route and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    # --- interactions -------------------------------------------------------------------------

    def command_definition(self, name: str = "mltip") -> JSON:
        """The registered command called `name` (guild commands first, as Discord resolves them)."""
        for scope in (self.guild_id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        raise AssertionError(f"/{name} was never synced; commands: {self.commands}")

    async def command(self, query: str | None = None, *, by: JSON | None = None, place: str = p.SERVER) -> Exchange:
        """A member runs `/mltip [query:...]`, in `place` (discord_payloads.PLACES)."""
        options = [] if query is None else [{"type": 3, "name": "query", "value": query}]
        data = p.command_data(self.command_definition(), options)
        return await self.interact(p.CHAT_INPUT, data, by=by, place=place)

    async def autocomplete(self, current: str, *, by: JSON | None = None) -> Exchange:
        """A member types `current` into the query option."""
        options = [{"type": 3, "name": "query", "value": current, "focused": True}]
        return await self.interact(p.AUTOCOMPLETE, p.command_data(self.command_definition(), options), by=by)

    async def press(self, message: JSON, custom_id: str, *, by: JSON | None = None, place: str = p.SERVER) -> Exchange:
        """A member presses the button `custom_id` on `message`."""
        data = {"custom_id": custom_id, "component_type": p.BUTTON}
        return await self.interact(p.COMPONENT, data, by=by, message_data=message, place=place)

    async def interact(
        self,
        kind: int,
        data: JSON,
        *,
        by: JSON | None = None,
        message_data: JSON | None = None,
        timeout: float = 5.0,
        place: str = p.SERVER,
    ) -> Exchange:
        """Dispatch INTERACTION_CREATE (from `place`, discord_payloads.PLACES) and wait for the bot's callback."""
        # A user install reaches servers the bot is not in: another server, another channel.
        guild_id, channel_id = {
            p.SERVER: (self.guild_id, self.channel_id),
            p.SERVER_USER_INSTALL: (self.other_guild_id, self.other_channel_id),
        }.get(place, (self.guild_id, self.dm_channel_id))
        payload = p.interaction(
            kind,
            data,
            application_id=self.application_id,
            guild_id=guild_id,
            channel_id=channel_id,
            by=by or self.member,
            message_data=message_data,
            place=place,
        )
        payload["app_permissions"] = str(self.app_permissions)
        self.interactions[payload["id"]] = {"payload": payload, "responded": False, "message_id": None}
        shard = self.shard_of(guild_id) if place not in (p.BOT_DM, p.GROUP_DM) else None
        await self.gateway.dispatch("INTERACTION_CREATE", payload, shard_id=shard)
        route = "/interactions/{interaction_id}/{interaction_token}/callback"

        def answered() -> RecordedRequest | None:
            hits = [r for r in self.requests_to("POST", route) if r.path.split("/")[2] == payload["id"]]
            return hits[0] if hits and hits[0].status else None

        request = await self.wait_for(answered, timeout, message="the bot never answered the interaction")
        message_id = self.interactions[payload["id"]]["message_id"]
        return Exchange(payload, request.json, self.messages.get(message_id) if message_id else None)

    def shard_of(self, guild_id: str) -> int | None:
        """Which shard a guild's events go to, when the client is sharded."""
        shards = {c.session.shard for c in self.gateway.live() if c.session is not None and c.session.shard}
        if not shards:
            return None
        count = next(iter(shards))[1]
        return (int(guild_id) >> 22) % count

    # --- gateway data ---------------------------------------------------------------------------

    def _ready_data(self, session: Session) -> JSON:
        data: JSON = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": g["id"], "unavailable": True} for g in self._guilds(session)],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": self.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
        }
        if session.shard is not None:
            data["shard"] = list(session.shard)
        return data

    def _guilds(self, session: Session) -> list[JSON]:
        if session.shard is not None and (int(self.guild_id) >> 22) % session.shard[1] != session.shard[0]:
            return []
        return [p.guild(self.guild_id, self.channel_id, p.member(self.bot_user))]

    @staticmethod
    def error_body(status: int) -> JSON:
        return ERRORS.get(status, {"message": f"{status}: Server Error", "code": 0})
