"""Alembic's entry point: runs the migrations on the connection that bot.store.db.upgrade hands over.

Without one (the `alembic` command line with sqlalchemy.url set) it opens its own engine.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.store.db import make_engine
from bot.store.tables import metadata


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Run the migrations online (on a connection) or offline (printing SQL)."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    if url is None:
        raise RuntimeError("set sqlalchemy.url, or call bot.store.db.upgrade(url)")
    engine = make_engine(url)
    try:
        with engine.begin() as own:
            _run_on(own)
    finally:
        engine.dispose()


run()
