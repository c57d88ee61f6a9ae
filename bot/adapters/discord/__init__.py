"""The Discord adapter: `/mltip` through discord.py, with embeds and persistent buttons.

The only package that imports `discord` (docs/DESIGN.md); nothing here is imported by `mltip tip`.
"""

from __future__ import annotations

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.invite import invite_url

__all__ = ["DiscordAdapter", "invite_url"]
