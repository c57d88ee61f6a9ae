"""Command sync: overwrite Discord's definition of `/mltip` only when ours differs.

Bulk-overwriting on every start would bump the command's version on each deploy and count
against Discord's daily command-create limit; comparing first makes a restart free.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.adapters.discord.client import Client

_log = logging.getLogger("mltip.discord")

# Keys Discord adds to, or fills in on, a stored command: never a reason to sync.
# dm_permission is deprecated in favour of `contexts`, and Discord's answer for it varies.
SERVER_KEYS = frozenset({"id", "application_id", "version", "guild_id", "dm_permission"})
# Numbers Discord writes as strings (64-bit permission sets).
STRING_NUMBERS = frozenset({"default_member_permissions"})
# Sets sent as lists: where a command may be used and by which installs. [1, 0] is [0, 1].
UNORDERED = frozenset({"contexts", "integration_types"})


def _same_number(mine: Any, theirs: Any) -> bool:
    return (mine is None and theirs is None) or (mine is not None and theirs is not None and str(mine) == str(theirs))


def _empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, list | dict | str) and not value)


def _same_key(key: str, mine: Any, theirs: Any) -> bool:
    if key in STRING_NUMBERS:
        return _same_number(mine, theirs)
    if key in UNORDERED and isinstance(mine, list) and isinstance(theirs, list):
        return sorted(mine) == sorted(theirs)
    return same_definition(mine, theirs)


def same_definition(mine: Any, theirs: Any) -> bool:
    """Whether a local command definition matches Discord's stored one.

    Discord omits empty and false values (`required: false`, no localizations) and adds its
    own keys (SERVER_KEYS); neither is a difference. Numbers are compared as they are, except
    the permission bit sets (STRING_NUMBERS), which discord.py sends as numbers and Discord
    answers as strings; contexts and install types are sets (UNORDERED), whatever their order.
    """
    if isinstance(mine, dict) and isinstance(theirs, dict):
        keys = (mine.keys() | theirs.keys()) - SERVER_KEYS
        return all(_same_key(k, mine.get(k), theirs.get(k)) for k in keys)
    if isinstance(mine, list) and isinstance(theirs, list):
        return len(mine) == len(theirs) and all(map(same_definition, mine, theirs))
    return (_empty(mine) and _empty(theirs)) or mine == theirs


def same_commands(local: list[dict[str, Any]], remote: list[dict[str, Any]]) -> bool:
    """Whether Discord already has exactly our commands (same names, same definitions)."""
    remote_by_key = {(c.get("type", 1), c.get("name")): c for c in remote}
    if len(remote_by_key) != len(remote) or len(local) != len(remote):
        return False
    return all(same_definition(c, remote_by_key.get((c.get("type", 1), c.get("name")))) for c in local)


async def sync_commands(client: Client, guild_id: int | None) -> bool:
    """Overwrite Discord's commands (of `guild_id`, else global) only when ours differ; True when it did."""
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        client.tree.copy_global_to(guild=guild)  # a dev guild gets changes at once; global ones take a while
    app_id = client.application_id
    assert app_id is not None  # login() fetched the application
    local = [command.to_dict(client.tree) for command in client.tree.get_commands(guild=guild)]
    where = f"guild {guild.id}" if guild else "global"
    try:
        if guild is None:
            remote = await client.http.get_global_commands(app_id)
        else:
            remote = await client.http.get_guild_commands(app_id, guild.id)
        if same_commands(local, [dict(c) for c in remote]):
            _log.info("Discord %s commands are up to date; not syncing", where)
            return False
        await client.tree.sync(guild=guild)
    except discord.HTTPException:
        # The commands Discord already has keep working; the next start tries again.
        _log.exception("syncing %s commands failed", where)
        return False
    _log.info("synced %d %s command(s) to Discord", len(local), where)
    return True
