"""Thread, pin and the one pause notice on Slack, end to end through the fake Slack (which enforces scopes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.commands import CommandEngine
from bot.core.weekdays import EVERY_DAY
from bot.daily.follow_up import THREAD_INVITATION
from bot.daily.outcomes import DeliveryOutcome
from bot.daily.scheduler import DailyScheduler
from bot.store import ChannelKey, DeliveryStatus, Platform, Store, Subscription
from tests.daily.harness import make_fanout, slack_poster
from tests.fakes.slack_server import FakeSlack, Fault
from tests.support.clock import FakeClock

SUBSCRIBED = datetime(2024, 7, 14, 12, 0, tzinfo=UTC)
MONDAY_NINE = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)  # 09:00 in Berlin
KEY = ChannelKey(platform=Platform.SLACK, workspace_id="W0", channel_id="C0TIPS")


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()  # fails the test on any call Slack's spec refuses


def subscribe(store: Store, *, thread: bool = False, pin: bool = False) -> Subscription:
    return store.subscriptions.subscribe(
        KEY,
        local_time=time(9, 0),
        timezone="Europe/Berlin",
        weekdays=EVERY_DAY,
        thread=thread,
        pin=pin,
        actor="ada (U0ADA)",
        actor_id="U0ADA",
        now=SUBSCRIBED,
    )


async def tick(store: Store, engine: CommandEngine, fake: FakeSlack, at: datetime) -> dict[DeliveryOutcome, int]:
    clock = FakeClock(at, running=True)  # the fake server answers in real time
    fanout = make_fanout(store, engine, {"slack": slack_poster(fake.api_url)}, clock)
    daily = DailyScheduler(
        store, fanout, clock=clock, worker_id="w", grace=timedelta(hours=3), platforms=frozenset({"slack"})
    )
    return (await daily.tick()).delivered


def posts(fake: FakeSlack, channel: str = KEY.channel_id) -> list[dict[str, object]]:
    return [call.params for call in fake.calls_to("chat.postMessage") if call.params["channel"] == channel]


async def test_thread_ends_the_post_with_an_invitation_to_reply_and_makes_no_other_call(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    subscribe(store, thread=True)
    assert await tick(store, engine, fake_slack, MONDAY_NINE) == {DeliveryOutcome.SENT: 1}
    [post] = posts(fake_slack)
    assert THREAD_INVITATION in str(post["blocks"]) and str(post["text"]).endswith(THREAD_INVITATION)
    assert {call.method for call in fake_slack.calls} == {"chat.postMessage"}


async def test_without_thread_the_post_invites_nothing(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    subscribe(store)
    await tick(store, engine, fake_slack, MONDAY_NINE)
    assert THREAD_INVITATION not in str(posts(fake_slack)[0]["blocks"])


async def test_pin_keeps_the_newest_tip_pinned_and_unpins_the_one_before(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    subscribe(store, pin=True)
    await tick(store, engine, fake_slack, MONDAY_NINE)
    await tick(store, engine, fake_slack, MONDAY_NINE + timedelta(days=1))
    first, second = _sent_refs(store)
    assert [c.params["timestamp"] for c in fake_slack.calls_to("pins.add")] == [first, second]
    assert [c.params["timestamp"] for c in fake_slack.calls_to("pins.remove")] == [first]
    assert fake_slack.pins[KEY.channel_id] == [second]


def _sent_refs(store: Store) -> list[str]:
    subscription = store.subscriptions.get(KEY)
    assert subscription is not None
    history = store.ledger.history(subscription.id)
    return [d.message_ref or "" for d in sorted(history, key=lambda d: d.local_date)]


async def test_a_pin_refused_for_a_missing_scope_leaves_the_post_sent_once_with_a_note(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    fake_slack.scopes.discard("pins:write")  # installed from an older manifest
    made = subscribe(store, pin=True)
    assert await tick(store, engine, fake_slack, MONDAY_NINE) == {DeliveryOutcome.SENT: 1}
    assert await tick(store, engine, fake_slack, MONDAY_NINE + timedelta(minutes=5)) == {}
    assert len(posts(fake_slack)) == 1 and len(fake_slack.calls_to("pins.add")) == 1
    delivery = store.ledger.last_delivery(made.id)
    assert delivery is not None and delivery.status is DeliveryStatus.SENT
    assert delivery.error == "pin failed: missing_scope"


async def test_an_archived_channel_pauses_and_the_admin_gets_one_dm_per_pause(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    subscribe(store)
    fake_slack.script("chat.postMessage", Fault(error="is_archived"))
    assert await tick(store, engine, fake_slack, MONDAY_NINE) == {DeliveryOutcome.FAILED: 1}
    [opened] = fake_slack.calls_to("conversations.open")
    assert opened.params["users"] == "U0ADA"
    [notice] = posts(fake_slack, fake_slack.dm_of("U0ADA"))
    assert "paused" in str(notice["text"]) and "is_archived" in str(notice["text"])
    assert "/mltip daily resume" in str(notice["text"])
    for day in (1, 2):  # later days: paused, so nothing posted and nobody told again
        await tick(store, engine, fake_slack, MONDAY_NINE + timedelta(days=day))
    assert len(fake_slack.calls_to("conversations.open")) == 1
    store.subscriptions.resume(KEY, actor="ada", now=MONDAY_NINE + timedelta(days=3))
    fake_slack.script("chat.postMessage", Fault(error="channel_not_found"))
    await tick(store, engine, fake_slack, MONDAY_NINE + timedelta(days=3))
    assert len(fake_slack.calls_to("conversations.open")) == 2  # a new pause: told once more


async def test_without_im_write_the_pause_stands_and_no_dm_is_retried(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    made = subscribe(store)
    fake_slack.scopes.discard("im:write")
    fake_slack.script("chat.postMessage", Fault(error="is_archived"))
    assert await tick(store, engine, fake_slack, MONDAY_NINE) == {DeliveryOutcome.FAILED: 1}
    assert len(fake_slack.calls_to("conversations.open")) == 1 and posts(fake_slack, fake_slack.dm_of("U0ADA")) == []
    paused = store.subscriptions.get(KEY)
    assert paused is not None and paused.paused and not store.pause_notices.claim_channel(made.id, MONDAY_NINE)
