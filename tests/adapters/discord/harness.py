"""What the Discord adapter's tests share besides fixtures: the type of the `start_adapter` fixture."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.adapters.discord import DiscordAdapter

# `await start_adapter(with_engine=..., **settings_overrides)`: a DiscordAdapter connected to the fake.
StartAdapter = Callable[..., Awaitable[DiscordAdapter]]
