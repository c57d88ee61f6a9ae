"""The fake Discord's REST API (v10): the routes discord.py uses for /mltip, checked against the spec.

Route templates are the spec's own paths, so a request's template is also its key into the
OpenAPI document. State lives on the FakeDiscord these routes serve.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.fakes import discord_payloads as p

if TYPE_CHECKING:
    from tests.fakes.discord_server import FakeDiscord

JSON = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SPEC_URI = "urn:discord:openapi"
INVALID_FORM_BODY = 50035
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 4, 5, 6, 7, 8


@dataclass(slots=True)
class RecordedRequest:
    """One REST request the bot made, and the status the fake answered with."""

    method: str
    path: str  # without the /api/v10 prefix
    route: str  # the spec's path template, e.g. /channels/{channel_id}/messages
    query: dict[str, str]
    json: Any
    status: int = 0


RECORD = web.RequestKey("record", RecordedRequest)


class SpecValidator:
    """Validates request bodies against the request-body schema of Discord's OpenAPI operation.

    Use `SpecValidator.of(path)`: one per spec file for the whole run.
    """

    @classmethod
    @functools.cache
    def of(cls, path: Path) -> SpecValidator:
        """The validator for the spec at `path`, read once. Sharing it matters beyond the parse time:
        aiohttp's handler cache keeps every fake server alive until the run ends, and a spec each
        (some 20,000 objects) made every full garbage collection stall the event loop for seconds."""
        return cls(path)

    def __init__(self, path: Path) -> None:
        self.spec = json.loads(path.read_text())
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._validators: dict[tuple[str, str], Draft202012Validator | None] = {}

    def errors(self, method: str, route: str, body: Any) -> list[str]:
        validator = self._validator(method.lower(), route)
        if validator is None:
            return []
        error = best_match(validator.iter_errors(body))
        return [] if error is None else [f"{method} {route}: {error.json_path}: {error.message[:500]}"]

    def _validator(self, method: str, route: str) -> Draft202012Validator | None:
        key = (method, route)
        if key not in self._validators:
            operation = self.spec["paths"].get(route, {}).get(method, {})
            schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if schema is None:
                self._validators[key] = None
            else:
                pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in ("paths", route, method))
                ref = f"{SPEC_URI}#/{pointer}/requestBody/content/application~1json/schema"
                self._validators[key] = Draft202012Validator({"$ref": ref}, registry=self._registry)
        return self._validators[key]


def respond(data: Any, status: int = 200, *, route: str = "", extra: dict[str, str] | None = None) -> web.Response:
    """A Discord-style response: exact JSON content type, rate-limit headers on every answer."""
    headers = {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "4",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": f"{abs(hash(route)):x}",
        **(extra or {}),
    }
    if status == 204:
        return web.Response(status=204, headers=headers)
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={**headers, "Content-Type": "application/json"}
    )


def rate_limited(retry_after: float, route: str, *, scope: str = "user") -> web.Response:
    """A 429 as Discord sends it: retry_after (float seconds) and `global` in the body, Retry-After
    (whole seconds) and the X-RateLimit headers; `scope` is user (this route), shared or global."""
    is_global = scope == "global"
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global, "code": 0}
    extra = {
        "Retry-After": str(math.ceil(retry_after)),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Scope": scope,
        "Via": "1.1 google",  # discord.py takes a 429 without Via for a Cloudflare ban and gives up
    }
    if is_global:
        extra["X-RateLimit-Global"] = "true"
    return respond(body, 429, route=route, extra=extra)


class RestRoutes:
    """Handlers for the REST routes, plus the recording/fault/validation middleware."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.prefix = ""

    def add_routes(self, app: web.Application, prefix: str) -> None:
        self.prefix = prefix
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", "/applications/{application_id}/commands", self.get_commands),
            ("PUT", "/applications/{application_id}/commands", self.put_commands),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self.get_commands),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self.put_commands),
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self.interaction_callback),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self.followup),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("PUT", "/channels/{channel_id}/messages/pins/{message_id}", self.pin),
            ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", self.pin),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.start_thread),
            ("POST", "/users/@me/channels", self.create_dm),
        ]
        for method, route, handler in routes:
            app.router.add_route(method, prefix + route, handler)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(self.prefix + "/"):
            return await handler(request)  # the gateway websocket
        resource = request.match_info.route.resource
        route = resource.canonical[len(self.prefix) :] if resource is not None else request.path[len(self.prefix) :]
        body = None
        if request.can_read_body:
            text = await request.text()
            body = json.loads(text) if request.content_type == "application/json" else text
        record = RecordedRequest(request.method, request.path[len(self.prefix) :], route, dict(request.query), body)
        self.fake.requests.append(record)
        request[RECORD] = record
        response = await self._answer(request, handler, record)
        record.status = response.status
        return response

    async def _answer(self, request: web.Request, handler: Handler, record: RecordedRequest) -> web.StreamResponse:
        fault = self.fake.take_fault(record.method, record.route)
        if fault is not None and fault.status == 0:
            await asyncio.sleep(fault.retry_after)  # a stall: answer normally, but late
        elif fault is not None:
            if fault.status == 429:
                return rate_limited(fault.retry_after, record.route, scope=fault.scope)
            return respond(self.fake.error_body(fault.status), fault.status, route=record.route)
        token_in_path = record.route.startswith(("/interactions/", "/webhooks/"))
        if not token_in_path and request.headers.get("Authorization") != f"Bot {self.fake.token}":
            return respond(self.fake.error_body(401), 401, route=record.route)
        if record.json is not None and self.fake.validator is not None:
            errors = self.fake.validator.errors(record.method, record.route, record.json)
            if errors:
                self.fake.schema_errors += errors
                body = {"message": "Invalid Form Body", "code": INVALID_FORM_BODY, "errors": errors}
                return respond(body, 400, route=record.route)
        return await handler(request)

    # --- identity -----------------------------------------------------------------------------

    async def get_me(self, request: web.Request) -> web.Response:
        return respond(self.fake.bot_user, route="/users/@me")

    async def get_application(self, request: web.Request) -> web.Response:
        owner = p.user(p.snowflake(), "owner")
        app = {
            "id": self.fake.application_id,
            "name": "mltip",
            "icon": None,
            "description": "Career advice for ML engineers",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": owner,
            "team": None,
            "bot": self.fake.bot_user,
            "interactions_endpoint_url": None,  # set, Discord would send interactions by HTTP instead
        }
        return respond(app, route="/oauth2/applications/@me")

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        limits = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
        return respond({"url": self.fake.gateway_url, "shards": 1, "session_start_limit": limits}, route="/gateway/bot")

    # --- commands -----------------------------------------------------------------------------

    async def get_commands(self, request: web.Request) -> web.Response:
        scope = request.match_info.get("guild_id")
        return respond(self.fake.commands.get(scope, []), route=request[RECORD].route)

    async def put_commands(self, request: web.Request) -> web.Response:
        scope = request.match_info.get("guild_id")
        old = {c["name"]: c for c in self.fake.commands.get(scope, [])}
        stored = []
        for definition in request[RECORD].json or []:
            previous = old.get(definition["name"])
            # Stored the way Discord answers: nulls and `required: false` left out.
            command = {k: v for k, v in definition.items() if v is not None or k == "default_member_permissions"}
            if command.get("default_member_permissions") is not None:  # a 64-bit set: Discord answers a string
                command["default_member_permissions"] = str(command["default_member_permissions"])
            command["options"] = [
                {k: v for k, v in option.items() if not (k == "required" and v is False)}
                for option in command.get("options", [])
            ]
            command |= {"id": previous["id"] if previous else p.snowflake(), "application_id": self.fake.application_id}
            command["version"] = p.snowflake()
            if scope is not None:
                command["guild_id"] = scope
            stored.append(command)
        self.fake.commands[scope] = stored
        return respond(stored, route=request[RECORD].route)

    # --- interactions -------------------------------------------------------------------------

    async def interaction_callback(self, request: web.Request) -> web.Response:
        record = request[RECORD]
        state = self.fake.interactions.get(request.match_info["interaction_id"])
        if state is None or state["payload"]["token"] != request.match_info["interaction_token"]:
            return respond({"message": "Unknown interaction", "code": UNKNOWN_INTERACTION}, 404, route=record.route)
        if state["responded"]:
            body = {"message": "Interaction has already been acknowledged.", "code": ALREADY_ACKNOWLEDGED}
            return respond(body, 400, route=record.route)
        state["responded"] = True
        waiter = state.get("waiter")  # a benchmark timing this interaction
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        interaction, kind, data = state["payload"], record.json["type"], record.json.get("data") or {}
        message = None
        if kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            message = self._store(interaction["channel_id"], data, kind=20)
        elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE) and "message" in interaction:
            message = self.fake.messages.setdefault(interaction["message"]["id"], interaction["message"])
            if kind == UPDATE_MESSAGE:
                message.update({k: data[k] for k in ("content", "embeds", "components") if k in data})
        if message is not None:
            state["message_id"] = message["id"]
        if request.query.get("with_response") not in ("1", "true", "True"):
            return respond(None, 204, route=record.route)
        answer: JSON = {
            "interaction": {
                "id": interaction["id"],
                "type": interaction["type"],
                "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool((message or {}).get("flags", 0) & p.EPHEMERAL),
            }
        }
        if message is not None:
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": kind, "message": message}
        return respond(answer, route=record.route)

    async def followup(self, request: web.Request) -> web.Response:
        record = request[RECORD]
        token = request.match_info["webhook_token"]
        state = next((s for s in self.fake.interactions.values() if s["payload"]["token"] == token), None)
        if state is None or request.match_info["webhook_id"] != self.fake.application_id:
            return respond({"message": "Unknown Webhook", "code": 10015}, 404, route=record.route)
        message = self._store(state["payload"]["channel_id"], record.json or {}, kind=0)
        if request.query.get("wait") in ("1", "true", "True"):
            return respond(message, route=record.route)
        return respond(None, 204, route=record.route)

    # --- channels -----------------------------------------------------------------------------

    async def create_dm(self, request: web.Request) -> web.Response:
        """The bot's DM channel with `recipient_id` (the same one every time), as Discord creates it."""
        record: RecordedRequest = request[RECORD]
        recipient = str((record.json or {}).get("recipient_id") or "")
        if not recipient.isdigit():
            body = {"message": "Invalid Form Body", "code": INVALID_FORM_BODY}
            return respond(body, 400, route=record.route)
        limit = self.fake.global_limit  # opening a DM is a request like any other: it counts
        if limit is not None and (wait := limit.take("global")):
            return rate_limited(wait, record.route, scope="global")
        channel_id = self.fake.dms.setdefault(recipient, p.snowflake())
        self.fake.channels.add(channel_id)
        return respond(p.private_channel(channel_id, p.user(recipient, "person"), group=False), route=record.route)

    async def create_message(self, request: web.Request) -> web.Response:
        record: RecordedRequest = request[RECORD]
        channel_id = request.match_info["channel_id"]
        if channel_id not in self.fake.channels:
            return respond(self.fake.error_body(404), 404, route=record.route)
        if any(self.fake.dms.get(user) == channel_id for user in self.fake.blocked):
            refused = {"message": "Cannot send messages to this user", "code": 50007}
            return respond(refused, 403, route=record.route)
        limit = self.fake.global_limit
        if limit is not None and (wait := limit.take("global")):
            return rate_limited(wait, record.route, scope="global")
        body = record.json or {}
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord answers a repeated nonce (within a few minutes) with the first message.
            first = self.fake.nonces.get((channel_id, nonce))
            if first is not None:
                return respond(first, route=record.route)
        message = self._store(channel_id, body, kind=0)
        if nonce is not None:
            self.fake.nonces[(channel_id, nonce)] = message
        return respond(message, route=record.route)

    def _refused(self, request: web.Request, permission: int) -> web.Response | None:
        """403 Missing Permissions without `permission`, 404 for a message that is not in the channel."""
        record: RecordedRequest = request[RECORD]
        if not self.fake.app_permissions & permission:
            return respond(self.fake.error_body(50013), 403, route=record.route)
        message = self.fake.messages.get(request.match_info["message_id"])
        if message is None or message["channel_id"] != request.match_info["channel_id"]:
            return respond({"message": "Unknown Message", "code": 10008}, 404, route=record.route)
        return None

    async def pin(self, request: web.Request) -> web.Response:
        refused = self._refused(request, 1 << 51)  # PIN_MESSAGES (Manage Messages no longer pins)
        if refused is not None:
            return refused
        pinned = self.fake.pins.setdefault(request.match_info["channel_id"], [])
        message_id = request.match_info["message_id"]
        if request.method == "PUT" and message_id not in pinned:
            pinned.append(message_id)
        elif request.method == "DELETE" and message_id in pinned:
            pinned.remove(message_id)
        return respond(None, 204, route=request[RECORD].route)

    async def start_thread(self, request: web.Request) -> web.Response:
        refused = self._refused(request, 1 << 35)  # CREATE_PUBLIC_THREADS
        if refused is not None:
            return refused
        body = request[RECORD].json or {}
        thread = {
            "id": request.match_info["message_id"],  # a thread started on a message takes its id
            "type": 11,
            "guild_id": self.fake.guild_id,
            "parent_id": request.match_info["channel_id"],
            "name": body["name"],
            "owner_id": self.fake.application_id,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration") or 4320,
                "archive_timestamp": p.now_iso(),
                "locked": False,
            },
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        self.fake.threads.append(thread)
        return respond(thread, 201, route=request[RECORD].route)

    def _store(self, channel_id: str, body: JSON, *, kind: int) -> JSON:
        message = p.message(p.snowflake(), channel_id, self.fake.bot_user, body, guild_id=self.fake.guild_id, kind=kind)
        self.fake.messages[message["id"]] = message
        return message
