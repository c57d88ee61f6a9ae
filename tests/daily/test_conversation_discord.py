"""Thread, pin, the pause DM and the permission pre-check on Discord, through discord.py and the fake Discord."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.adapters.discord import DiscordAdapter
from bot.core.commands import CommandEngine
from bot.core.weekdays import EVERY_DAY
from bot.daily.outcomes import DeliveryOutcome
from bot.daily.scheduler import DailyScheduler
from bot.store import ChannelKey, DeliveryStatus, Platform, Store, Subscription
from tests.daily.harness import make_fanout
from tests.fakes.discord_server import FakeDiscord
from tests.support.clock import FakeClock

SUBSCRIBED = datetime(2024, 7, 14, 12, 0, tzinfo=UTC)
NINE_BERLIN = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)
THREADS = "/channels/{channel_id}/messages/{message_id}/threads"
PINS = "/channels/{channel_id}/messages/pins/{message_id}"


def subscribe(store: Store, fake: FakeDiscord, *, thread: bool = False, pin: bool = False) -> Subscription:
    key = ChannelKey(platform=Platform.DISCORD, workspace_id=fake.guild_id, channel_id=fake.channel_id)
    return store.subscriptions.subscribe(
        key,
        local_time=time(9, 0),
        timezone="Europe/Berlin",
        weekdays=EVERY_DAY,
        thread=thread,
        pin=pin,
        actor="ada (4242)",
        actor_id="4242",
        now=SUBSCRIBED,
    )


async def tick(
    store: Store, engine: CommandEngine, adapter: DiscordAdapter, at: datetime
) -> dict[DeliveryOutcome, int]:
    clock = FakeClock(at, running=True)  # the fake server answers in real time
    fanout = make_fanout(store, engine, {"discord": adapter.poster}, clock)
    daily = DailyScheduler(
        store, fanout, clock=clock, worker_id="w", grace=timedelta(hours=3), platforms=frozenset({"discord"})
    )
    return (await daily.tick()).delivered


async def test_thread_starts_a_public_thread_named_after_the_lesson_archived_after_a_day(
    store: Store, engine: CommandEngine, discord: tuple[FakeDiscord, DiscordAdapter]
) -> None:
    fake, adapter = discord
    made = subscribe(store, fake, thread=True)
    assert await tick(store, engine, adapter, NINE_BERLIN) == {DeliveryOutcome.SENT: 1}
    delivery = store.ledger.last_delivery(made.id)
    assert delivery is not None and delivery.message_ref
    [request] = fake.requests_to("POST", THREADS)
    assert request.path == f"/channels/{fake.channel_id}/messages/{delivery.message_ref}/threads"
    lesson = engine.library.by_id[delivery.lesson_id or ""]
    assert request.json["name"] == lesson.title[:100] and request.json["auto_archive_duration"] == 1440
    assert fake.threads[0]["parent_id"] == fake.channel_id


async def test_pin_moves_to_the_newest_tip_and_a_missing_pin_permission_leaves_one_post_with_a_note(
    store: Store, engine: CommandEngine, discord: tuple[FakeDiscord, DiscordAdapter]
) -> None:
    fake, adapter = discord
    made = subscribe(store, fake, pin=True)
    await tick(store, engine, adapter, NINE_BERLIN)
    await tick(store, engine, adapter, NINE_BERLIN + timedelta(days=1))
    first, second = sorted(store.ledger.history(made.id), key=lambda d: d.local_date)
    assert [r.method for r in fake.requests_to("PUT", PINS) + fake.requests_to("DELETE", PINS)] == [
        "PUT",
        "PUT",
        "DELETE",
    ]
    assert fake.pins[fake.channel_id] == [second.message_ref]
    [unpinned] = fake.requests_to("DELETE", PINS)
    assert unpinned.path.endswith(f"/pins/{first.message_ref}")
    fake.app_permissions &= ~(1 << 51)  # Pin Messages taken away
    assert await tick(store, engine, adapter, NINE_BERLIN + timedelta(days=2)) == {DeliveryOutcome.SENT: 1}
    third = store.ledger.last_delivery(made.id)
    assert third is not None and third.status is DeliveryStatus.SENT
    assert third.error is not None and third.error.startswith("pin failed: discord 403 (code 50013)")
    assert len(fake.messages) == 3 and fake.pins[fake.channel_id] == [second.message_ref]  # nothing unpinned


async def test_a_channel_that_refuses_pauses_and_the_admin_gets_one_dm(
    store: Store, engine: CommandEngine, discord: tuple[FakeDiscord, DiscordAdapter]
) -> None:
    fake, adapter = discord
    subscribe(store, fake)
    fake.fail("POST", "/channels/{channel_id}/messages", 403)
    assert await tick(store, engine, adapter, NINE_BERLIN) == {DeliveryOutcome.FAILED: 1}
    [opened] = fake.requests_to("POST", "/users/@me/channels")
    assert opened.json == {"recipient_id": "4242"}
    [notice] = [m for m in fake.messages.values() if m["channel_id"] == fake.dms["4242"]]
    assert (
        "paused" in notice["embeds"][0]["description"] and "/mltip daily resume" in notice["embeds"][0]["description"]
    )
    await tick(store, engine, adapter, NINE_BERLIN + timedelta(days=1))
    assert len(fake.requests_to("POST", "/users/@me/channels")) == 1
