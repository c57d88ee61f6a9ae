"""PersonalTips: carries out `/mltip me ...`, a person's own tip of the day by direct message.

    /mltip me 08:00 [Europe/Berlin] [weekdays|mon,wed,fri|...] [topic]
    /mltip me status | pause [note] | resume | off | skip | help

It is the channel machinery with a person as the target: a subscription of kind PERSON whose
channel_id is the person's user id (the poster opens the DM), with its own deck, the ledger, the
fire times and the grace window. The target is always whoever invoked it: nobody can set, see or
stop another person's. Skip tomorrow records the next date as SKIPPED in the ledger ahead of
time, so the scheduler, which never plans over an existing row, leaves it out on every replica.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.daily import ME_HELP, Daily, Invocation
from bot.core.platform import Platform
from bot.core.replies import Field, Reply
from bot.daily.arguments import TOPICS, ScheduleRequest, looks_like_time, parse_schedule
from bot.daily.fire_times import next_fire_times
from bot.daily.rules import cadence_asked
from bot.daily.wording import (
    PLATFORM_NAMES,
    delivery_outcome,
    last_pause,
    lesson_phrase,
    local_moment,
    pause_state,
    schedule_phrase,
    skip_reason,
)
from bot.daily.zones import resolve_timezone
from bot.errors import CommandError
from bot.store import ChannelKey, Delivery, DeliveryStatus, PauseKind, SkipReason, Store, Subscription, TargetKind

TITLE = "Your tip of the day"
EXAMPLE = "/mltip me 08:00 Europe/Berlin weekdays"
OFF_WORDS = frozenset({"off", "stop", "unsubscribe", "cancel"})
UPCOMING = 3
RESUME = "/mltip me resume"
NO_THREAD_OR_PIN = (
    "thread and pin are for a channel's tip of the day (/mltip daily); your own tip comes as a direct message."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonalStatus:
    """A person's own tip in a few words, for the Slack Home tab (the words `me status` uses)."""

    schedule: str  # 'a lesson on weekdays at 08:00 Europe/Berlin time'
    state: str  # 'Sending.' or why not
    next_tip: str  # 'Next tip: Mon 15 Jul 2024, 08:00 CEST' ('..., once resumed' when paused)
    paused: bool  # so the Home tab offers Resume rather than Pause


def usage() -> Reply:
    """How to use `/mltip me`."""
    fields = (
        Field(name=ME_HELP[0], value="a lesson sent to you by direct message at 08:00 Berlin time"),
        Field(name="zone", value="left out: your own zone where the platform says it, else the bot's default"),
        Field(name="days", value="daily (the default), weekdays, weekends, mon,wed,fri, every 2 days or monthly on 1"),
        Field(name="topic", value=f"only lessons on one topic: {', '.join(TOPICS)}"),
        Field(name="/mltip me status", value="your schedule, your next three tips and the last one"),
        Field(name="/mltip me skip", value="skip your next tip (the Skip tomorrow button under each tip does it too)"),
        Field(name="/mltip me pause | resume | off", value="stop for a while, start again, or stop for good"),
    )
    text = "Your own lesson of career advice, by direct message, at your time. Only you can set or change it."
    return Reply(title=f"{TITLE}: how to", text=text, fields=fields)


class PersonalTips:
    """The `/mltip me` half of the DailyHandler; `clock` returns aware UTC datetimes."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime], default_zone: str) -> None:
        self.store = store
        self.default_zone = default_zone
        self._clock = clock

    def handle(self, command: Daily, invocation: Invocation) -> Reply:
        """Answer one `/mltip me ...` for the person who ran it (never anyone else)."""
        words = command.words
        action = words[0].lower() if words else "status"
        key = ChannelKey(
            platform=Platform(invocation.platform),
            workspace_id=invocation.personal_space or invocation.workspace_id,
            channel_id=invocation.user_id,
        )
        actor = f"{invocation.user_name} ({invocation.user_id})"
        if action == "help":
            return usage()
        if action == "status":
            return self.status(key)
        if action in OFF_WORDS:
            return self.off(key, actor)
        if action == "pause":
            return self.pause(key, actor, " ".join(words[1:]))
        if action == "resume":
            return self.resume(key, actor)
        if action == "skip":
            return self.skip(key)
        if not looks_like_time(action):
            raise CommandError(
                f"I don't know /mltip me {words[0]}. Set your time ({EXAMPLE}), "
                "or use status, skip, pause, resume, off or help."
            )
        zone, source = self._fallback_zone(invocation)
        request = parse_schedule(words, zone, command="me")
        if request.thread or request.pin:  # parse_schedule reads them for channels; a DM has neither
            raise CommandError(NO_THREAD_OR_PIN)
        return self.subscribe(key, actor, request, source)

    def _fallback_zone(self, invocation: Invocation) -> tuple[str, str]:
        """The zone for a time given without one, and where it came from (the reply says which)."""
        if invocation.user_zone:
            try:
                platform = PLATFORM_NAMES[Platform(invocation.platform)]
                return resolve_timezone(invocation.user_zone).key, f"your {platform} time zone"
            except CommandError:
                pass  # a zone this machine does not know: the default, and the reply says so
        return self.default_zone, "the bot's default time zone (MLTIP_DEFAULT_TIMEZONE)"

    def subscribe(self, key: ChannelKey, actor: str, request: ScheduleRequest, zone_source: str) -> Reply:
        """Set the person's tip or change its schedule (an upsert)."""
        now = self._clock()
        before = self.store.subscriptions.get(key)
        after = self.store.subscriptions.subscribe(
            key,
            local_time=request.local_time,
            timezone=request.zone,
            cadence=cadence_asked(request, before.cadence if before else None, now),
            topic=request.topic.value if request.topic else None,
            actor=actor,
            now=now,
            kind=TargetKind.PERSON,
        )
        title = f"{TITLE}: set" if before is None else f"{TITLE}: changed"
        text = f"You get {lesson_phrase(after)}, by direct message."
        if not request.zone_given:
            text += (
                f" No time zone was given, so I used {zone_source}, {after.timezone}."
                f" Another zone: /mltip me {after.local_time:%H:%M} America/New_York (or any IANA name)."
            )
        stopped = self._pause_state(after)
        fields = [
            self._next_field(after, now, stopped),
            *([Field(name="State", value=stopped)] if stopped else []),
            Field(name="Stop it", value="/mltip me off (or pause, then resume); /mltip me status shows it"),
        ]
        return Reply(title=title, text=text, fields=tuple(fields))

    def off(self, key: ChannelKey, actor: str) -> Reply:
        """Stop the person's tips (a repeat is harmless)."""
        if not self.store.subscriptions.unsubscribe(key, actor=actor, now=self._clock()):
            text = f"You have no tip of the day, so there is nothing to stop. Start one: {EXAMPLE}."
            return Reply(title=TITLE, text=text)
        return Reply(title=f"{TITLE}: stopped", text=f"Stopped: no more tips by direct message. Again: {EXAMPLE}.")

    def pause(self, key: ChannelKey, actor: str, note: str) -> Reply:
        """Stop sending until the person resumes."""
        paused = self.store.subscriptions.pause(
            key, kind=PauseKind.BY_HAND, reason=note or None, actor=actor, now=self._clock()
        )
        if paused is None:
            raise CommandError(f"You have no tip of the day to pause. Start one with {EXAMPLE}.")
        return Reply(title=f"{TITLE}: paused", text=f"Paused until you run {RESUME}. Your schedule is kept.")

    def resume(self, key: ChannelKey, actor: str) -> Reply:
        """Send again, also after the bot paused it because a DM failed (the person says it is fixed)."""
        now = self._clock()
        resumed = self.store.subscriptions.resume(key, actor=actor, now=now)
        if resumed is None:
            raise CommandError(f"You have no tip of the day to resume. Start one with {EXAMPLE}.")
        return Reply(
            title=f"{TITLE}: resumed",
            text=f"You get {lesson_phrase(resumed)} again.",
            fields=(self._next_field(resumed, now, None),),
        )

    def skip(self, key: ChannelKey) -> Reply:
        """Skip the next tip: a SKIPPED row for its local date, written before the scheduler plans it."""
        subscription = self.store.subscriptions.get(key)
        if subscription is None:
            raise CommandError(f"You have no tip of the day to skip. Start one with {EXAMPLE}.")
        now, zone = self._clock(), subscription.zone
        due = next_fire_times(now, subscription.local_time, zone, subscription.cadence, 1)[0]
        if due.astimezone(zone).date() in {d.local_date for d in self._skips(subscription, now)}:
            text = f"Your tip on {local_moment(due, zone)} is already skipped."
            return Reply(title=f"{TITLE}: skipped", text=text, fields=(self._next_field(subscription, now, None),))
        if not self.store.ledger.record_skipped(subscription.id, due.astimezone(zone).date(), due, SkipReason.BY_HAND):
            raise CommandError("Your next tip is being sent right now, so it can no longer be skipped.")
        text = f"Skipped: no tip on {local_moment(due, zone)}."
        return Reply(title=f"{TITLE}: skipped", text=text, fields=(self._next_field(subscription, now, None),))

    def status(self, key: ChannelKey) -> Reply:
        """The person's schedule, state, next tips (skipped ones said so) and the last one."""
        subscription = self.store.subscriptions.get(key)
        if subscription is None:
            return Reply(title=f"{TITLE}: not set", text=f"You have no tip of the day. Start one: {EXAMPLE}.")
        now = self._clock()
        stopped = self._pause_state(subscription)
        skips = self._skips(subscription, now)
        past = [d for d in self.store.ledger.history(subscription.id, limit=UPCOMING + len(skips)) if d.due_at <= now]
        fields = [
            Field(name="Schedule", value=schedule_phrase(subscription)),
            Field(name="Topic", value=subscription.topic or "any"),
            Field(name="State", value=stopped or "Sending."),
            self._next_field(subscription, now, stopped, count=UPCOMING),
            *[
                Field(name="Skipped", value=f"{local_moment(d.due_at, subscription.zone)} ({skip_reason(d)})")
                for d in skips
            ],
            Field(name="Last tip", value=delivery_outcome(past[0], subscription) if past else "none yet"),
        ]
        title = f"{TITLE}: {'paused' if stopped else 'on'}"
        return Reply(title=title, text=f"You get {lesson_phrase(subscription)}.", fields=tuple(fields))

    def summary(self, key: ChannelKey) -> PersonalStatus | None:
        """The person's tip in brief, or None when they have none."""
        subscription = self.store.subscriptions.get(key)
        if subscription is None:
            return None
        stopped = self._pause_state(subscription)
        upcoming = self._next_field(subscription, self._clock(), stopped)
        return PersonalStatus(
            schedule=lesson_phrase(subscription),
            state=stopped or "Sending.",
            next_tip=f"{upcoming.name}: {upcoming.value}",
            paused=stopped is not None,
        )

    def _skips(self, subscription: Subscription, now: datetime) -> list[Delivery]:
        ahead = self.store.ledger.ahead(subscription.id, now)
        return [d for d in ahead if d.status is DeliveryStatus.SKIPPED]

    def _upcoming(self, subscription: Subscription, now: datetime, count: int, skipped: set[object]) -> list[datetime]:
        """The next `count` fire times whose dates are not skipped."""
        zone = subscription.zone
        times = next_fire_times(now, subscription.local_time, zone, subscription.cadence, count + len(skipped))
        return [t for t in times if t.astimezone(zone).date() not in skipped][:count]

    def _next_field(self, subscription: Subscription, now: datetime, stopped: str | None, count: int = 1) -> Field:
        skipped: set[object] = {d.local_date for d in self._skips(subscription, now)}
        times = self._upcoming(subscription, now, count, skipped)
        value = "; ".join(local_moment(moment, subscription.zone) for moment in times)
        name = ("Next tip" if count == 1 else "Next tips") + (", once resumed" if stopped else "")
        return Field(name=name, value=value)

    def _pause_state(self, subscription: Subscription) -> str | None:
        subscriptions, key = self.store.subscriptions, subscription.key
        workspace = subscriptions.workspace_pause(key.platform, key.workspace_id)
        paused = None
        if subscription.paused and workspace is None:
            paused = last_pause(subscriptions.audit(key.platform, key.workspace_id, key.channel_id, limit=20))
        return pause_state(subscription, workspace, paused, resume=RESUME)
