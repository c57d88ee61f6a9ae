"""The links that add mltip: to a server with the least permissions it needs, or for one person.

A server install (integration_type 0) brings the bot user into the server: `/mltip` answers in
its channels and the tip of the day posts there. A user install (integration_type 1, scope
`applications.commands` only: no bot, no permissions) gives the person `/mltip` in DMs, group
DMs and any server, answered privately where the bot is not a member (listeners.py). Both need
"User Install" and "Guild Install" ticked in the Developer Portal (Installation).
"""

from __future__ import annotations

import base64
import binascii

import discord

# Send Messages (1 << 11) for the daily tip, Embed Links (1 << 14) so its embed renders; for
# `/mltip-daily set thread`: Create Public Threads (1 << 35) and Send Messages in Threads (1 << 38);
# for `pin`: Pin Messages (1 << 51). Pinning was part of Manage Messages (1 << 13) until Discord
# split it out in 2025 and Manage Messages stopped granting it; asking for Pin Messages alone
# avoids Manage Messages' power to delete anyone's messages. Interaction replies need none.
PERMISSIONS = discord.Permissions(
    send_messages=True,
    embed_links=True,
    create_public_threads=True,
    send_messages_in_threads=True,
    pin_messages=True,
)
SCOPES = ("bot", "applications.commands")
AUTHORIZE = "https://discord.com/oauth2/authorize"
USER_INSTALL = 1  # integration_type of an app installed to a person


def invite_url(application_id: int) -> str:
    """The OAuth2 URL that invites the bot with scopes `bot applications.commands`."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


def user_install_url(application_id: int) -> str:
    """The OAuth2 URL that installs the app for the person who opens it (integration_type=1)."""
    return f"{AUTHORIZE}?client_id={application_id}&integration_type={USER_INSTALL}&scope=applications.commands"


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
