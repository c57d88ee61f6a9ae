"""The Slack install flow's states: the store sweeps out those expired by the time it is given.

Runs on SQLite, and on PostgreSQL when MLTIP_TEST_DATABASE_URL is set (the `store` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, select

from bot.store import Store
from bot.store.oauth_states import OAUTH_STATES

NOW = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)


def slack_states(store: Store) -> SQLAlchemyOAuthStateStore:
    """slack_sdk's own state store on the test database, its table created as the adapter does."""
    states = SQLAlchemyOAuthStateStore(600, store.engine)
    states.create_tables()  # type: ignore[no-untyped-call]  # slack_sdk leaves it unannotated
    return states


def add_state(states: SQLAlchemyOAuthStateStore, name: str, expires: datetime) -> None:
    with states.engine.begin() as connection:
        naive_utc = expires.astimezone(UTC).replace(tzinfo=None)
        connection.execute(states.oauth_states.insert(), {"state": name, "expire_at": naive_utc})


def remaining(states: SQLAlchemyOAuthStateStore) -> list[str]:
    with states.engine.connect() as connection:
        return sorted(connection.execute(select(states.oauth_states.c.state)).scalars())


def test_the_sweep_deletes_only_the_states_expired_before_now(store: Store) -> None:
    states = slack_states(store)
    add_state(states, "long-gone", NOW - timedelta(days=3))
    add_state(states, "just-gone", NOW - timedelta(seconds=1))
    add_state(states, "still-good", NOW + timedelta(minutes=5))
    assert store.oauth_states.sweep_expired(now=NOW) == 2
    assert remaining(states) == ["still-good"]
    assert store.oauth_states.sweep_expired(now=NOW) == 0


def test_now_in_any_zone_is_compared_as_utc(store: Store) -> None:
    states = slack_states(store)
    add_state(states, "gone", NOW - timedelta(minutes=1))
    add_state(states, "good", NOW + timedelta(minutes=1))
    berlin_summer = timezone(timedelta(hours=2))
    assert store.oauth_states.sweep_expired(now=NOW.astimezone(berlin_summer)) == 1
    assert remaining(states) == ["good"]


def test_the_table_is_the_one_slack_sdk_keeps_its_states_in() -> None:
    slack_sdk = SQLAlchemyOAuthStateStore
    theirs = slack_sdk.build_oauth_states_table(MetaData(), slack_sdk.default_table_name)
    assert OAUTH_STATES.name == theirs.name
    assert type(OAUTH_STATES.c.expire_at.type) is type(theirs.c.expire_at.type)
