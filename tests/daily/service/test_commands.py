"""`/mltip daily` subscribe, off, pause, resume and who may: on a real store (SQLite, and PostgreSQL), a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.commands import CommandEngine
from bot.core.weekdays import MON_TO_FRI, Weekdays
from bot.daily.service import DailyService
from bot.errors import CommandError
from bot.store import AuditAction, ChannelKey, Platform, Store
from tests.daily.service.helpers import KEY, MONDAY_MORNING, daily, fields, who
from tests.support.clock import FakeClock

# --- subscribing ---------------------------------------------------------------------------------


def test_subscribe_stores_the_schedule_and_confirms_it_in_words(service: DailyService, store: Store) -> None:
    reply = daily(service, "09:00 Europe/Berlin weekdays")
    subscription = store.subscriptions.get(KEY)
    assert subscription is not None
    assert (subscription.local_time, subscription.timezone, subscription.weekdays) == (
        time(9, 0),
        "Europe/Berlin",
        MON_TO_FRI,
    )
    assert subscription.topic is None and not subscription.paused
    assert subscription.created_by == "ana (U1)" and subscription.created_at == MONDAY_MORNING
    assert reply.title == "Tip of the day: subscribed"
    assert reply.text == "This channel gets a lesson on weekdays at 09:00 Europe/Berlin time."
    shown = fields(reply)
    assert shown["Next post"] == "Mon 15 Jul 2024, 09:00 CEST"  # later today, in the channel's own time
    assert shown["Time zone"] == "Europe/Berlin (now 08:00 CEST, UTC+0200)"
    assert "/mltip daily off" in shown["Stop it"] and "same command" in shown["Change it"]
    assert not reply.actions  # plain text: no buttons


def test_the_same_command_twice_leaves_one_subscription_and_one_audit_entry(
    service: DailyService,
    store: Store,
) -> None:
    first = daily(service, "09:00 Europe/Berlin weekdays")
    again = daily(service, "09:00 Europe/Berlin weekdays")  # a double click, or Slack replaying the request
    assert first.title.endswith("subscribed") and again.title.endswith("already set (nothing changed)")
    assert len(store.subscriptions.active()) == 1
    assert [entry.action for entry in store.subscriptions.audit(Platform.SLACK, "T1")] == [AuditAction.SUBSCRIBE]


def test_subscribing_again_with_other_settings_changes_the_schedule(service: DailyService, store: Store) -> None:
    daily(service, "09:00 Europe/Berlin weekdays")
    reply = daily(service, "7:30 pm Asia/Kolkata mon,wed,fri papers", who(user="U2", name="bo"))
    assert reply.title == "Tip of the day: schedule changed"
    assert reply.text == "This channel gets a lesson on papers on Mon, Wed, Fri at 19:30 Asia/Kolkata time."
    subscription = store.subscriptions.get(KEY)
    assert subscription is not None and subscription.topic == "papers" and subscription.updated_by == "bo (U2)"
    assert len(store.subscriptions.active()) == 1
    change, _ = store.subscriptions.audit(Platform.SLACK, "T1")
    assert change.action is AuditAction.CHANGE and change.details["after"]["timezone"] == "Asia/Kolkata"


@pytest.mark.parametrize(
    "text",
    [
        "09:00 Europe/Berlin mon-fri papers",
        "09:00 papers weekdays europe/berlin",
        "9am weekdays Europe/Berlin papers",
        "9:00 a.m. on weekdays Europe/Berlin papers",
        "09:00 mon to fri papers Europe/Berlin",
    ],
)
def test_the_zone_days_and_topic_may_come_in_any_order_after_the_time(service: DailyService, text: str) -> None:
    assert daily(service, text).text == "This channel gets a lesson on papers on weekdays at 09:00 Europe/Berlin time."


def test_a_zone_typed_with_spaces_is_understood(service: DailyService, store: Store) -> None:
    daily(service, "08:15 America/New York weekends")
    subscription = store.subscriptions.get(KEY)
    assert subscription is not None and subscription.timezone == "America/New_York"
    assert subscription.weekdays == Weekdays.SAT | Weekdays.SUN


def test_without_a_zone_utc_is_used_and_the_reply_says_so(service: DailyService, store: Store) -> None:
    reply = daily(service, "09:00")
    subscription = store.subscriptions.get(KEY)
    assert subscription is not None and subscription.timezone == "UTC" and subscription.weekdays == Weekdays(127)
    assert "No time zone was given, so the time is in UTC" in reply.text
    assert "add your zone: /mltip daily 09:00 Europe/Berlin" in reply.text
    assert fields(reply)["Next post"] == "Mon 15 Jul 2024, 09:00 UTC"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("09:00 Europe/Berln", "Unknown time zone 'Europe/Berln'. Did you mean Europe/Berlin"),
        ("09:00 berlin weekdays", "Unknown time zone 'berlin'. Did you mean Europe/Berlin?"),
        ("09:00 Kolkata", "Did you mean Asia/Kolkata?"),
        ("25:00 Europe/Berlin", "'25:00' is not a time of day. Use a 24-hour time such as 09:00"),
        ("9 Europe/Berlin", "'9' is not a time I understand"),
        ("09:00 Europe/Berlin paper", "Unknown topic 'paper'. Did you mean papers? A topic is one of: learning,"),
        (
            "09:00 Europe/Berlin astrology",
            "I understood 09:00 and Europe/Berlin, but not 'astrology'; try `/mltip daily 09:00 Europe/Berlin every",
        ),
        ("09:00 Europe/Berlin Asia/Tokyo", "Give one time zone, not both Europe/Berlin and Asia/Tokyo."),
        ("09:00 Europe/Berlin kaggle papers", "Give one topic, not both kaggle and papers."),
        ("subscribe", "I don't know /mltip daily subscribe. Set a schedule with a time"),
    ],
)
def test_mistakes_get_helpful_errors_and_change_nothing(
    service: DailyService,
    store: Store,
    text: str,
    message: str,
) -> None:
    with pytest.raises(CommandError) as raised:
        daily(service, text)
    assert message in str(raised.value)
    assert store.subscriptions.get(KEY) is None


def test_an_unknown_topic_lists_every_topic(service: DailyService) -> None:
    with pytest.raises(CommandError, match=r"A topic is one of: learning, career, research, .*, hiring"):
        daily(service, "09:00 Europe/Berlin astrology")


@pytest.mark.parametrize("text", ["", "help", "HELP"])
def test_no_arguments_or_help_shows_usage(service: DailyService, text: str) -> None:
    reply = daily(service, text, who(can_manage=False))
    assert reply.title == "Tip of the day: how to"
    assert any("/mltip daily status" in field.name for field in reply.fields)


# --- off, pause, resume ---------------------------------------------------------------------------


def test_off_unsubscribes_and_a_repeat_is_harmless(service: DailyService, store: Store) -> None:
    daily(service, "09:00 Europe/Berlin")
    assert daily(service, "off").title == "Tip of the day: stopped"
    assert store.subscriptions.get(KEY) is None
    assert "nothing to stop" in daily(service, "off").text
    actions = [entry.action for entry in store.subscriptions.audit(Platform.SLACK, "T1")]
    assert actions == [AuditAction.UNSUBSCRIBE, AuditAction.SUBSCRIBE]


def test_pause_and_resume_show_in_status(service: DailyService, store: Store, clock: FakeClock) -> None:
    daily(service, "09:00 Europe/Berlin")
    clock.now = datetime(2024, 7, 16, 10, 0, tzinfo=UTC)
    assert daily(service, "pause summer holidays").title == "Tip of the day: paused"
    status = daily(service, "status", who(can_manage=False))
    assert status.title == "Tip of the day: paused"
    assert fields(status)["State"] == "Paused by ana (U1) since Tue 16 Jul 2024, 12:00 CEST (summer holidays)."
    assert "Next posts, once resumed" in fields(status)
    assert store.subscriptions.active() == []

    resumed = daily(service, "resume")
    assert resumed.title == "Tip of the day: resumed"
    assert fields(resumed)["Next post"] == "Wed 17 Jul 2024, 09:00 CEST"
    assert fields(daily(service, "status"))["State"] == "Posting."


def test_status_names_who_paused_even_after_someone_else_changed_the_time(
    service: DailyService, clock: FakeClock
) -> None:
    daily(service, "09:00 Europe/Berlin")
    daily(service, "pause")
    clock.now = datetime(2024, 7, 16, 10, 0, tzinfo=UTC)
    changed = daily(service, "10:00 Europe/Berlin", who(user="U2", name="bo"))
    assert "Paused by ana (U1) since Mon 15 Jul 2024, 08:00 CEST." in fields(changed)["State"]  # still paused
    assert fields(daily(service, "status"))["State"] == "Paused by ana (U1) since Mon 15 Jul 2024, 08:00 CEST."


@pytest.mark.parametrize("action", ["pause", "resume"])
def test_pause_or_resume_without_a_subscription_says_how_to_start(service: DailyService, action: str) -> None:
    with pytest.raises(CommandError, match=r"no tip of the day to .* Start one with /mltip daily 09:00"):
        daily(service, action)


# --- who may change it ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["09:00 Europe/Berlin", "off", "pause", "resume", "stop"])
@pytest.mark.parametrize(
    ("platform", "who_can"),
    [
        (Platform.SLACK, "workspace admins and owners (and anyone on the bot's admin list)"),
        (Platform.DISCORD, "members with the Manage Server permission"),
    ],
)
def test_people_who_do_not_administer_the_space_cannot_change_it(
    service: DailyService,
    store: Store,
    text: str,
    platform: Platform,
    who_can: str,
) -> None:
    key = ChannelKey(platform=platform, workspace_id="T1", channel_id="C1")
    store.subscriptions.subscribe(
        key, local_time=time(8, 0), timezone="UTC", weekdays=MON_TO_FRI, actor="x", now=MONDAY_MORNING
    )
    with pytest.raises(CommandError) as refused:
        daily(service, text, who(can_manage=False, platform=platform))
    assert f"Sorry, only {who_can} can change this channel's tip of the day" in str(refused.value)
    assert "Anyone can see it with /mltip daily status" in str(refused.value)
    after = store.subscriptions.get(key)
    assert after is not None and after.local_time == time(8, 0) and not after.paused
    assert daily(service, "status", who(can_manage=False, platform=platform)).title == "Tip of the day: on"


# --- through the engine ---------------------------------------------------------------------------


def test_the_engine_hands_daily_commands_to_the_service(engine: CommandEngine, service: DailyService) -> None:
    engine.daily = service
    reply = engine.run("/mltip daily 09:00 Asia/Kolkata", platform="slack", invocation=who())
    assert reply.title == "Tip of the day: subscribed" and "Asia/Kolkata" in reply.text
    assert engine.run("daily status", invocation=who(can_manage=False)).title == "Tip of the day: on"


def test_the_clock_must_be_timezone_aware(store: Store) -> None:
    service = DailyService(store, clock=lambda: datetime(2024, 7, 15, 9, 0))
    with pytest.raises(ValueError, match="aware"):
        daily(service, "09:00 Europe/Berlin")
