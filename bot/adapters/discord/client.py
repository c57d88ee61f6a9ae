"""The two discord.py clients the adapter runs: one connection, or a subset of shards.

Both carry the command tree and the Responder, register the buttons' DynamicItem (so presses
on messages sent before a restart still reach us), send nothing that can mention anyone, and
track which gateway sessions are live for `DiscordAdapter.connected`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import discord

from bot.adapters.discord.listeners import ActionButton, MltipTree, Responder, build_tree

# GUILDS only: interactions carry everything else we read, and no privileged intent is needed.
INTENTS = discord.Intents(guilds=True)
NO_MENTIONS = discord.AllowedMentions.none()
# discord.py waits out a 429 itself (five tries); one asking for longer than this raises
# RateLimited instead, and the daily fan-out waits (or hands the post back to the ledger).
MAX_RATELIMIT_WAIT = 30.0  # discord.py's smallest allowed value


class MltipClient(discord.Client):
    """A single gateway connection."""

    def __init__(self, responder: Responder, *, identify_delay: float, default_zone: str) -> None:
        super().__init__(intents=INTENTS, allowed_mentions=NO_MENTIONS, max_ratelimit_timeout=MAX_RATELIMIT_WAIT)
        self.responder = responder
        self.identify_delay = identify_delay
        self.tree: MltipTree = build_tree(self, responder, default_zone=default_zone)
        self.live = asyncio.Event()  # set while a session is READY (or RESUMED)
        self.add_dynamic_items(ActionButton)

    @property
    def expected_sessions(self) -> int:
        """How many gateway sessions this client runs."""
        return 1

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait before a repeated IDENTIFY (Discord allows one per 5 s; tests shorten it)."""
        if not initial:
            await asyncio.sleep(self.identify_delay)

    async def on_connect(self) -> None:
        """READY arrived."""
        self.live.set()

    async def on_resumed(self) -> None:
        """RESUMED arrived."""
        self.live.set()

    async def on_disconnect(self) -> None:
        """The socket closed; discord.py is reconnecting."""
        self.live.clear()


class MltipShardedClient(discord.AutoShardedClient):
    """The shards `shard_ids` out of `shard_count`, for deployments split over processes."""

    def __init__(
        self,
        responder: Responder,
        *,
        identify_delay: float,
        default_zone: str,
        shard_count: int,
        shard_ids: Sequence[int] | None,
    ) -> None:
        super().__init__(
            intents=INTENTS,
            allowed_mentions=NO_MENTIONS,
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT,
            shard_count=shard_count,
            shard_ids=list(shard_ids if shard_ids is not None else range(shard_count)),
        )
        self.responder = responder
        self.identify_delay = identify_delay
        self.tree: MltipTree = build_tree(self, responder, default_zone=default_zone)
        self.live = asyncio.Event()  # set while every shard's session is READY (or RESUMED)
        self._live_shards: set[int] = set()
        self.add_dynamic_items(ActionButton)

    @property
    def expected_sessions(self) -> int:
        """How many gateway sessions (shards) this client runs."""
        return len(self.shard_ids or ()) or 1

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait before every IDENTIFY but the first (Discord allows one per 5 s)."""
        if not initial:
            await asyncio.sleep(self.identify_delay)

    def _shard_state(self, shard_id: int, *, up: bool) -> None:
        if up:
            self._live_shards.add(shard_id)
        else:
            self._live_shards.discard(shard_id)
        if len(self._live_shards) >= self.expected_sessions:
            self.live.set()
        else:
            self.live.clear()

    async def on_shard_connect(self, shard_id: int) -> None:
        """A shard's READY arrived."""
        self._shard_state(shard_id, up=True)

    async def on_shard_resumed(self, shard_id: int) -> None:
        """A shard's RESUMED arrived."""
        self._shard_state(shard_id, up=True)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        """A shard's socket closed; discord.py is reconnecting it."""
        self._shard_state(shard_id, up=False)


Client = MltipClient | MltipShardedClient
