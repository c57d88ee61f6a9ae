"""Plain words for the tip of the day's state: schedules, local times, pauses and delivery outcomes.

Reasons come from the platforms as error codes (`channel_not_found`, `discord 403 ...`); people
get what the code means and what to do, with the code kept in brackets for whoever debugs it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.cadence import Cadence, Repeat
from bot.core.platform import Platform
from bot.core.weekdays import DAY_CODES, EVERY_DAY, MON_TO_FRI, WEEKENDS, Weekdays
from bot.daily.fire_times import Held, UpcomingDate
from bot.store import (
    AuditAction,
    AuditEntry,
    Delivery,
    DeliveryStatus,
    PauseKind,
    SkipReason,
    Subscription,
    WorkspacePause,
)

PLATFORM_NAMES = {Platform.SLACK: "Slack", Platform.DISCORD: "Discord", Platform.CONSOLE: "the console"}
SPACE_NAMES = {Platform.SLACK: "workspace", Platform.DISCORD: "server", Platform.CONSOLE: "console"}

# Error codes (Slack's own, and the Discord adapter's "discord <status>") -> what they mean.
REASONS: dict[str, str] = {
    "channel_not_found": "the channel no longer exists, or the bot cannot see it",
    "is_archived": "the channel is archived",
    "channel_is_archived": "the channel is archived",
    "not_in_channel": "the bot is not in the channel (invite it with /invite @mltip)",
    "restricted_action": "the workspace does not allow the bot to post there",
    "invalid_auth": "Slack no longer accepts the bot's token",
    "not_authed": "Slack no longer accepts the bot's token",
    "token_revoked": "the app's token was revoked (was the app removed?)",
    "token_expired": "the app's token expired",
    "account_inactive": "the bot's account was deactivated",
    "team_disabled": "the workspace was disabled",
    "missing_scope": "the app lacks a permission it needs; reinstall it from manifest.yml",
    "app_uninstalled": "the app was uninstalled",
    "no_installation": "the app is not installed in this workspace",
    # A person's DM (personal tips): they left, were deactivated, or do not take the bot's messages.
    "cannot_dm_bot": "Slack does not let the bot message this person",
    "user_not_found": "the person is no longer in the workspace",
    "user_not_visible": "the bot cannot see this person any more",
    "user_disabled": "the person's account was deactivated",
    "dm_closed": "Discord does not let the bot message this person (they blocked it or closed their DMs)",
    "discord 401": "Discord no longer accepts the bot's token",
    "discord 403": "the bot may not post in this channel (it needs View Channel, Send Messages, Embed Links)",
    "discord 404": "Discord says the channel no longer exists",
}
_REASON = re.compile("|".join(rf"(?<![\w]){re.escape(code)}(?![\w])" for code in REASONS))


def local_moment(instant: datetime, zone: ZoneInfo) -> str:
    """'Mon 15 Jul 2024, 09:00 CEST': an instant as the channel's clocks show it."""
    return instant.astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")


def days_label(weekdays: Weekdays) -> str:
    """'every day', 'weekdays', 'weekends' or 'Mon, Wed, Fri'."""
    named = {EVERY_DAY: "every day", MON_TO_FRI: "weekdays", WEEKENDS: "weekends"}
    return named.get(weekdays) or ", ".join(code.title() for n, code in enumerate(DAY_CODES) if weekdays & (1 << n))


def days_phrase(weekdays: Weekdays) -> str:
    """'every day', 'on weekdays', 'on Mon, Wed, Fri'."""
    return "every day" if weekdays == EVERY_DAY else f"on {days_label(weekdays)}"


def ordinal(number: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def rule_phrase(cadence: Cadence) -> str:
    """'on weekdays', 'every 2 days', 'monthly on the 1st' (…'or the month's last day' from the 29th)."""
    if cadence.repeat is Repeat.EVERY_N_DAYS:
        return f"every {cadence.every_days} days"
    if cadence.repeat is Repeat.MONTHLY:
        day = cadence.month_day or 1
        return f"monthly on the {ordinal(day)}" + (" (or the month's last day)" if day > 28 else "")
    return days_phrase(cadence.weekdays)


def schedule_phrase(subscription: Subscription) -> str:
    """'on weekdays at 09:00 Europe/Berlin time' (or '... at 09:00 UTC')."""
    zone = "UTC" if subscription.timezone == "UTC" else f"{subscription.timezone} time"
    return f"{rule_phrase(subscription.cadence)} at {subscription.local_time:%H:%M} {zone}"


def local_day(day: date) -> str:
    """'Mon 04 Jan 2027': a local date as status shows dates."""
    return day.strftime("%a %d %b %Y")


def upcoming_phrase(entries: list[UpcomingDate], subscription: Subscription) -> str:
    """The next dates, '; '-separated, a skipped one saying why: '..., 09:00 CET skipped (skip next)'."""
    zone, parts = subscription.zone, []
    for entry in entries:
        moment = local_moment(entry.at, zone)
        if entry.skipped is Held.SKIP_NEXT:
            parts.append(f"{moment} skipped (skip next)")
        elif entry.skipped is Held.PAUSED:
            until = local_day(subscription.paused_until) if subscription.paused_until else "later"
            more = entry.also_skipped
            after = f" and {more} more date{'s' if more != 1 else ''} after it" if more else ""
            parts.append(f"{moment}{after} skipped (paused until {until})")
        else:
            parts.append(moment)
    return "; ".join(parts)


def holds_state(subscription: Subscription, today: date) -> str | None:
    """A pause until a date, or a skipped post, still ahead of `today` (the channel's date), in words."""
    holds = []
    if subscription.paused_until is not None and subscription.paused_until > today:
        holds.append(
            f"Paused until {local_day(subscription.paused_until)}: posts start again by themselves that day"
            " (or now with /mltip daily resume)."
        )
    if subscription.skip_date is not None and subscription.skip_date >= today:
        skipped = local_day(subscription.skip_date)
        holds.append(f"The post of {skipped} is skipped (skip next; /mltip daily skip cancel posts it after all).")
    return " ".join(holds) or None


def lesson_phrase(subscription: Subscription) -> str:
    """'a lesson on papers on weekdays at 09:00 Europe/Berlin time'."""
    about = f" on {subscription.topic}" if subscription.topic else ""
    return f"a lesson{about} {schedule_phrase(subscription)}"


def describe_reason(reason: str) -> str:
    """A platform's error as words, keeping the code: 'the channel is archived (is_archived)'."""
    found = _REASON.search(reason)
    return f"{REASONS[found.group(0)]} ({reason})" if found else reason


def pause_state(
    subscription: Subscription,
    workspace: WorkspacePause | None,
    paused: AuditEntry | None = None,
    *,
    resume: str = "/mltip daily resume",
) -> str | None:
    """Why nothing is being posted (by whom, or the automatic reason), or None when posting.

    `paused` is the audit entry of the pause, when known: a later change of schedule moves the
    subscription's updated_by/updated_at on, but not who paused it and when.
    """
    zone = subscription.zone
    if workspace is not None:
        space = SPACE_NAMES[workspace.platform]
        return (
            f"Paused for the whole {space} since {local_moment(workspace.at, zone)}: "
            f"{describe_reason(workspace.reason)}. Fix that (reinstall the app), then {resume}."
        )
    if not subscription.paused:
        return None
    note = subscription.pause_reason
    since = local_moment(paused.at if paused else subscription.updated_at, zone)
    if subscription.pause_kind is PauseKind.BY_HAND:
        by = paused.actor if paused else subscription.updated_by
        return f"Paused by {by} since {since}" + (f" ({note})" if note else "") + "."
    return f"Paused automatically since {since}: {describe_reason(note or '')}. Fix that, then {resume}."


def last_pause(entries: list[AuditEntry]) -> AuditEntry | None:
    """The newest PAUSE among a channel's audit entries (newest first)."""
    return next((entry for entry in entries if entry.action is AuditAction.PAUSE), None)


def hours(span: timedelta) -> str:
    """'3 hours', '1 hour', '0.5 hours'."""
    count = span.total_seconds() / 3600
    return f"{count:g} hour{'s' if count != 1 else ''}"


def skip_reason(delivery: Delivery) -> str:
    """Why a delivery was skipped: 'not sent within 3 hours of its time; last error: ...'."""
    grace, last = delivery.grace, f"; last error: {delivery.error}" if delivery.error else ""
    if delivery.skip_reason is SkipReason.DOWNTIME:
        window = "the grace window" if grace is None else f"the {grace} grace window"  # str(timedelta): 3:00:00
        return f"the bot was down past {window}"
    if delivery.skip_reason is SkipReason.PAUSED:
        return "the channel or workspace was paused" + last
    if delivery.skip_reason is SkipReason.LATE:
        within = f"within {hours(grace)} of its time" if grace is not None else "in time"
        return f"not sent {within}" + last
    if delivery.skip_reason is SkipReason.BY_HAND:
        return "you asked to skip it"
    return delivery.error or "it was not sent in time"  # skipped before reasons were kept as data, unrecognised


def still_refused(reason: str, rate_limited: bool, attempts: int, deadline: timedelta) -> str:
    """Why a delivery went back to the ledger at the retry deadline: shown in status, and after a skip."""
    what = "rate limited" if rate_limited else "failing"
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    return f"still {what} after {tries} in {deadline.total_seconds() / 60:g} min: {reason}"


def _when(delivery: Delivery, zone: ZoneInfo) -> str:
    return local_moment(delivery.due_at, zone)


def delivery_outcome(delivery: Delivery, subscription: Subscription) -> str:
    """The last post's fate in plain words: sent, skipped, failed, or unknown (and why)."""
    zone, platform = subscription.zone, PLATFORM_NAMES[subscription.platform]
    status = delivery.status
    if status is DeliveryStatus.SENT:
        after = f"; but {delivery.error}" if delivery.error else ""  # a pin or thread that failed after it
        return f"sent at {local_moment(delivery.sent_at or delivery.due_at, zone)}{after}"
    if status is DeliveryStatus.UNKNOWN:
        return (
            f"unknown outcome (due {_when(delivery, zone)}): the request left but {platform} never answered; "
            "not resent so it cannot post twice"
        )
    if status is DeliveryStatus.SKIPPED:
        return f"skipped (due {_when(delivery, zone)}) because {skip_reason(delivery)}"
    if status is DeliveryStatus.FAILED:
        return f"failed (due {_when(delivery, zone)}) because {describe_reason(delivery.error or 'of an error')}"
    if status is DeliveryStatus.PENDING and delivery.retry_at is not None:
        after = f" after: {delivery.error}" if delivery.error else ""
        return f"due {_when(delivery, zone)}; trying again at {local_moment(delivery.retry_at, zone)}{after}"
    if status is DeliveryStatus.PENDING:
        return f"due {_when(delivery, zone)}, waiting to be sent"
    return f"being sent now (due {_when(delivery, zone)})"


# --- after each post: thread and pin ----------------------------------------------------

THREAD_HELP = "each tip opens a thread for replies (Discord starts one; on Slack the tip invites replies in its thread)"
THREAD_DONE = {
    Platform.SLACK: "each tip invites replies in its thread",
    Platform.DISCORD: "each tip starts a thread, archived after a day",
    Platform.CONSOLE: "each tip invites replies",
}


def on_or_off(on: bool, what: str) -> str:
    """'on: what it does' or 'off', for status's Thread and Pin."""
    return f"on: {what}" if on else "off"


def after_post_phrase(subscription: Subscription) -> str:
    """What happens after each post: 'a thread; pinned', or 'nothing more (add thread or pin ...)'."""
    parts = [THREAD_DONE[subscription.platform]] if subscription.thread else []
    parts += ["pinned until the next tip"] if subscription.pin else []
    return "; ".join(parts) if parts else "nothing more (add thread or pin to the command for either)"
