"""The console adapter: `/mltip ...` typed (or piped) on a terminal, replies as text.

The terminal is one channel, and whoever types there manages it: `/mltip daily 09:00
Asia/Kolkata` subscribes it (in the configured database) and `/mltip daily status` shows it.
Buttons are numbered keys, 👍 Helpful and 👎 Not helpful too; a vote's acknowledgement leaves the
lesson's keys working, as the platforms leave the lesson voted on in place.
"""

from __future__ import annotations

import sys
import textwrap
from typing import TextIO

from bot.core.commands import CommandEngine
from bot.core.daily import Invocation
from bot.core.feedback import Member
from bot.core.platform import Platform
from bot.core.replies import READ_THE_ORIGINAL, Reply
from bot.errors import CommandError

WIDTH = 78
PROMPT = "mltip> "
QUIT_WORDS = ("quit", "exit", ":q")
CONSOLE = Invocation(
    platform=Platform.CONSOLE,
    workspace_id="console",
    channel_id="console",
    user_id="you",
    user_name="you",
    can_manage=True,
)
CONSOLE_MEMBER = Member(platform="console", workspace_id="console", user_id="you")


def _wrap(text: str, prefix: str) -> list[str]:
    return textwrap.wrap(text, WIDTH - len(prefix), initial_indent=prefix, subsequent_indent=prefix) or [prefix]


def render_text(reply: Reply) -> str:
    """A Reply as terminal text; buttons become numbered choices."""
    lines = [f"== {reply.title} =="]
    if reply.note:
        lines += _wrap(f"({reply.note})", "")
    if reply.text:
        lines += _wrap(reply.text, "")
    if reply.lesson is not None:
        lines.append("")
        lines += _wrap(f"“{reply.lesson.quote}”", "  > ")
        lines += _wrap(f"— {reply.attribution}", "    ")
        if reply.original_url:  # one line even when long: a terminal links it only unbroken
            lines.append(f"    {READ_THE_ORIGINAL}: {reply.original_url}")
        lines.append(f"    topics: {', '.join(t.value for t in reply.lesson.topics)} · id: {reply.lesson.id}")
    for field in reply.fields:
        lines += _wrap(f"{field.name}: {field.value}", "  ")
    if reply.shared_by:
        lines.append(f"(shared by {reply.shared_by})")
    if reply.closing:
        lines.append(f"  {reply.closing}")
    if reply.actions:
        lines.append("   ".join(f"[{n}] {a.label}" for n, a in enumerate(reply.actions, start=1)))
    return "\n".join(lines)


def run_console(engine: CommandEngine, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Answer commands line by line until end of input or `quit`; returns the exit code."""
    interactive = stdin.isatty()
    if interactive:
        stdout.write("mltip console: type /mltip help, a question, or a button's number. Ctrl-D quits.\n")
    last: Reply | None = None
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text.lower() in QUIT_WORDS:
            break
        try:
            if text.isdigit() and last is not None and 1 <= int(text) <= len(last.actions):
                reply = engine.press(last.actions[int(text) - 1].payload, user="you", member=CONSOLE_MEMBER)
            else:
                reply = engine.run(text, invocation=CONSOLE, member=CONSOLE_MEMBER)
        except CommandError as exc:
            stdout.write(f"{exc}\n\n")
            continue
        if not reply.aside:
            last = reply
        stdout.write(render_text(reply) + "\n\n")
        stdout.flush()
    return 0
