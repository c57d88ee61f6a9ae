"""The fake Discord's gateway: a websocket speaking Discord's gateway protocol (v10, JSON).

HELLO on connect; IDENTIFY -> READY (+ GUILD_CREATE with the GUILDS intent); heartbeat -> ACK;
RESUME of a known session -> the missed dispatches, then RESUMED, else INVALID_SESSION. Tests
drive faults with `reconnect()` (op 7), `invalidate_session()` (op 9) and send events with
`dispatch()`. `zlib-stream` transport compression is honoured, as Discord does, so discord.py's
decompressor is exercised too. Every frame the client sends is recorded in `ops`.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 7, 9, 10, 11
AUTHENTICATION_FAILED = 4004
GUILDS_INTENT = 1 << 0

JSON = dict[str, Any]


@dataclass(slots=True)
class ReceivedOp:
    """One frame the client sent, and which connection (by number) and URL path it came on."""

    op: int
    d: Any
    connection: int
    path: str


@dataclass(slots=True)
class Session:
    id: str
    shard: tuple[int, int] | None
    intents: int
    seq: int = 0
    sent: list[JSON] = field(default_factory=list)  # dispatches, for replay on RESUME


@dataclass(slots=True)
class Connection:
    number: int
    ws: web.WebSocketResponse
    path: str
    compressor: Any | None  # a zlib compressobj shared by the whole connection, as Discord's is
    session: Session | None = None
    close_code: int | None = None


class FakeGateway:
    """Gateway connections, sessions, and hooks for tests."""

    def __init__(
        self,
        *,
        token: str,
        ready_data: Callable[[Session], JSON],
        guilds: Callable[[Session], list[JSON]],
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        self._token = token
        self._ready_data = ready_data
        self._guilds = guilds
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.connections: list[Connection] = []
        self.sessions: dict[str, Session] = {}
        self.ops: list[ReceivedOp] = []

    def ops_of(self, op: int) -> list[ReceivedOp]:
        """The frames with opcode `op`, oldest first."""
        return [received for received in self.ops if received.op == op]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One gateway connection, from HELLO to close."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        compress = request.query.get("compress") == "zlib-stream"
        conn = Connection(len(self.connections) + 1, ws, request.path, zlib.compressobj() if compress else None)
        self.connections.append(conn)
        await self._send(
            conn, {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
        )
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            self.ops.append(ReceivedOp(frame["op"], frame.get("d"), conn.number, conn.path))
            await self._on_frame(conn, frame["op"], frame.get("d"))
        conn.close_code = ws.close_code
        return ws

    def live(self, shard_id: int | None = None) -> list[Connection]:
        """Open connections with a session (on `shard_id`, when given)."""
        return [
            c
            for c in self.connections
            if c.session is not None
            and not c.ws.closed
            and (shard_id is None or c.session.shard is None or c.session.shard[0] == shard_id)
        ]

    async def reconnect(self, shard_id: int | None = None) -> None:
        """Op 7 RECONNECT: the client should drop the socket and RESUME on a new one."""
        for conn in self.live(shard_id):
            await self._send(conn, {"op": RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_session(self, *, resumable: bool = False, shard_id: int | None = None) -> None:
        """Op 9 INVALID_SESSION: with `resumable` false the client must IDENTIFY afresh."""
        for conn in self.live(shard_id):
            if not resumable and conn.session is not None:
                self.sessions.pop(conn.session.id, None)
            await self._send(conn, {"op": INVALID_SESSION, "d": resumable, "s": None, "t": None})

    async def drop(self, code: int, shard_id: int | None = None) -> None:
        """Close live connections with a gateway close code (4004: the token was revoked)."""
        for conn in self.live(shard_id):
            await conn.ws.close(code=code, message=b"closed by the fake")

    async def dispatch(self, event: str, data: JSON, *, shard_id: int | None = None) -> None:
        """Send a DISPATCH (op 0) on the newest live connection (of `shard_id`)."""
        live = self.live(shard_id)
        if not live:
            raise AssertionError(f"no live gateway connection for shard {shard_id}")
        await self._dispatch(live[-1], event, data)

    async def close(self) -> None:
        for conn in self.connections:
            if not conn.ws.closed:
                await conn.ws.close(code=1001, message=b"fake Discord shutting down")

    async def _on_frame(self, conn: Connection, op: int, d: Any) -> None:
        if op == HEARTBEAT:
            await self._send(conn, {"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, d)
        elif op == RESUME:
            await self._resume(conn, d)

    async def _identify(self, conn: Connection, d: JSON) -> None:
        if d.get("token") != self._token:
            await conn.ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        shard = tuple(d["shard"]) if d.get("shard") else None
        session = Session(id=uuid.uuid4().hex, shard=shard, intents=int(d.get("intents", 0)))
        self.sessions[session.id] = session
        conn.session = session
        await self._dispatch(conn, "READY", self._ready_data(session))
        if session.intents & GUILDS_INTENT:
            for guild in self._guilds(session):
                await self._dispatch(conn, "GUILD_CREATE", guild)

    async def _resume(self, conn: Connection, d: JSON) -> None:
        session = self.sessions.get(d.get("session_id", ""))
        if session is None or d.get("token") != self._token:
            await self._send(conn, {"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        conn.session = session
        for frame in session.sent:
            if frame["s"] > (d.get("seq") or 0):
                await self._send(conn, frame)
        await self._dispatch(conn, "RESUMED", {})

    async def _dispatch(self, conn: Connection, event: str, data: JSON) -> None:
        assert conn.session is not None
        conn.session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": conn.session.seq, "d": data}
        conn.session.sent.append(frame)
        await self._send(conn, frame)

    async def _send(self, conn: Connection, frame: JSON) -> None:
        text = json.dumps(frame)
        if conn.compressor is None:
            await conn.ws.send_str(text)
        else:
            # zlib-stream: one deflate stream per connection, each message ending in a sync flush.
            data = conn.compressor.compress(text.encode()) + conn.compressor.flush(zlib.Z_SYNC_FLUSH)
            await conn.ws.send_bytes(data)
