"""The tip of the day end to end: scheduler -> ledger -> fan-out -> the fake platforms."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.commands import CommandEngine
from bot.daily.scheduler import DailyScheduler
from bot.daily.wording import delivery_outcome
from bot.store import ChannelKey, DeliveryStatus, PauseKind, Platform, SkipReason, Store
from tests.daily.harness import make_fanout, slack_poster, subscribe_many
from tests.fakes.slack_server import FakeSlack, Fault
from tests.support.clock import FakeClock

SUBSCRIBED = datetime(2024, 7, 14, 12, 0, tzinfo=UTC)
NINE_BERLIN = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
GRACE = timedelta(hours=3)


def scheduler(
    store: Store, engine: CommandEngine, fake: FakeSlack, clock: FakeClock, **kwargs: object
) -> DailyScheduler:
    fanout = make_fanout(store, engine, {"slack": slack_poster(fake.api_url, timeout=1.0)}, clock, **kwargs)
    return DailyScheduler(
        store, fanout, clock=clock, worker_id="test-worker", grace=GRACE, platforms=frozenset({"slack"})
    )


def posts_by_channel(fake: FakeSlack) -> Counter[str]:
    return Counter(call.params["channel"] for call in fake.calls_to("chat.postMessage"))


async def test_a_thousand_subscriptions_get_one_post_each(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    subs = subscribe_many(store, 1000, platform=Platform.SLACK, workspaces=20, now=SUBSCRIBED)
    clock = FakeClock(NINE_BERLIN, running=True)
    daily = scheduler(store, engine, fake_slack, clock)
    result = await daily.tick()
    assert result.planned == 1000 and result.delivered == {"sent": 1000}
    assert posts_by_channel(fake_slack) == Counter({s.channel_id: 1 for s in subs})
    again = await daily.tick()  # a second wake-up (or a replayed one) posts nothing
    assert again.delivered == {} and len(fake_slack.calls_to("chat.postMessage")) == 1000
    statuses = {store.ledger.last_delivery(s.id).status for s in subs[:50]}  # type: ignore[union-attr]
    assert statuses == {DeliveryStatus.SENT}


async def test_nothing_is_due_before_the_time_or_for_a_date_before_subscribing(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=NINE_BERLIN + timedelta(minutes=5))
    result = await scheduler(
        store, engine, fake_slack, FakeClock(NINE_BERLIN + timedelta(minutes=6), running=True)
    ).tick()
    assert result.planned == 0 and not fake_slack.calls_to("chat.postMessage")  # subscribed at 09:05: from tomorrow
    early = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED, prefix="E")
    result = await scheduler(
        store, engine, fake_slack, FakeClock(NINE_BERLIN - timedelta(seconds=1), running=True)
    ).tick()
    assert result.planned == 0 and store.ledger.last_delivery(early[0].id) is None


async def test_a_429_is_waited_out_and_retried(store: Store, engine: CommandEngine, fake_slack: FakeSlack) -> None:
    (sub,) = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    fake_slack.script("chat.postMessage", Fault(status=429, retry_after=1))
    result = await scheduler(store, engine, fake_slack, FakeClock(NINE_BERLIN, running=True)).tick()
    calls = fake_slack.calls_to("chat.postMessage")
    assert result.delivered == {"sent": 1} and len(calls) == 2
    assert calls[1].at - calls[0].at >= 0.95  # Retry-After: 1 was honoured
    delivery = store.ledger.last_delivery(sub.id)
    assert delivery is not None and delivery.status is DeliveryStatus.SENT


async def test_5xx_are_retried_with_backoff(store: Store, engine: CommandEngine, fake_slack: FakeSlack) -> None:
    subscribe_many(store, 2, platform=Platform.SLACK, workspaces=2, now=SUBSCRIBED)
    fake_slack.script("chat.postMessage", Fault(status=503), Fault(status=500), *[Fault(status=502)] * 5)
    result = await scheduler(store, engine, fake_slack, FakeClock(NINE_BERLIN, running=True)).tick()
    assert result.delivered == {"sent": 2}  # every 5xx was retried, within the deadline
    assert sum(posts_by_channel(fake_slack).values()) == 9 and set(posts_by_channel(fake_slack)) == {"C0", "C1"}


async def test_no_answer_is_unknown_and_never_resent(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    (sub,) = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    fake_slack.script("chat.postMessage", Fault(delay=1.5))
    daily = scheduler(store, engine, fake_slack, FakeClock(NINE_BERLIN, running=True))
    assert (await daily.tick()).delivered == {"unknown": 1}
    assert (await daily.tick()).delivered == {}
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    delivery = store.ledger.last_delivery(sub.id)
    assert delivery is not None and delivery.status is DeliveryStatus.UNKNOWN


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived", "not_in_channel"])
async def test_a_closed_channel_pauses_its_subscription(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack, error: str
) -> None:
    subs = subscribe_many(store, 2, platform=Platform.SLACK, workspaces=2, now=SUBSCRIBED)
    fake_slack.script("chat.postMessage", Fault(error=error))
    daily = scheduler(store, engine, fake_slack, FakeClock(NINE_BERLIN, running=True), concurrency=1)
    assert (await daily.tick()).delivered == {"failed": 1, "sent": 1}
    # The two workspaces post side by side, one request at a time: the first one is refused.
    refused = fake_slack.calls_to("chat.postMessage")[0].params["channel"]
    closed, fine = sorted(subs, key=lambda s: s.channel_id != refused)
    paused = store.subscriptions.get(closed.key)
    assert paused is not None and paused.paused
    assert (paused.pause_kind, paused.pause_reason) == (PauseKind.CHANNEL_REFUSED, error)
    assert not store.subscriptions.get(fine.key).paused  # type: ignore[union-attr]


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
async def test_a_revoked_install_pauses_the_workspace_and_stops_calling(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack, error: str
) -> None:
    subs = subscribe_many(store, 5, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    fake_slack.script("chat.postMessage", Fault(error=error))
    daily = scheduler(store, engine, fake_slack, FakeClock(NINE_BERLIN, running=True))
    assert (await daily.tick()).delivered == {"failed": 5}
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # the other four were never attempted
    pause = store.subscriptions.workspace_pause(Platform.SLACK, "W0")
    assert pause is not None and pause.reason == error
    assert all("workspace paused" in str(store.ledger.last_delivery(s.id).error) for s in subs[1:])  # type: ignore[union-attr]


async def test_a_channel_walks_its_deck_without_repeats(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    (sub,) = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    clock = FakeClock(NINE_BERLIN, running=True)
    daily = scheduler(store, engine, fake_slack, clock)
    lessons = engine.library.lessons
    seen = []
    for day in range(len(lessons) + 1):
        clock.jump(NINE_BERLIN + timedelta(days=day, seconds=30))
        await daily.tick()
        delivery = store.ledger.last_delivery(sub.id)
        assert delivery is not None and delivery.lesson_id is not None
        seen.append(delivery.lesson_id)
    first_cycle = seen[: len(lessons)]
    assert sorted(first_cycle) == sorted(lesson.id for lesson in lessons)  # every lesson once
    assert seen[-1] != seen[-2]  # the new cycle does not open with yesterday's lesson
    assert len(fake_slack.calls_to("chat.postMessage")) == len(lessons) + 1


async def test_a_topic_subscription_only_gets_that_topic(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    key = ChannelKey(platform=Platform.SLACK, workspace_id="W0", channel_id="KAGGLE")
    store.subscriptions.subscribe(
        key,
        local_time=time(9),
        timezone="Europe/Berlin",
        weekdays=subscribe_many.__globals__["EVERY_DAY"],
        topic="kaggle",
        actor="U",
        now=SUBSCRIBED,
    )
    clock = FakeClock(NINE_BERLIN, running=True)
    daily = scheduler(store, engine, fake_slack, clock)
    for day in range(3):
        clock.jump(NINE_BERLIN + timedelta(days=day, seconds=5))
        await daily.tick()
    texts = [call.params["text"] for call in fake_slack.calls_to("chat.postMessage")]
    assert len(texts) == 3 and all("Kaggle" in t or "competition" in t.lower() for t in texts)


async def test_downtime_past_the_grace_window_skips_the_day_and_says_so(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    (sub,) = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    clock = FakeClock(NINE_BERLIN + GRACE + timedelta(minutes=1), running=True)  # back up at 12:01
    result = await scheduler(store, engine, fake_slack, clock).tick()
    delivery = store.ledger.last_delivery(sub.id)
    assert result.skipped == 1 and not fake_slack.calls_to("chat.postMessage")
    assert delivery is not None and delivery.status is DeliveryStatus.SKIPPED
    assert (delivery.skip_reason, delivery.grace) == (SkipReason.DOWNTIME, GRACE)
    assert "the bot was down past the 3:00:00 grace window" in delivery_outcome(delivery, sub)


async def test_back_within_the_grace_window_posts_late_rather_than_never(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    subscribe_many(store, 3, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    result = await scheduler(
        store, engine, fake_slack, FakeClock(NINE_BERLIN + timedelta(hours=2), running=True)
    ).tick()
    assert result.delivered == {"sent": 3}


async def test_spring_forward_posts_once_at_the_first_valid_instant(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    # 02:30 does not exist in New York on 2024-03-10; the post goes out at 03:00 EDT (07:00 UTC).
    (sub,) = subscribe_many(
        store,
        1,
        platform=Platform.SLACK,
        workspaces=1,
        at=time(2, 30),
        zone="America/New_York",
        now=datetime(2024, 3, 9, tzinfo=UTC),
    )
    clock = FakeClock(datetime(2024, 3, 10, 5, 0, tzinfo=UTC), running=True)
    daily = scheduler(store, engine, fake_slack, clock)
    for minutes in range(0, 6 * 60, 15):  # a wake-up every 15 minutes from midnight to 06:00 local
        clock.jump(datetime(2024, 3, 10, 5, 0, tzinfo=UTC) + timedelta(minutes=minutes))
        await daily.tick()
    delivery = store.ledger.last_delivery(sub.id)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert delivery is not None and delivery.due_at == datetime(2024, 3, 10, 7, 0, tzinfo=UTC)


async def test_fall_back_posts_once_though_the_time_happens_twice(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    # 01:30 happens twice in New York on 2024-11-03: one post, at the first one (05:30 UTC).
    subscribe_many(
        store,
        1,
        platform=Platform.SLACK,
        workspaces=1,
        at=time(1, 30),
        zone="America/New_York",
        now=datetime(2024, 11, 2, tzinfo=UTC),
    )
    clock = FakeClock(datetime(2024, 11, 3, 4, 0, tzinfo=UTC), running=True)
    daily = scheduler(store, engine, fake_slack, clock)
    for minutes in range(0, 4 * 60, 10):
        clock.jump(datetime(2024, 11, 3, 4, 0, tzinfo=UTC) + timedelta(minutes=minutes))
        await daily.tick()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_the_planned_set_forgets_dates_outside_the_look_back(
    store: Store, engine: CommandEngine, fake_slack: FakeSlack
) -> None:
    (sub,) = subscribe_many(store, 1, platform=Platform.SLACK, workspaces=1, now=SUBSCRIBED)
    clock = FakeClock(NINE_BERLIN, running=True)
    daily = scheduler(store, engine, fake_slack, clock)
    for day in range(30):  # a month of wake-ups in one long-running process
        clock.jump(NINE_BERLIN + timedelta(days=day, seconds=5))
        await daily.tick()
    assert len(fake_slack.calls_to("chat.postMessage")) == 30
    assert len(daily._planned) <= 6  # the look-back's few days, not the whole month
    assert all(key[0] == sub.id for key in daily._planned)
