"""`/mltip-daily` on Discord: set, off, pause, skip, resume and status of the channel's tip of the day.

Why a second top-level command, and not subcommands of `/mltip`: Discord cannot invoke a command
that has subcommands, so `/mltip` on its own (a random lesson) would have to go (see
listeners.py). Why subcommands here: each action gets exactly its own options, and `set` gets
typed, guided ones: `time` (required), `zone` (autocompleted from the IANA names), `days`
(autocompleted with the usual sets and rules such as 'every 2 days', free text allowed) and
`topic` (a fixed list of choices). `pause` takes a `note` or an `until` date; `skip` skips the
next post (or, with `cancel`, posts it after all).

Permissions: Discord sets default permissions per top-level command only, never per subcommand.
The whole `/mltip-daily` therefore defaults to Manage Server: members who may not change the
schedule do not see a command that would only refuse them. `status` is meant for everyone, so
it is also reachable as `/mltip query:daily status` (offered by `/mltip`'s autocomplete), which
has no default permissions. Server admins can re-grant `/mltip-daily` to anyone in Server
Settings > Integrations; so the default is only a default, and the core refuses changes from
members without Manage Server whatever the command's permissions say.

Every action is turned back into the shared `/mltip daily ...` grammar and answered by the core,
so Slack, Discord and the console cannot drift apart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.core.lessons import TOPIC_DESCRIPTIONS
from bot.core.limits import MAX_QUESTION_CHARS
from bot.core.text import clip
from bot.daily.arguments import parse_local_time
from bot.daily.zones import complete_timezones
from bot.errors import CommandError

_log = logging.getLogger("mltip.discord")

Interaction = discord.Interaction[discord.Client]
RunDaily = Callable[[Interaction, str], Awaitable[None]]

DAILY_NAME = "mltip-daily"
DAILY_DESCRIPTION = "This channel's tip of the day: set it, pause, resume, stop, or see its status"
CHOICE_LIMIT = 25
DESCRIPTION_LIMIT = 100  # an option's description
# Becomes `/mltip daily pause <note>`, which the core caps like any question.
PauseNote = app_commands.Range[str, None, MAX_QUESTION_CHARS - len("daily pause ")]
PauseDate = app_commands.Range[str, None, len("2027-01-04 ") * 2]  # room for a mistake to be quoted back
MANAGE_SERVER = discord.Permissions(manage_guild=True)
# Offered before anything is typed: the zones most members are in, roughly west to east.
COMMON_ZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "Africa/Lagos",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
)
DAY_SETS = {
    "daily": "every day",
    "weekdays": "Monday to Friday",
    "weekends": "Saturday and Sunday",
    "mon,wed,fri": "Monday, Wednesday, Friday",
    "tue,thu": "Tuesday and Thursday",
    "every 2 days": "every other day, from the first post",
    "weekly on mon": "once a week, on Monday",
    "monthly on 1": "on the first of each month",
}
TOPIC_CHOICES = [
    app_commands.Choice(name=f"{topic.value} — {description}"[:100], value=topic.value)
    for topic, description in TOPIC_DESCRIPTIONS.items()
]


def zone_description(default_zone: str) -> str:
    """`set`'s zone option, naming the zone of a time given without one (MLTIP_DEFAULT_TIMEZONE)."""
    return clip(f"Your time zone, e.g. Europe/Berlin (default {default_zone})", DESCRIPTION_LIMIT)


def zone_choices(current: str) -> list[app_commands.Choice[str]]:
    """IANA names matching what was typed ('berl' -> Europe/Berlin); common zones when nothing was."""
    names = complete_timezones(current, CHOICE_LIMIT) if current.strip() else list(COMMON_ZONES)
    return [app_commands.Choice(name=name, value=name) for name in names[:CHOICE_LIMIT]]


def day_choices(current: str) -> list[app_commands.Choice[str]]:
    """The usual sets of days matching what was typed (anything else typed is accepted as is)."""
    text = current.strip().lower()
    return [
        app_commands.Choice(name=f"{spec} — {words}", value=spec)
        for spec, words in DAY_SETS.items()
        if text in spec or text in words.lower()
    ]


def _safe(
    complete: Callable[[str], list[app_commands.Choice[str]]],
) -> Callable[[Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    async def autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        try:
            return complete(current)
        except Exception:
            # Autocomplete cannot show an error; an empty list beats no answer at all.
            _log.exception("autocomplete failed: guild=%s user=%s", interaction.guild_id, interaction.user.id)
            return []

    return autocomplete


# What the bot needs in the channel to post the tip, and to do what `thread` and `pin` ask.
NEEDED = (("send_messages", "Send Messages"), ("embed_links", "Embed Links"))
NEEDED_FOR_THREAD = (("create_public_threads", "Create Public Threads"),)
NEEDED_FOR_PIN = (("pin_messages", "Pin Messages"),)


def check_can_post(granted: discord.Permissions, *, thread: bool, pin: bool) -> None:
    """Refuse a schedule, naming each permission to grant, when the bot lacks what it needs here.

    `granted` is the interaction's app_permissions: the bot's permissions in this very channel,
    overwrites included, as Discord computed them.
    """
    needed = NEEDED + (NEEDED_FOR_THREAD if thread else ()) + (NEEDED_FOR_PIN if pin else ())
    missing = [label for flag, label in needed if not getattr(granted, flag)]
    if missing:
        raise CommandError(
            f"I can't do that in this channel: I'm missing {', '.join(missing)}. Grant mltip "
            f"{'that permission' if len(missing) == 1 else 'those permissions'} here (channel settings > "
            "Permissions, or the mltip role), then set the schedule again."
        )


def build_daily_group(run: RunDaily, *, default_zone: str) -> app_commands.Group:
    """`/mltip-daily` and its subcommands; `run(interaction, "daily ...")` answers each.

    `default_zone` is named in `set`'s description of its zone option. Discord sees a new
    description as a changed command, so changing MLTIP_DEFAULT_TIMEZONE syncs the commands once.
    """
    group = app_commands.Group(
        name=DAILY_NAME,
        description=DAILY_DESCRIPTION,
        default_permissions=MANAGE_SERVER,
        # Explicit, like /mltip's: a default Discord fills in would read as a change and re-sync.
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False),
        allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
    )

    @group.command(name="set", description="Post a lesson in this channel at a local time (again to change it)")
    @app_commands.describe(
        time="The local time, e.g. 09:00, 9am or 21:30",
        zone=zone_description(default_zone),
        days="Which days: daily (default), weekdays, mon,wed,fri, every 2 days, weekly on mon, monthly on 1",
        topic="Only lessons on this topic",
        thread="Start a thread on each tip for replies (needs Create Public Threads)",
        pin="Keep the newest tip pinned, unpinning the one before (needs Pin Messages)",
    )
    @app_commands.choices(topic=TOPIC_CHOICES)
    async def set_schedule(  # noqa: PLR0917 (discord.py passes each option as an argument)
        interaction: Interaction,
        time: str,
        zone: str | None = None,
        days: str | None = None,
        topic: str | None = None,
        thread: bool = False,
        pin: bool = False,
    ) -> None:
        parse_local_time(time)  # first: a time such as 'off' must not turn into `/mltip daily off`
        flags = ("thread" if thread else None, "pin" if pin else None)
        await run(interaction, " ".join(part for part in ("daily", time, zone, days, topic, *flags) if part))

    set_schedule.autocomplete("zone")(_safe(zone_choices))
    set_schedule.autocomplete("days")(_safe(day_choices))

    @group.command(name="status", description="The schedule, the next three posts and how the last one went")
    async def status(interaction: Interaction) -> None:
        await run(interaction, "daily status")

    @group.command(name="pause", description="Stop posting here for a while, or until a date; the schedule is kept")
    @app_commands.describe(
        note="Why (shown in status), e.g. holidays",
        until="Post again by itself on this date, e.g. 2027-01-04 (YYYY-MM-DD)",
    )
    async def pause(interaction: Interaction, note: PauseNote | None = None, until: PauseDate | None = None) -> None:
        if until is not None:  # with a note too, the core says to give one date
            await run(interaction, f"daily pause until {until} {note or ''}".strip())
            return
        await run(interaction, f"daily pause {note or ''}".strip())

    @group.command(name="skip", description="Skip only the next post here (or cancel that skip)")
    @app_commands.describe(cancel="Post the skipped one after all")
    async def skip(interaction: Interaction, cancel: bool = False) -> None:
        await run(interaction, "daily skip cancel" if cancel else "daily skip next")

    @group.command(name="resume", description="Post here again after a pause")
    async def resume(interaction: Interaction) -> None:
        await run(interaction, "daily resume")

    @group.command(name="off", description="Stop the tip of the day in this channel")
    async def off(interaction: Interaction) -> None:
        await run(interaction, "daily off")

    return group
