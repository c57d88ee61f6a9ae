"""A database that goes away: cut (connections dropped, new ones refused), hung, then restored.

PostgreSQL: `PostgresProxy`, a TCP proxy on 127.0.0.1 in front of the real server; point the bot
at `proxy.url` (e.g. with MLTIP_TEST_DATABASE_URL's server behind it). It runs its own event loop
in a thread, so code under test may talk to the database synchronously from any thread, the
test's event loop included.

SQLite has no server to lose. `SqliteOutage` makes its engine fail the way a lost disk does
(sqlite3's "disk I/O error" on every statement) or stall on every statement, through SQLAlchemy's
own cursor event, so the store and slack_sdk's installation store run unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event, make_url


class PostgresProxy:
    """Forwards 127.0.0.1:<port> to the server of `url`; `cut()`, `hang()`, `restore()` at will."""

    def __init__(self, url: str) -> None:
        self._target = make_url(url)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="postgres-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._hung = False
        self.port = 0

    @property
    def url(self) -> str:
        """The database URL, through the proxy."""
        return self._target.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def start(self) -> PostgresProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def cut(self) -> None:
        """The server is gone: open connections are dropped, new ones refused."""
        self._call(self._cut())

    def hang(self) -> None:
        """The server stops answering: connections stay open (new ones too) and nothing comes back."""
        self._hung = True

    def restore(self) -> None:
        """The server is back (connections that hung are dropped, as a real restart would)."""
        if self._hung:
            self._hung = False
            self._call(self._drop_all())
        if self._server is None:
            self._call(self._listen())

    def stop(self) -> None:
        self._call(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        # Closed, or the loop and its self-pipe are left for the garbage collector, whose
        # ResourceWarnings then fail whichever test happens to be running.
        self._loop.close()

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self._drop_all()

    async def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._writers.add(client_writer)
        try:
            server_reader, server_writer = await asyncio.open_connection(
                self._target.host or "127.0.0.1", self._target.port or 5432
            )
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.add(server_writer)
        await asyncio.gather(self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                while self._hung and writer in self._writers:
                    await asyncio.sleep(0.01)  # hold the bytes: nobody answers
                if writer not in self._writers:
                    return
                writer.write(data)
                await writer.drain()
        writer.transport.abort()


class SqliteOutage:
    """Makes every statement on `engine` fail (`cut`) or stall (`hang`) until `restore`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cut = False
        self._running = threading.Event()
        self._running.set()
        event.listen(engine, "before_cursor_execute", self._before_statement)

    def cut(self) -> None:
        self._cut = True

    def hang(self) -> None:
        self._running.clear()

    def restore(self) -> None:
        self._cut = False
        self._running.set()

    def stop(self) -> None:
        self.restore()
        event.remove(self.engine, "before_cursor_execute", self._before_statement)

    def _before_statement(self, *_args: Any) -> None:
        self._running.wait()
        if self._cut:
            raise sqlite3.OperationalError("disk I/O error")
