"""`/mltip daily status`: the schedule, pauses and why, the next three posts across DST, the last delivery."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.daily.service import DailyService
from bot.store import ChannelKey, PauseKind, Platform, SkipReason, Store
from tests.daily.service.helpers import KEY, MONDAY_MORNING, daily, fields, who
from tests.support.clock import FakeClock


def test_status_of_a_channel_without_a_subscription(service: DailyService) -> None:
    reply = daily(service, "status", who(can_manage=False))
    assert reply.title == "Tip of the day: not subscribed" and "/mltip daily 09:00" in reply.text


def test_status_lists_the_next_three_posts_across_the_spring_dst_change(
    service: DailyService, clock: FakeClock
) -> None:
    clock.now = datetime(2024, 3, 29, 12, 0, tzinfo=UTC)  # Friday; Berlin springs forward on Sunday 31 March
    daily(service, "09:00 Europe/Berlin papers")
    shown = fields(daily(service, "status", who(can_manage=False)))
    assert shown["Next posts"] == "Sat 30 Mar 2024, 09:00 CET; Sun 31 Mar 2024, 09:00 CEST; Mon 01 Apr 2024, 09:00 CEST"
    assert shown["Schedule"] == "every day at 09:00 Europe/Berlin time" and shown["Topic"] == "papers"
    assert shown["Last post"] == "none yet" and shown["Set up by"] == "ana (U1) on Fri 29 Mar 2024, 13:00 CET"


def test_a_time_the_clocks_skip_posts_when_they_jump(service: DailyService, clock: FakeClock) -> None:
    clock.now = datetime(2024, 3, 29, 12, 0, tzinfo=UTC)
    daily(service, "02:30 Europe/Berlin")
    shown = fields(daily(service, "status"))
    assert shown["Next posts"] == "Sat 30 Mar 2024, 02:30 CET; Sun 31 Mar 2024, 03:00 CEST; Mon 01 Apr 2024, 02:30 CEST"


def _delivered(store: Store, day: date, due: datetime, worker: str = "w1") -> int:
    subscription = store.subscriptions.get(KEY)
    assert subscription is not None
    assert store.ledger.plan(subscription.id, day, due)
    [claim] = store.ledger.claim_due(due, worker)
    assert store.ledger.begin_send(claim.delivery.id)
    return claim.delivery.id


def test_status_shows_a_sent_post_in_local_time(service: DailyService, store: Store, clock: FakeClock) -> None:
    daily(service, "09:00 Europe/Berlin")
    due = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)
    store.ledger.mark_sent(_delivered(store, date(2024, 7, 15), due), "1721026800.000100", due)
    clock.now = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
    shown = fields(daily(service, "status"))
    assert shown["Last post"] == "sent at Mon 15 Jul 2024, 09:00 CEST"
    assert shown["Next posts"].startswith("Tue 16 Jul 2024, 09:00 CEST; ")


@pytest.mark.parametrize(("platform", "name"), [("slack", "Slack"), ("discord", "Discord")])
def test_status_explains_an_unknown_outcome(
    service: DailyService,
    store: Store,
    clock: FakeClock,
    platform: str,
    name: str,
) -> None:
    invocation = who(platform=Platform(platform))
    daily(service, "09:00 Europe/Berlin", invocation)
    key = ChannelKey(platform=Platform(platform), workspace_id="T1", channel_id="C1")
    subscription = store.subscriptions.get(key)
    assert subscription is not None
    due = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)
    store.ledger.plan(subscription.id, date(2024, 7, 15), due)
    [claim] = store.ledger.claim_due(due, "w1")
    store.ledger.begin_send(claim.delivery.id)
    store.ledger.mark_unknown(claim.delivery.id, "timeout after 10s")
    clock.now = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
    assert fields(daily(service, "status", invocation))["Last post"] == (
        f"unknown outcome (due Mon 15 Jul 2024, 09:00 CEST): the request left but {name} never answered; "
        "not resent so it cannot post twice"
    )


def test_status_explains_a_skipped_day(service: DailyService, store: Store, clock: FakeClock) -> None:
    daily(service, "09:00 Europe/Berlin")
    subscription = store.subscriptions.get(KEY)
    assert subscription is not None
    due = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)
    store.ledger.record_skipped(subscription.id, date(2024, 7, 15), due, SkipReason.DOWNTIME, timedelta(hours=3))
    clock.now = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
    assert fields(daily(service, "status"))["Last post"] == (
        "skipped (due Mon 15 Jul 2024, 09:00 CEST) because the bot was down past the 3:00:00 grace window"
    )


def test_an_automatic_pause_says_why_in_plain_words(service: DailyService, store: Store, clock: FakeClock) -> None:
    daily(service, "09:00 Europe/Berlin")
    due = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)
    store.ledger.mark_failed(_delivered(store, date(2024, 7, 15), due), "channel_not_found")
    refused = PauseKind.CHANNEL_REFUSED
    store.subscriptions.pause(KEY, kind=refused, reason="channel_not_found", actor="mltip (automatic)", now=due)
    clock.now = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
    shown = fields(daily(service, "status", who(can_manage=False)))
    assert shown["State"] == (
        "Paused automatically since Mon 15 Jul 2024, 09:00 CEST: the channel no longer exists, or the bot "
        "cannot see it (channel_not_found). Fix that, then /mltip daily resume."
    )
    assert shown["Last post"] == (
        "failed (due Mon 15 Jul 2024, 09:00 CEST) because the channel no longer exists, or the bot cannot see it "
        "(channel_not_found)"
    )


def test_a_workspace_pause_shows_in_status_and_resume_lifts_it(
    service: DailyService,
    store: Store,
    clock: FakeClock,
) -> None:
    daily(service, "09:00 Europe/Berlin")
    revoked = datetime(2024, 7, 15, 7, 0, tzinfo=UTC)
    store.subscriptions.pause_workspace(Platform.SLACK, "T1", reason="token_revoked", actor="mltip", now=revoked)
    status = daily(service, "status", who(can_manage=False))
    assert status.title == "Tip of the day: paused"
    assert fields(status)["State"] == (
        "Paused for the whole workspace since Mon 15 Jul 2024, 09:00 CEST: the app's token was revoked (was the "
        "app removed?) (token_revoked). Fix that (reinstall the app), then /mltip daily resume."
    )
    resumed = daily(service, "resume")
    assert "The pause on the whole workspace is lifted too." in resumed.text
    assert store.subscriptions.workspace_pause(Platform.SLACK, "T1") is None
    assert [s.channel_id for s in store.subscriptions.active()] == ["C1"]


def test_a_discord_403_is_explained(service: DailyService, store: Store) -> None:
    invocation = who(platform=Platform.DISCORD)
    daily(service, "09:00 UTC", invocation)
    key = ChannelKey(platform=Platform.DISCORD, workspace_id="T1", channel_id="C1")
    reason, refused = "discord 403 (code 50001): Missing Access", PauseKind.CHANNEL_REFUSED
    store.subscriptions.pause(key, kind=refused, reason=reason, actor="mltip", now=MONDAY_MORNING)
    state = fields(daily(service, "status", invocation))["State"]
    assert "the bot may not post in this channel" in state and "(discord 403 (code 50001): Missing Access)" in state
