"""`mltip run`: serve every configured platform from one process, or the console without tokens."""

from __future__ import annotations

import sys

from bot.adapters.console import run_console
from bot.config import Settings
from bot.core.commands import CommandEngine
from bot.core.library import Library


def run(settings: Settings, library: Library) -> int:
    """Run until stopped; returns the exit code."""
    engine = CommandEngine(library)
    if not (settings.has_slack or settings.has_discord):
        return run_console(engine, sys.stdin, sys.stdout)
    print("mltip: Slack and Discord adapters are not available in this version", file=sys.stderr)
    return 2
