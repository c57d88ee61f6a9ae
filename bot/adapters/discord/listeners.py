"""`/mltip` on Discord: the command tree, its autocomplete, the buttons and the one error handler.

One command, `/mltip`, with one optional `query` option, rather than subcommands: Discord
cannot invoke a command that has subcommands, so `/mltip` on its own (a random lesson) and
`/mltip query:kaggle` would have to become `/mltip tip ...`. With a single option the grammar
stays the one Slack and the console share — `topics`, `sources` and `help` are queries — and
autocomplete lists those keywords and the topics first, so Discord users still find them
in the picker without reading the help. `daily ...` queries work here too (`daily status` is how
members without Manage Server see the tip of the day); setting it has its own command,
`/mltip-daily` (daily_command.py explains why).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Protocol, runtime_checkable

import discord
from discord import app_commands

from bot.adapters.discord.daily_command import build_daily_group, check_can_post
from bot.adapters.discord.render import CONTENT_LIMIT, CUSTOM_ID_TEMPLATE, custom_id, neutralise, render
from bot.core.commands import CommandEngine
from bot.core.conversation import APOLOGY, Placement, answer, placement, press
from bot.core.daily import PERSONAL_SPACE, Daily, Invocation
from bot.core.feedback import Member, Stats
from bot.core.lessons import TOPIC_DESCRIPTIONS
from bot.core.limits import MAX_QUESTION_CHARS
from bot.core.platform import Platform
from bot.core.replies import Reply, Visibility, kept_private
from bot.core.text import clip
from bot.errors import CommandError

_log = logging.getLogger("mltip.discord")

PLATFORM = Platform.DISCORD
COMMAND_NAME = "mltip"
COMMAND_DESCRIPTION = "Career advice for ML engineers from practitioners"
QUERY_DESCRIPTION = "A question or a topic; or topics, sources, help"
KEYWORD_HINTS = {
    "topics": "list the topics",
    "sources": "who the advice comes from",
    "help": "how to use /mltip",
    "daily status": "this channel's tip of the day",
    "me status": "your own tip of the day by DM (me 08:00 Europe/Berlin sets it)",
    "stats": "votes, unanswered questions, daily posts here (Manage Server)",
}
NO_SHARING_HERE = (
    "Share posts a lesson for everyone, which mltip does only in servers that added it; "
    "here its answers are for you alone."
)
CHOICE_LIMIT = 25  # Discord shows at most 25 autocomplete choices
CHOICE_TEXT_LIMIT = 100  # ... each name and value at most 100 characters

Interaction = discord.Interaction[discord.Client]
# The option's max_length: Discord's client stops the user at the core's cap, as they type.
Query = app_commands.Range[str, None, MAX_QUESTION_CHARS]


class Responder:
    """Turns interactions into core commands, and replies into interaction responses."""

    def __init__(self, engine: CommandEngine) -> None:
        self.engine = engine

    async def on_command(self, interaction: Interaction, query: str | None) -> None:
        """Answer `/mltip [query]` privately."""
        await self.answer(interaction, query or "")

    async def answer(self, interaction: Interaction, text: str) -> None:
        """Answer what follows `/mltip`, or a `daily ...` from `/mltip-daily`, for the channel it came from."""

        async def invocation(asked: Daily | Stats) -> Invocation:
            daily = asked if isinstance(asked, Daily) else None
            personal = daily is not None and daily.personal
            return personal_invocation_of(interaction) if personal else invocation_of(interaction, daily)

        asked = await answer(self.engine, text, platform=PLATFORM, invocation=invocation, member=member_of(interaction))
        await self._send(interaction, asked)

    async def on_button(self, interaction: Interaction, payload: str) -> None:
        """Answer a press of Another, Share, 👍, 👎 or Skip tomorrow; errors go to the one error handler."""

        async def presser(_asked: Daily | Stats) -> Invocation:  # Skip tomorrow: always the presser's own tip
            return personal_invocation_of(interaction)

        try:
            name, member = interaction.user.display_name, member_of(interaction)
            reply = await press(self.engine, payload, user=name, platform=PLATFORM, member=member, invocation=presser)
            if reply.visibility is Visibility.CHANNEL and not bot_is_here(interaction):
                raise CommandError(NO_SHARING_HERE)  # a Share from before; none is offered here
            reply = for_here(interaction, reply)
            message = interaction.message
            under_private = message is not None and message.flags.ephemeral
            if placement(reply, pressed_under_private=under_private) is Placement.IN_PLACE:
                embed, view = render(reply)
                await interaction.response.edit_message(embed=embed, view=view)
            else:
                await self._send(interaction, reply)
        except Exception as exc:
            await self.report(interaction, exc, command=f"button {payload.partition('|')[0]}")

    async def complete(self, current: str) -> list[app_commands.Choice[str]]:
        """suggestions(), searching in a worker thread: a keystroke must not hold up the event loop."""
        if not current.strip() or len(current.strip()) > MAX_QUESTION_CHARS:
            return self.suggestions(current)  # no search
        return await asyncio.to_thread(self.suggestions, current)

    def suggestions(self, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete for `query`: matching keywords, then topics, then lesson titles."""
        text = current.strip().lower()
        picked: dict[str, str] = {}  # value -> name, in the order offered
        if len(text) > MAX_QUESTION_CHARS:
            return []  # nothing would match, and sending it makes the command say why

        def offer(name: str, value: str) -> None:
            value = value[:CHOICE_TEXT_LIMIT]
            if value not in picked and len(picked) < CHOICE_LIMIT:
                picked[value] = clip(name, CHOICE_TEXT_LIMIT)

        for word, hint in KEYWORD_HINTS.items():
            if text in word:
                offer(f"{word} — {hint}", word)
        for topic in self.engine.library.topic_counts():
            if text in topic.value:
                offer(f"{topic.value} — {TOPIC_DESCRIPTIONS[topic]}", topic.value)
        lessons = list(self.engine.library.lessons)
        if text:
            # Search first (it knows stems, synonyms and typos), then plain substring matches. The
            # index directly, not engine.best(): every keystroke would crowd real questions out
            # of the engine's answer cache.
            found = [hit.lesson for hit in self.engine.index.search(current, CHOICE_LIMIT)]
            lessons = found + [x for x in lessons if text in x.title.lower()]
        for lesson in lessons:
            # A title as the value works because searching a title finds that lesson first.
            offer(lesson.title, lesson.title)
        return [app_commands.Choice(name=name, value=value) for value, name in picked.items()]

    async def report(self, interaction: Interaction, error: BaseException, *, command: str) -> None:
        """The one error handler: tell the user briefly; log anything unexpected with context."""
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, CommandError):
            text = clip(neutralise(str(cause)), CONTENT_LIMIT)  # it may quote what was typed
        else:
            text = APOLOGY
            # Ids only: never the token, the interaction token or what the user typed.
            context = _who(interaction, command)
            _log.error(
                "%s failed: %s",
                command,
                " ".join(f"{k}={v}" for k, v in context.items()),
                exc_info=cause,
                extra=context,
            )
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            _log.warning("could not tell the user about a failed %s (interaction=%s)", command, interaction.id)

    async def _send(self, interaction: Interaction, reply: Reply) -> None:
        reply = for_here(interaction, reply)
        embed, view = render(reply)
        await interaction.response.send_message(
            embed=embed,
            view=view if view is not None else discord.utils.MISSING,
            ephemeral=reply.visibility is Visibility.PRIVATE,
        )


def bot_is_here(interaction: Interaction) -> bool:
    """Whether the bot itself is in the place of `interaction`: a server channel of a server that
    added it (`authorizing_integration_owners` has the guild install). Elsewhere (a DM, a group
    DM, a server where only the person installed mltip) Discord lets a user-installed app answer
    but the answer should stay with the person who asked."""
    return interaction.is_guild_integration()


def for_here(interaction: Interaction, reply: Reply) -> Reply:
    """`reply` as it may be sent where `interaction` came from: private where the bot is not a member."""
    return reply if bot_is_here(interaction) else kept_private(reply)


def invocation_of(interaction: Interaction, daily: Daily | None = None) -> Invocation:
    """Who asked, and where; CommandError outside a server that added the bot (it posts the tip of the day)."""
    if interaction.guild_id is None or interaction.channel_id is None:
        raise CommandError("The tip of the day is for server channels: use it in a channel of your server.")
    if not bot_is_here(interaction):
        raise CommandError(
            "mltip is installed for you, not for this server, so it cannot post here. "
            "For a tip of the day in this server, ask a server admin to add mltip to it."
        )
    can_manage = interaction.permissions.manage_guild or interaction.permissions.administrator
    if can_manage and daily is not None and daily.sets_schedule:
        check_can_post(interaction.app_permissions, thread=daily.wants_thread, pin=daily.wants_pin)
    return Invocation(
        platform=PLATFORM,
        workspace_id=str(interaction.guild_id),
        channel_id=str(interaction.channel_id),
        user_id=str(interaction.user.id),
        user_name=interaction.user.name,
        can_manage=can_manage,
    )


def personal_invocation_of(interaction: Interaction) -> Invocation:
    """Who runs `/mltip me ...`: anywhere (a DM, a server, a user install), and only for themselves.

    A person's tip belongs to no server (PERSONAL_SPACE), so setting it in one server and
    checking it in a DM finds the same one. Discord does not tell bots a person's time zone.
    """
    return Invocation(
        platform=PLATFORM,
        workspace_id=str(interaction.guild_id or ""),
        channel_id=str(interaction.channel_id or ""),
        user_id=str(interaction.user.id),
        user_name=interaction.user.name,
        can_manage=False,
        personal_space=PERSONAL_SPACE,
    )


def member_of(interaction: Interaction) -> Member:
    """Who pressed or asked, and in which guild (`dm` for a direct message: the person's own space)."""
    guild = str(interaction.guild_id) if interaction.guild_id is not None else "dm"
    return Member(platform=PLATFORM, workspace_id=guild, user_id=str(interaction.user.id))


def _who(interaction: Interaction, command: str) -> dict[str, Any]:
    """Where an interaction came from, for log lines (ids only)."""
    user = interaction.user
    return {
        "platform": PLATFORM,
        "guild": interaction.guild_id,
        "channel": interaction.channel_id,
        "user": user.id if user else None,
        "interaction": interaction.id,
        "command": command,
    }


@runtime_checkable
class HasResponder(Protocol):
    """A client that carries the Responder, which is how a button finds it after a restart."""

    responder: Responder


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=CUSTOM_ID_TEMPLATE):
    """Any mltip button, recognised by its custom_id alone: presses work across restarts."""

    def __init__(self, payload: str, *, label: str = "mltip", style: discord.ButtonStyle | None = None) -> None:
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=label, style=style or discord.ButtonStyle.secondary, custom_id=custom_id(payload)
        )
        super().__init__(button)
        self.payload = payload

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ActionButton:
        """Rebuild the button from the message the press came from."""
        if isinstance(item, discord.ui.Button):
            return cls(match["payload"], label=item.label or "mltip", style=item.style)
        return cls(match["payload"])

    async def callback(self, interaction: Interaction) -> None:
        """Hand the press to the client's Responder (exceptions are handled there)."""
        client = interaction.client
        if isinstance(client, HasResponder):
            await client.responder.on_button(interaction, self.payload)


class MltipTree(app_commands.CommandTree[discord.Client]):
    """The command tree, with errors routed to the Responder."""

    def __init__(self, client: discord.Client, responder: Responder) -> None:
        super().__init__(client)
        self.responder = responder

    async def on_error(self, interaction: Interaction, error: app_commands.AppCommandError, /) -> None:
        """Every failing command ends here (discord.py's single error hook for a tree)."""
        await self.responder.report(interaction, error, command=f"/{COMMAND_NAME}")


def build_tree(client: discord.Client, responder: Responder, *, default_zone: str) -> MltipTree:
    """The tree holding `/mltip` and `/mltip-daily`, global by definition (the adapter copies it to a dev guild).

    `default_zone` is the zone of a daily time given without one (MLTIP_DEFAULT_TIMEZONE).
    """
    tree = MltipTree(client, responder)

    @tree.command(name=COMMAND_NAME, description=COMMAND_DESCRIPTION)
    @app_commands.describe(query=QUERY_DESCRIPTION)
    # Explicit install types and contexts: Discord fills in defaults for missing ones, and a
    # default that differs from what we send would look like a change and re-sync every start.
    # Installable by a server and by a person (then usable in DMs, group DMs and servers without
    # the bot, answered privately: for_here); /mltip-daily stays with servers that added the bot.
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def mltip(interaction: Interaction, query: Query | None = None) -> None:
        await responder.on_command(interaction, query)

    @mltip.autocomplete("query")
    async def complete_query(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        try:
            return await responder.complete(current)
        except Exception:
            # Autocomplete cannot show an error; an empty list beats no answer at all.
            context = _who(interaction, "autocomplete")
            _log.exception("autocomplete failed: guild=%s user=%s", context["guild"], context["user"], extra=context)
            return []

    tree.add_command(build_daily_group(responder.answer, default_zone=default_zone))
    return tree
