"""Engines, transactions and migrations for SQLite and PostgreSQL.

SQLite: one file, WAL (readers never block the writer), foreign keys on, and a busy timeout so
concurrent writers wait instead of failing. Python's sqlite3 would open transactions lazily with
a plain BEGIN; a transaction that reads and then writes can then fail at once with "database is
locked" when another connection wrote in between. So the driver's own transaction handling is
switched off and `writing()` starts its transactions with BEGIN IMMEDIATE, which takes the write
lock up front: write transactions run one at a time, across threads and processes.

PostgreSQL: READ COMMITTED; the queries that must not race lock rows themselves (FOR UPDATE,
SKIP LOCKED, ON CONFLICT); `pool_pre_ping` replaces connections the server dropped.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from bot.errors import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_SECONDS = 30.0
WRITE_OPTION = "mltip_write"
# Any constant will do; replicas starting together take this lock so only one migrates at a time.
MIGRATION_LOCK_KEY = 0x6D6C746970  # 'mltip'


def make_engine(url: str | URL, *, connect_timeout: float | None = None) -> Engine:
    """An engine for a SQLite or PostgreSQL URL, set up as the module docstring describes.

    `postgresql://` and `postgres://` URLs use psycopg 3. For SQLite the file's folder is created.
    `connect_timeout` (seconds) bounds how long PostgreSQL connections may take to open.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        timeout = {} if connect_timeout is None else {"connect_timeout": max(1, round(connect_timeout))}
        return create_engine(parsed, pool_pre_ping=True, connect_args=timeout)
    if backend != "sqlite":
        raise ConfigError(f"MLTIP_DATABASE_URL must be sqlite:///PATH or postgresql://..., not {backend}://")
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def masked_url(url: str | URL) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def unreachable_reason(url: str | URL, *, timeout: float = 5.0) -> str | None:
    """Why the database at `url` cannot be used (connecting, then SELECT 1), or None when it can."""
    try:
        parsed = make_url(url)
        engine = make_engine(parsed, connect_timeout=timeout)
    except (ArgumentError, ConfigError, ImportError, OSError) as exc:
        return str(exc)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (DBAPIError, OSError) as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        return reason.replace(parsed.password, "***") if parsed.password else reason
    finally:
        engine.dispose()
    return None


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or stopped answering (refused, dropped,
    locked, pool exhausted), as opposed to a query that is wrong: worth waiting out, not a bug."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    return isinstance(error, PoolTimeoutError | ConnectionError | TimeoutError)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we send BEGIN ourselves, in _sqlite_on_begin
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _use_wal(cursor)
        # In WAL mode NORMAL survives any crash of the process (kill -9 included); only a power
        # cut can lose the last commits. FULL would fsync every delivery's three writes.
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so); retried, as SQLite skips the busy handler for this switch."""
    if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            # Processes opening a new database together all try to switch it at once.
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01 + random.random() * 0.04)


def _sqlite_on_begin(connection: Connection) -> None:
    write = bool(connection.get_execution_options().get(WRITE_OPTION))
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: committed on success, rolled back on an exception.

    On SQLite it holds the database's write lock from its first statement (BEGIN IMMEDIATE).
    """
    if engine.dialect.name != "sqlite":
        with engine.connect() as connection, connection.begin():
            yield connection
        return
    # SQLite has one writer at a time. Threads of this process queue on a lock instead of in
    # SQLite's busy handler, which sleeps in growing steps and wastes most of a contended second;
    # other processes still wait in the busy handler (BEGIN IMMEDIATE).
    with _sqlite_writer(engine), engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


_WRITER_LOCKS: dict[str, threading.Lock] = {}


def _sqlite_writer(engine: Engine) -> threading.Lock:
    return _WRITER_LOCKS.setdefault(str(engine.url), threading.Lock())


def writer_engine(engine: Engine) -> Engine:
    """`engine` for code outside this package whose transactions read, then write (slack_sdk's OAuth
    stores): on SQLite each of them starts with BEGIN IMMEDIATE, as `writing()` does. Same pool."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{WRITE_OPTION: True})


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction (one consistent snapshot on SQLite's WAL)."""
    with engine.connect() as connection, connection.begin():
        yield connection


def insert_for(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with ON CONFLICT support for the connection's database."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def alembic_config() -> Config:
    """Alembic's configuration, built in code so no alembic.ini is needed at runtime."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(target: str | URL | Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the newest). Safe to run from many processes at once."""
    engine = target if isinstance(target, Engine) else make_engine(target)
    try:
        with writing(engine) as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if engine is not target:
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before the first migration)."""
    with reading(engine) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this code knows; the database should be at it (readiness checks)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
