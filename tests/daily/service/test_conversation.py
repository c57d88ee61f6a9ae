"""`/mltip daily ... thread pin`: parsed in any order, kept, changed, and shown by status."""

from __future__ import annotations

from bot.daily.arguments import parse_schedule
from bot.daily.service import DailyService
from bot.store import Store
from tests.daily.service.helpers import KEY, daily, fields, who


def test_thread_and_pin_are_words_in_any_order_next_to_days_and_topic() -> None:
    request = parse_schedule("9am pin weekdays Europe/Berlin papers thread".split())
    assert (request.thread, request.pin, request.topic and request.topic.value) == (True, True, "papers")
    plain = parse_schedule("09:00 Europe/Berlin weekdays".split())
    assert (plain.thread, plain.pin) == (False, False)


def test_subscribing_with_thread_and_pin_keeps_them_and_status_shows_both(service: DailyService, store: Store) -> None:
    reply = daily(service, "09:00 Europe/Berlin thread pin", who(user="U7"))
    assert fields(reply)["After each post"] == "each tip invites replies in its thread; pinned until the next tip"
    subscription = store.subscriptions.get(KEY)
    assert subscription is not None and (subscription.thread, subscription.pin) == (True, True)
    assert subscription.set_by_user_id == "U7"
    shown = fields(daily(service, "status", who(can_manage=False)))
    assert shown["Thread"] == "on: each tip invites replies in its thread"
    assert shown["Pin"] == "on: the newest tip stays pinned"


def test_the_same_schedule_without_pin_is_a_change_and_status_says_off(service: DailyService) -> None:
    daily(service, "09:00 Europe/Berlin pin")
    again = daily(service, "09:00 Europe/Berlin pin")
    assert again.title == "Tip of the day: already set (nothing changed)"
    changed = daily(service, "09:00 Europe/Berlin")
    assert changed.title == "Tip of the day: schedule changed"
    shown = fields(daily(service, "status"))
    assert (shown["Thread"], shown["Pin"]) == ("off", "off")


def test_help_explains_thread_and_pin(service: DailyService) -> None:
    names = [field.name for field in daily(service, "help").fields]
    assert "thread" in names and "pin" in names
    assert names[0].endswith("[topic] [thread] [pin]")
