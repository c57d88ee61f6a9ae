"""The link that adds the bot to a server with the least permissions it needs."""

from __future__ import annotations

import base64
import binascii

import discord

# Send Messages (2048) for the daily tip, Embed Links (16384) so its embed renders. Interaction
# replies (the /mltip answers and Share) need no channel permission at all.
PERMISSIONS = discord.Permissions(send_messages=True, embed_links=True)
SCOPES = ("bot", "applications.commands")


def invite_url(application_id: int) -> str:
    """The OAuth2 URL that invites the bot with scopes `bot applications.commands`."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


def application_id_from_token(token: str) -> int | None:
    """The application id a bot token belongs to, read offline from its first part; None if unreadable.

    A bot token's first dot-separated part is its bot user's id in base64, and a bot user's id
    is its application's id, so `mltip discord invite-url` needs no network.
    """
    head = token.strip().removeprefix("Bot ").split(".", 1)[0]
    try:
        text = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    return int(text) if text.isdigit() else None
