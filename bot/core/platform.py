"""Where a channel lives: a neutral name the core, the store, daily/ and the adapters all use."""

from __future__ import annotations

import enum


class Platform(enum.StrEnum):
    """Where a channel lives."""

    SLACK = "slack"
    DISCORD = "discord"
    CONSOLE = "console"
