"""`/mltip daily skip next` and `/mltip daily pause until 2027-01-04`: holds on a schedule's dates.

Both are stored as local dates (store.Hold), never as the words typed:

- skip next: the next date the rule would post on (after now, past any pause) is not posted;
  the planner leaves it out of the ledger, and the audit log keeps who skipped which date. Asking
  again is the same request (a replay, a double click) and still skips exactly that one date.
  `skip cancel` posts it after all.
- pause until D: nothing is posted on the dates before D; on D the rule posts again by itself.
  `resume` ends it early.

Here too: the next-posts field every reply shows, with the skipped dates saying why.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.core.replies import Field, Reply
from bot.daily.fire_times import upcoming_dates
from bot.daily.wording import local_day, local_moment, upcoming_phrase
from bot.errors import CommandError
from bot.store import ChannelKey, Hold, Store, Subscription

TITLE = "Tip of the day"
EXAMPLE = "/mltip daily 09:00 Europe/Berlin weekdays"
PAUSE_EXAMPLE = "/mltip daily pause until 2027-01-04"
LONGEST_PAUSE = timedelta(days=731)  # two years; longer is what `off` is for


def next_field(subscription: Subscription, now: datetime, stopped: str | None, count: int = 1) -> Field:
    """'Next post(s)': the next `count` posts, with any skipped date before them saying why."""
    entries = upcoming_dates(
        now,
        subscription.local_time,
        subscription.zone,
        subscription.cadence,
        count,
        skip_date=subscription.skip_date,
        paused_until=subscription.paused_until,
    )
    name = ("Next post" if count == 1 else "Next posts") + (", once resumed" if stopped else "")
    return Field(name=name, value=upcoming_phrase(entries, subscription))


def _subscribed(store: Store, key: ChannelKey, what: str) -> Subscription:
    subscription = store.subscriptions.get(key)
    if subscription is None:
        raise CommandError(f"This channel has no tip of the day to {what}. Start one with {EXAMPLE}.")
    return subscription


def skip_next(store: Store, key: ChannelKey, actor: str, now: datetime) -> Reply:
    """Skip the next post (the same one however often it is asked)."""
    subscription = _subscribed(store, key, "skip")
    (upcoming,) = upcoming_dates(
        now,
        subscription.local_time,
        subscription.zone,
        subscription.cadence,
        1,
        paused_until=subscription.paused_until,
    )[-1:]
    skipped = store.subscriptions.hold(key, Hold.SKIP, upcoming.local_date, actor=actor, now=now)
    assert skipped is not None  # it was there a moment ago; gone now only if `off` raced us
    text = (
        f"Skipped: nothing is posted here on {local_moment(upcoming.at, subscription.zone)}."
        " Post it after all with /mltip daily skip cancel."
    )
    return Reply(title=f"{TITLE}: next post skipped", text=text, fields=(next_field(skipped, now, None),))


def cancel_skip(store: Store, key: ChannelKey, actor: str, now: datetime) -> Reply:
    """Post the skipped date after all."""
    subscription = _subscribed(store, key, "change")
    if subscription.skip_date is None:
        return Reply(title=TITLE, text="No post is skipped here, so there is nothing to cancel.")
    kept = store.subscriptions.hold(key, Hold.SKIP, None, actor=actor, now=now)
    assert kept is not None
    text = f"The post of {local_day(subscription.skip_date)} is no longer skipped."
    return Reply(title=f"{TITLE}: skip cancelled", text=text, fields=(next_field(kept, now, None),))


def parse_pause_date(words: list[str], today: date) -> date:
    """The date after `pause until` (YYYY-MM-DD): after `today`, at most LONGEST_PAUSE ahead."""
    if len(words) != 1:
        typed = " ".join(words) or "nothing"
        raise CommandError(f"I understood pause until, but not {typed!r}: give one date, e.g. {PAUSE_EXAMPLE}.")
    try:
        day = date.fromisoformat(words[0])
    except ValueError:
        raise CommandError(
            f"I understood pause until, but not the date {words[0]!r}: write it as YYYY-MM-DD, e.g. {PAUSE_EXAMPLE}."
        ) from None
    if day <= today:
        raise CommandError(
            f"{day.isoformat()} is not after today ({today.isoformat()} here): pause until a later date,"
            " or use /mltip daily pause to stop until someone resumes."
        )
    if day - today > LONGEST_PAUSE:
        raise CommandError(
            f"{day.isoformat()} is more than two years away: use /mltip daily off, and set it up again then."
        )
    return day


def pause_until(store: Store, key: ChannelKey, actor: str, now: datetime, words: list[str]) -> Reply:
    """Post nothing before the given date; resume by itself on it."""
    subscription = _subscribed(store, key, "pause")
    day = parse_pause_date(words, now.astimezone(subscription.zone).date())
    paused = store.subscriptions.hold(key, Hold.PAUSE_UNTIL, day, actor=actor, now=now)
    assert paused is not None
    text = (
        f"Paused until {local_day(day)}: nothing is posted here before then, and posts start again by"
        " themselves that day. /mltip daily resume starts them sooner."
    )
    return Reply(title=f"{TITLE}: paused until {local_day(day)}", text=text, fields=(next_field(paused, now, None),))
