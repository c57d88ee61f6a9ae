"""The databases the suite runs on: SQLite always, PostgreSQL when MLTIP_TEST_DATABASE_URL is set.

The `database_url` and `store` fixtures (tests/conftest.py) are built from these.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import make_url, text

from bot.store import make_engine

PG_URL = os.environ.get("MLTIP_TEST_DATABASE_URL", "").strip()
SKIP_PG = "set MLTIP_TEST_DATABASE_URL to run against PostgreSQL"


def sqlite_url(folder: Path) -> str:
    """A SQLite database file in `folder`/data (created on first open)."""
    return f"sqlite:///{folder / 'data' / 'mltip.db'}"


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A new, empty schema in the PostgreSQL test database, dropped afterwards.

    The URL carries the schema as its search_path, so the test, and any process it starts with
    that URL, sees only its own rows even while other runs share the database.
    """
    schema = f"mltip_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
