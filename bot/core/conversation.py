"""What every chat platform does alike between what someone types or presses and the Reply.

Each adapter parses its platform's input and renders the Reply its own way; the rest is here, so
Slack and Discord cannot drift apart:

- Answering without holding up the event loop that serves everyone on a platform. A search the
  engine has not answered before costs CPU time (the index itself the first time), and the
  database is I/O: those run in a worker thread. Everything else — a remembered answer, a random
  lesson, a listing, refusing over-long text — is quicker than the hop to a thread (measured in
  bench/slack_latency.py and bench/discord_latency.py), so it runs in place.
- `/mltip daily ...` and `/mltip stats` are carried out for an Invocation (who asked, where,
  whether they administer the space), which only the platform can say, and always in a worker
  thread. A vote, and a question no lesson answers, are recorded for a Member (who, where): the
  database again, so those run in a worker thread too.
- Where the answer to a button press goes (`placement`, the Another rule; a vote's private aside).
- The apology for anything unexpected.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable

from bot.core.commands import CommandEngine
from bot.core.daily import Daily, Invocation
from bot.core.feedback import Member, Stats, Vote
from bot.core.grammar import Command, Search, decode_action, parse
from bot.core.limits import MAX_QUESTION_CHARS
from bot.core.replies import Reply, Visibility
from bot.errors import CommandError

# What the user is told when answering failed in a way nobody meant (a bug); the log has the rest.
APOLOGY = "Sorry, something went wrong while answering that. Please try again in a moment."

# Who is asking a Daily or Stats command, and where; the platform may ask its API first (Slack's
# users.info when the command needs an admin), or refuse with CommandError (outside a server).
InvocationOf = Callable[[Daily | Stats], Awaitable[Invocation]]


class Placement(enum.Enum):
    """Where the answer to a button press goes."""

    IN_PLACE = "in place"  # replaces the private answer the button was under
    PRIVATE = "private"  # a new message only the presser sees
    CHANNEL = "channel"  # a new message for the whole channel


def placement(reply: Reply, *, pressed_under_private: bool) -> Placement:
    """Where `reply`, the answer to a press, goes: the Another rule.

    Another under a private answer pages in place. Under a public post (the tip of the day)
    replacing it would change the post everyone sees, so Another answers privately instead.
    Share's reply is for the channel, so it is a new public message either way. A vote's
    acknowledgement is an aside: a new private message, leaving the lesson voted on as it was.
    """
    if reply.aside:
        return Placement.PRIVATE
    if reply.visibility is Visibility.CHANNEL:
        return Placement.CHANNEL
    return Placement.IN_PLACE if pressed_under_private else Placement.PRIVATE


def _quick(engine: CommandEngine, command: Command) -> bool:
    if isinstance(command, Search):
        return engine.remembers(command.query)
    return not isinstance(command, Daily | Stats | Vote)


async def answer(
    engine: CommandEngine, text: str, *, platform: str, invocation: InvocationOf, member: Member | None = None
) -> Reply:
    """What `/mltip <text>` from `member` gets: engine.run(text), in a worker thread unless it is quick.

    A Daily or Stats command is run with `invocation(command)`; CommandError when the text is
    over-long or the command cannot be carried out.
    """
    command = parse(text)
    if isinstance(command, Daily | Stats):
        asked = await invocation(command)
        # The database call runs in a thread: the event loop keeps answering everyone else meanwhile.
        return await asyncio.to_thread(engine.run, text, platform=platform, invocation=asked)
    if _quick(engine, command):
        return engine.run(text, platform=platform, member=member)
    return await asyncio.to_thread(engine.run, text, platform=platform, member=member)


async def ask(engine: CommandEngine, question: str, *, platform: str, member: Member | None = None) -> Reply:
    """engine.ask(question) by `member`: always a question, in a worker thread unless it is remembered."""
    if len(question) > MAX_QUESTION_CHARS or engine.remembers(question):
        return engine.ask(question, platform=platform, member=member)  # refused at once, or from memory
    return await asyncio.to_thread(engine.ask, question, platform=platform, member=member)


async def press(
    engine: CommandEngine,
    payload: str,
    *,
    user: str,
    platform: str,
    member: Member | None = None,
    invocation: InvocationOf | None = None,
) -> Reply:
    """engine.press(payload) by `member` (named `user`), in a worker thread unless it is quick.

    A press that is a Daily command (Skip tomorrow) is run with `invocation(command)`, like a
    typed one; without `invocation` it is refused.
    """
    try:
        command: Command | None = decode_action(payload, user=user)
    except CommandError:
        command = None  # press() refuses it at once
    if isinstance(command, Daily):
        if invocation is None:
            raise CommandError("That button works only where mltip can tell who pressed it.")
        asked = await invocation(command)
        return await asyncio.to_thread(engine.press, payload, user=user, platform=platform, invocation=asked)
    if command is None or _quick(engine, command):
        return engine.press(payload, user=user, platform=platform, member=member)
    return await asyncio.to_thread(engine.press, payload, user=user, platform=platform, member=member)
