"""The tip of the day through the real discord.py client and the fake Discord."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.core.commands import CommandEngine
from bot.daily.scheduler import DailyScheduler
from bot.store import DeliveryStatus, Platform, Store
from tests.daily.harness import make_fanout, subscribe_many
from tests.fakes.discord_server import FakeDiscord
from tests.support.clock import FakeClock

SUBSCRIBED = datetime(2024, 7, 14, 12, 0, tzinfo=UTC)
NINE_BERLIN = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)
MESSAGES = "/channels/{channel_id}/messages"


def scheduler(store: Store, engine: CommandEngine, adapter: DiscordAdapter) -> DailyScheduler:
    clock = FakeClock(NINE_BERLIN, running=True)
    fanout = make_fanout(store, engine, {"discord": adapter.poster}, clock)
    return DailyScheduler(
        store, fanout, clock=clock, worker_id="w", grace=timedelta(hours=3), platforms=frozenset({"discord"})
    )


async def test_every_discord_channel_gets_one_post_with_a_nonce(
    store: Store, engine: CommandEngine, discord: tuple[FakeDiscord, DiscordAdapter]
) -> None:
    fake, adapter = discord
    subs = subscribe_many(store, 200, platform=Platform.DISCORD, workspaces=20, now=SUBSCRIBED, prefix="9" * 17)
    fake.channels.update(s.channel_id for s in subs)
    result = await scheduler(store, engine, adapter).tick()
    assert result.delivered == {"sent": 200}
    posts = Counter(m["channel_id"] for m in fake.messages.values())
    assert posts == Counter({s.channel_id: 1 for s in subs})
    bodies = [r.json for r in fake.requests_to("POST", MESSAGES)]
    assert all(b["enforce_nonce"] is True and b["nonce"] for b in bodies)
    assert all(b["allowed_mentions"] == {"parse": []} for b in bodies)


async def test_a_resend_after_a_crash_is_absorbed_by_the_nonce(
    store: Store, engine: CommandEngine, discord: tuple[FakeDiscord, DiscordAdapter]
) -> None:
    fake, adapter = discord
    (sub,) = subscribe_many(store, 1, platform=Platform.DISCORD, workspaces=1, now=SUBSCRIBED, prefix="1" * 18)
    fake.channels.add(sub.channel_id)
    daily = scheduler(store, engine, adapter)
    await daily.tick()
    delivery = store.ledger.last_delivery(sub.id)
    assert delivery is not None and delivery.status is DeliveryStatus.SENT
    # As if the worker had died after sending but before recording it: SENDING again, then recovered.
    with store.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE deliveries SET status = 'sending', claimed_by = 'dead', claimed_at = due_at "
            f"WHERE id = {delivery.id}"
        )
    recovered = store.ledger.recover_stale(NINE_BERLIN + timedelta(hours=1), {"discord"})
    assert recovered.requeued == (delivery.id,)
    await daily.tick()
    assert len(fake.requests_to("POST", MESSAGES)) == 2  # sent again...
    assert len(fake.messages) == 1  # ...and Discord kept one message


@pytest.mark.parametrize(("status", "paused"), [(403, "channel"), (404, "channel"), (401, "guild")])
async def test_refusals_pause_the_channel_or_the_guild(
    store: Store, engine: CommandEngine, discord: tuple[FakeDiscord, DiscordAdapter], status: int, paused: str
) -> None:
    fake, adapter = discord
    subs = subscribe_many(store, 3, platform=Platform.DISCORD, workspaces=1, now=SUBSCRIBED, prefix="2" * 18)
    fake.channels.update(s.channel_id for s in subs)
    fake.fail("POST", MESSAGES, status)
    result = await scheduler(store, engine, adapter).tick()
    if paused == "channel":
        assert result.delivered == {"failed": 1, "sent": 2}
        assert sum(bool(store.subscriptions.get(s.key).paused) for s in subs) == 1  # type: ignore[union-attr]
    else:
        assert result.delivered == {"failed": 3}
        assert store.subscriptions.workspace_pause(Platform.DISCORD, "W0") is not None
        assert len(fake.requests_to("POST", MESSAGES)) == 1  # stopped calling after the 401
