"""DailyService: carries out `/mltip daily ...` (subscribe, off, pause, resume, status) on the Store.

    /mltip daily 09:00 Europe/Berlin [weekdays|mon,wed,fri|every 2 days|weekly on mon|monthly on 1] [topic]
                                     [thread] [pin]
    /mltip daily off | pause [note] | pause until 2027-01-04 | skip next | skip cancel | resume | status | help

Anyone may see `status` and `help`; everything else changes the channel's subscription, which
only people who administer the space may do (`Invocation.can_manage`, decided by the adapter).
Subscribing is an upsert, so a repeated command (a double click, a replayed request) leaves one
subscription and, the store being idempotent for identical settings, one audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.daily import DAILY_HELP, DEFAULT_MAX_SUBSCRIPTIONS_PER_WORKSPACE, Daily, Invocation
from bot.core.platform import Platform
from bot.core.replies import Field, Reply
from bot.daily.arguments import TOPICS, ScheduleRequest, looks_like_time, parse_schedule
from bot.daily.clock import Clock, utc_now
from bot.daily.holds import EXAMPLE, PAUSE_EXAMPLE, TITLE, cancel_skip, next_field, pause_until, skip_next
from bot.daily.personal import PersonalTips
from bot.daily.rules import cadence_asked
from bot.daily.wording import (
    SPACE_NAMES,
    THREAD_DONE,
    THREAD_HELP,
    after_post_phrase,
    delivery_outcome,
    holds_state,
    last_pause,
    lesson_phrase,
    local_day,
    local_moment,
    on_or_off,
    pause_state,
    schedule_phrase,
)
from bot.daily.zones import resolve_timezone
from bot.errors import CommandError
from bot.store import ChannelKey, PauseKind, Store, Subscription, WorkspaceFull

OFF_WORDS = frozenset({"off", "stop", "unsubscribe", "cancel"})
UPCOMING = 3  # how many next post times status lists
WHO_MANAGES = {
    Platform.SLACK: "workspace admins and owners (and anyone on the bot's admin list)",
    Platform.DISCORD: "members with the Manage Server permission",
    Platform.CONSOLE: "whoever runs the console",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelStatus:
    """One channel's tip of the day in a workspace's overview, in the words `status` uses."""

    channel_id: str
    schedule: str  # 'a lesson on papers on weekdays at 09:00 Europe/Berlin time'
    state: str  # 'Posting.' or why not
    next_post: str  # when the next post is due ('..., once resumed' when paused)


def usage() -> Reply:
    """How to use `/mltip daily`."""
    fields = (
        Field(name=DAILY_HELP[0], value="post a lesson in this channel at 09:00 Berlin time (admins)"),
        Field(name="days", value="daily (the default), weekdays, weekends, mon,wed,fri or mon-fri"),
        Field(name="or a rule", value="every 2 days, weekly on mon, monthly on 1 (the last day in shorter months)"),
        Field(name="topic", value=f"only lessons on one topic: {', '.join(TOPICS)}"),
        Field(name="thread", value=THREAD_HELP),
        Field(name="pin", value="keep the newest tip pinned here, unpinning the one before"),
        Field(name="/mltip daily status", value="the schedule, the next three posts and the last one (anyone)"),
        Field(name="/mltip daily pause | resume", value="stop posting for a while, then start again (admins)"),
        Field(name="/mltip daily skip next", value="skip only the next post; skip cancel undoes it (admins)"),
        Field(name=PAUSE_EXAMPLE, value="post nothing before that date, then go on by itself (admins)"),
        Field(name="/mltip daily off", value="stop the tip of the day here (admins)"),
    )
    text = "A lesson of career advice, posted in this channel at a time of your choosing, in your time zone."
    return Reply(title=f"{TITLE}: how to", text=text, fields=fields)


class DailyService:
    """The DailyHandler the core hands `/mltip daily` to; `clock` returns aware UTC datetimes."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = utc_now,
        default_zone: str = "UTC",
        max_subscriptions_per_workspace: int = DEFAULT_MAX_SUBSCRIPTIONS_PER_WORKSPACE,
    ) -> None:
        # MLTIP_DEFAULT_TIMEZONE, for a schedule given without a zone: checked at start-up in any
        # case ('europe/berlin'), and spelt here as ZoneInfo needs it on a case-sensitive disk.
        self.default_zone = resolve_timezone(default_zone).key
        self.max_subscriptions_per_workspace = max_subscriptions_per_workspace
        self.store = store
        self._clock = clock
        self.personal = PersonalTips(store, clock=self.now, default_zone=self.default_zone)

    def now(self) -> datetime:
        """The injected clock's time, checked to be timezone-aware."""
        moment = self._clock()
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"the clock must return an aware datetime, not {moment!r}")
        return moment.astimezone(UTC)

    def handle(self, command: Daily, invocation: Invocation) -> Reply:
        """Answer one `/mltip daily ...` (or `/mltip me ...`) from `invocation`."""
        if command.personal:
            return self.personal.handle(command, invocation)
        words = command.words
        action = words[0].lower() if words else "help"
        key = ChannelKey(
            platform=Platform(invocation.platform),
            workspace_id=invocation.workspace_id,
            channel_id=invocation.channel_id,
        )
        if action == "help":
            return usage()
        if action == "status":
            return self.status(key)
        if action not in OFF_WORDS | {"pause", "resume", "skip"} and not looks_like_time(action):
            raise CommandError(
                f"I don't know /mltip daily {words[0]}. Set a schedule with a time ({EXAMPLE}), "
                "or use off, pause, pause until 2027-01-04, skip next, resume, status or help."
            )
        _require_manager(invocation, key.platform)
        actor = f"{invocation.user_name} ({invocation.user_id})"
        if action in OFF_WORDS:
            return self.unsubscribe(key, actor)
        if action == "pause" and len(words) > 1 and words[1].lower() == "until":
            return pause_until(self.store, key, actor, self.now(), words[2:])
        if action == "pause":
            return self.pause(key, actor, " ".join(words[1:]))
        if action == "skip":
            return self._skip(key, actor, [word.lower() for word in words[1:]])
        if action == "resume":
            return self.resume(key, actor)
        return self.subscribe(key, actor, parse_schedule(words, self.default_zone), actor_id=invocation.user_id)

    def _skip(self, key: ChannelKey, actor: str, words: list[str]) -> Reply:
        if words == ["next"]:
            return skip_next(self.store, key, actor, self.now())
        if words in (["cancel"], ["none"], ["off"]):
            return cancel_skip(self.store, key, actor, self.now())
        typed = " ".join(words) or "nothing"
        raise CommandError(f"I understood skip, but not {typed!r}: use /mltip daily skip next (or skip cancel).")

    def subscribe(self, key: ChannelKey, actor: str, request: ScheduleRequest, *, actor_id: str | None = None) -> Reply:
        """Subscribe the channel or change its schedule (an upsert)."""
        now = self.now()
        before = self.store.subscriptions.get(key)
        topic = request.topic.value if request.topic else None
        try:
            after = self.store.subscriptions.subscribe(
                key,
                local_time=request.local_time,
                timezone=request.zone,
                cadence=cadence_asked(request, before.cadence if before else None, now),
                topic=topic,
                thread=request.thread,
                pin=request.pin,
                actor=actor,
                actor_id=actor_id,
                now=now,
                limit=self.max_subscriptions_per_workspace,
            )
        except WorkspaceFull as full:
            raise CommandError(_full_message(key.platform, full.limit)) from None
        if before is None:
            title = f"{TITLE}: subscribed"
        elif _same_schedule(before, after):
            title = f"{TITLE}: already set (nothing changed)"
        else:
            title = f"{TITLE}: schedule changed"
        text = f"This channel gets {lesson_phrase(after)}."
        if not request.zone_given:
            text += (
                f" No time zone was given, so the time is in {self.default_zone}."
                f" To post at {after.local_time:%H:%M} your time,"
                f" add your zone: /mltip daily {after.local_time:%H:%M} Europe/Berlin (or America/New_York,"
                " Asia/Kolkata, ...)."
            )
        stopped = self._pause_state(after)
        fields = [
            Field(name="Time zone", value=_zone_line(after, now)),
            Field(name="After each post", value=after_post_phrase(after)),
            next_field(after, now, stopped),
            *([Field(name="State", value=stopped)] if stopped else []),
            Field(name="Change it", value=f"the same command with a new time, zone, days or topic, e.g. {EXAMPLE}"),
            Field(name="Stop it", value="/mltip daily off (or pause, then resume); /mltip daily status shows it"),
        ]
        return Reply(title=title, text=text, fields=tuple(fields))

    def unsubscribe(self, key: ChannelKey, actor: str) -> Reply:
        """Stop the channel's tip of the day; saying so when there was none (a repeat is harmless)."""
        if not self.store.subscriptions.unsubscribe(key, actor=actor, now=self.now()):
            return Reply(title=TITLE, text="This channel has no tip of the day, so there is nothing to stop.")
        text = f"Stopped: no more tips of the day in this channel. Start again any time with {EXAMPLE}."
        return Reply(title=f"{TITLE}: stopped", text=text)

    def pause(self, key: ChannelKey, actor: str, note: str) -> Reply:
        """Stop posting until someone resumes; `note` (optional) says why, for status."""
        paused = self.store.subscriptions.pause(
            key, kind=PauseKind.BY_HAND, reason=note or None, actor=actor, now=self.now()
        )
        if paused is None:
            raise CommandError(f"This channel has no tip of the day to pause. Start one with {EXAMPLE}.")
        text = "Paused: nothing is posted here until someone runs /mltip daily resume. The schedule is kept."
        return Reply(title=f"{TITLE}: paused", text=text)

    def resume(self, key: ChannelKey, actor: str) -> Reply:
        """Post again; also lifts a workspace-wide pause (a person here shows the app works again)."""
        now = self.now()
        resumed = self.store.subscriptions.resume(key, actor=actor, now=now)
        if resumed is None:
            raise CommandError(f"This channel has no tip of the day to resume. Start one with {EXAMPLE}.")
        text = f"Resumed: this channel gets {lesson_phrase(resumed)}."
        if self.store.subscriptions.resume_workspace(key.platform, key.workspace_id, actor=actor, now=now):
            text += f" The pause on the whole {SPACE_NAMES[key.platform]} is lifted too."
        return Reply(title=f"{TITLE}: resumed", text=text, fields=(next_field(resumed, now, None),))

    def status(self, key: ChannelKey) -> Reply:
        """The schedule, whether and why it is paused, the next posts and the last one (anyone may ask)."""
        subscription = self.store.subscriptions.get(key)
        if subscription is None:
            text = f"This channel has no tip of the day. Someone who can manage it can start one: {EXAMPLE}."
            return Reply(title=f"{TITLE}: not subscribed", text=text)
        now = self.now()
        stopped = self._pause_state(subscription)
        held = holds_state(subscription, now.astimezone(subscription.zone).date())
        last = self.store.ledger.last_delivery(subscription.id)
        created = local_moment(subscription.created_at, subscription.zone)
        fields = [
            Field(name="Schedule", value=schedule_phrase(subscription)),
            Field(name="Topic", value=subscription.topic or "any"),
            Field(name="Thread", value=on_or_off(subscription.thread, THREAD_DONE[subscription.platform])),
            Field(name="Pin", value=on_or_off(subscription.pin, "the newest tip stays pinned")),
            Field(name="State", value=" ".join(part for part in (stopped, held) if part) or "Posting."),
            next_field(subscription, now, stopped, count=UPCOMING),
            Field(name="Last post", value=delivery_outcome(last, subscription) if last else "none yet"),
            Field(name="Set up by", value=f"{subscription.created_by} on {created}"),
        ]
        until = subscription.paused_until
        resting = until is not None and until > now.astimezone(subscription.zone).date()
        title = f"{TITLE}: {'paused' if stopped else f'paused until {local_day(until)}' if until and resting else 'on'}"
        return Reply(title=title, text=f"This channel gets {lesson_phrase(subscription)}.", fields=tuple(fields))

    def overview(self, platform: Platform, workspace_id: str) -> list[ChannelStatus]:
        """Every channel of a workspace with a tip of the day, and its state (for its admins)."""
        now = self.now()
        statuses = []
        for subscription in self.store.subscriptions.in_workspace(platform, workspace_id):
            stopped = self._pause_state(subscription)
            upcoming = next_field(subscription, now, stopped)
            statuses.append(
                ChannelStatus(
                    channel_id=subscription.key.channel_id,
                    schedule=lesson_phrase(subscription),
                    state=stopped or holds_state(subscription, now.astimezone(subscription.zone).date()) or "Posting.",
                    next_post=f"{upcoming.name}: {upcoming.value}",
                )
            )
        return statuses

    def _pause_state(self, subscription: Subscription) -> str | None:
        subscriptions, key = self.store.subscriptions, subscription.key
        workspace = subscriptions.workspace_pause(key.platform, key.workspace_id)
        paused = None
        if subscription.paused and workspace is None:
            paused = last_pause(subscriptions.audit(key.platform, key.workspace_id, key.channel_id, limit=20))
        return pause_state(subscription, workspace, paused)


def _full_message(platform: Platform, limit: int) -> str:
    space = SPACE_NAMES[platform]
    channels = f"{limit} channel{'s' if limit != 1 else ''}"
    return (
        f"This {space} already has {channels} with a tip of the day, the most one {space} may have."
        " Stop it in a channel that no longer needs it (/mltip daily off there), or ask whoever runs mltip"
        " to raise MLTIP_MAX_SUBSCRIPTIONS_PER_WORKSPACE."
    )


def _require_manager(invocation: Invocation, platform: Platform) -> None:
    if not invocation.can_manage:
        raise CommandError(
            f"Sorry, only {WHO_MANAGES[platform]} can change this channel's tip of the day. "
            "Anyone can see it with /mltip daily status."
        )


def _same_schedule(before: Subscription, after: Subscription) -> bool:
    fields = ("local_time", "timezone", "weekdays", "topic", "cadence", "thread", "pin")
    return all(getattr(before, name) == getattr(after, name) for name in fields)


def _zone_line(subscription: Subscription, now: datetime) -> str:
    local = now.astimezone(subscription.zone)
    return f"{subscription.timezone} (now {local:%H:%M %Z}, UTC{local:%z})"
