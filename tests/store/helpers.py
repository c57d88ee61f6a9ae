"""What the store tests share: a fixed instant, a channel, a subscription made at it, and (for
migration tests) a table as an older schema has it."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import Column, Connection, MetaData, Table, inspect

from bot.core.weekdays import EVERY_DAY
from bot.store import ChannelKey, Platform, Store, Subscription

NOW = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


def channel(name: str = "C1", *, platform: Platform = Platform.SLACK, workspace: str = "T1") -> ChannelKey:
    return ChannelKey(platform=platform, workspace_id=workspace, channel_id=name)


def subscribe(
    store: Store, key: ChannelKey | None = None, *, at: time = time(9, 0), zone: str = "Europe/Berlin"
) -> Subscription:
    return store.subscriptions.subscribe(
        key or channel(), local_time=at, timezone=zone, weekdays=EVERY_DAY, actor="U-admin", now=NOW
    )


def as_it_was(connection: Connection, table: Table) -> Table:
    """`table` with only the columns the database has now: later migrations' columns (and their defaults) left out."""
    present = {column["name"] for column in inspect(connection).get_columns(table.name)}
    columns = [Column(c.name, c.type, primary_key=c.primary_key) for c in table.c if c.name in present]
    return Table(table.name, MetaData(), *columns)
