"""Discord's JSON objects as the fake Discord sends them (API v10): users, guilds, messages, interactions.

Shapes follow https://discord.com/developers/docs (and discord.py's `types/`); every field
discord.py reads without a default is present, so the real library parses them as it would
Discord's own.
"""

from __future__ import annotations

import itertools
import secrets
import time
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 1 << 6
CHAT_INPUT, COMPONENT, AUTOCOMPLETE = 2, 3, 4  # interaction types
BUTTON = 2  # component type
ADMIN_PERMISSIONS = str((1 << 51) - 1)

_counter = itertools.count(1)

JSON = dict[str, Any]


def snowflake() -> str:
    """A fresh, increasing snowflake id as Discord writes them (a decimal string)."""
    now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((now_ms << 22) | (next(_counter) & 0x3FFFFF))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: str, username: str, *, global_name: str | None = None, bot: bool = False) -> JSON:
    return {
        "id": user_id,
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


def member(member_user: JSON, *, nick: str | None = None) -> JSON:
    return {
        "user": member_user,
        "nick": nick,
        "avatar": None,
        "roles": [],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "permissions": ADMIN_PERMISSIONS,
    }


def channel(channel_id: str, guild_id: str) -> JSON:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": guild_id,
        "name": "general",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def guild(guild_id: str, channel_id: str, bot_member: JSON) -> JSON:
    """A GUILD_CREATE payload: one text channel, the bot as its only cached member."""
    everyone = {
        "id": guild_id,
        "name": "@everyone",
        "permissions": "2248473465835073",
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    return {
        "id": guild_id,
        "name": "ML Engineers",
        "icon": None,
        "owner_id": snowflake(),
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [everyone],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_flags": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "joined_at": "2024-01-01T00:00:00+00:00",
        "large": False,
        "unavailable": False,
        "member_count": 2,
        "members": [bot_member],
        "channels": [channel(channel_id, guild_id)],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    }


def message(message_id: str, channel_id: str, author: JSON, body: JSON, *, guild_id: str | None, kind: int = 0) -> JSON:
    """The message Discord stores for a body the bot sent (a create or an interaction response)."""
    data = {
        "id": message_id,
        "type": kind,
        "channel_id": channel_id,
        "author": author,
        "content": body.get("content") or "",
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts")),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [{"type": "rich", **embed} for embed in body.get("embeds") or []],
        "components": body.get("components") or [],
        "pinned": False,
        "flags": body.get("flags") or 0,
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    if body.get("nonce") is not None:
        data["nonce"] = body["nonce"]
    return data


# Where an interaction happens (https://discord.com/developers/docs/interactions/receiving-and-responding
# #interaction-object-interaction-context-types) and which installs authorised it
# (`authorizing_integration_owners`: "0" the guild install, "1" the user install).
SERVER = "server"  # a channel of a server that added the bot: context 0, guild install
SERVER_USER_INSTALL = "server, user install"  # a server without the bot, by a user install: context 0
BOT_DM = "bot DM"  # the person's DM with the bot: context 1
GROUP_DM = "group DM"  # a DM or group DM among people, by a user install: context 2
PLACES = (SERVER, SERVER_USER_INSTALL, BOT_DM, GROUP_DM)
CONTEXTS = {SERVER: 0, SERVER_USER_INSTALL: 0, BOT_DM: 1, GROUP_DM: 2}


def private_channel(channel_id: str, recipient: JSON, *, group: bool) -> JSON:
    """A DM (type 1) or group DM (type 3) channel, as an interaction's `channel` carries it."""
    data: JSON = {"id": channel_id, "type": 3 if group else 1, "recipients": [recipient], "last_message_id": None}
    if group:
        data |= {"name": None, "icon": None, "owner_id": recipient["id"]}
    return data


def interaction(
    kind: int,
    data: JSON,
    *,
    application_id: str,
    guild_id: str,
    channel_id: str,
    by: JSON,
    message_data: JSON | None = None,
    place: str = SERVER,
) -> JSON:
    """An INTERACTION_CREATE payload from member `by`, in `place` (a guild channel by default)."""
    person = by["user"]
    where: JSON
    if place in (SERVER, SERVER_USER_INSTALL):
        where = {
            "guild_id": guild_id,
            "guild": {"id": guild_id, "locale": "en-US", "features": []},
            "channel_id": channel_id,
            "channel": channel(channel_id, guild_id),
            "member": by,
        }
    else:
        where = {
            "channel_id": channel_id,
            "channel": private_channel(channel_id, person, group=place == GROUP_DM),
            "user": person,
        }
    owners = {"0": guild_id} if place == SERVER else {"0": "0"} if place == BOT_DM else {"1": person["id"]}
    payload: JSON = {
        "id": snowflake(),
        "application_id": application_id,
        "type": kind,
        "data": data,
        **where,
        "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48),
        "version": 1,
        "locale": "en-US",
        "guild_locale": "en-US",
        "app_permissions": ADMIN_PERMISSIONS,
        "entitlements": [],
        "authorizing_integration_owners": owners,
        "context": CONTEXTS[place],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if message_data is not None:
        payload["message"] = message_data
    return payload


def command_data(command: JSON, options: list[JSON]) -> JSON:
    """The `data` of a slash command (or autocomplete) interaction for a registered command."""
    data = {"id": command["id"], "name": command["name"], "type": command.get("type", 1), "options": options}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return data
