"""What answers Slack: `/mltip`, its buttons, the uninstall events, and the one error hook.

`/mltip daily ...`, `/mltip me ...`, `/mltip stats` and the 👍 / 👎 votes need the database, so
they run in a worker thread, as does a search not answered before (bot/core/conversation.py). When
a command needs an admin (`stats`, or a `daily` that would change the channel's subscription),
Slack is asked first (users.info, scope users:read) whether the user is a workspace admin or owner,
unless MLTIP_SLACK_ADMINS already lists them. `/mltip me <time>` without a zone asks users.info for
the person's own `tz` instead; the person's own tip needs no admin. A vote is answered with a new
ephemeral message: the post voted on, public or private, is never replaced.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.authorize import DATABASE_TROUBLE, CannotAuthorize
from bot.adapters.slack.oauth import SlackInstalls
from bot.adapters.slack.render import LINK_ACTION_ID, notice, render
from bot.adapters.slack.verify import is_trusted
from bot.core.commands import CommandEngine
from bot.core.conversation import APOLOGY, Placement, answer, placement, press
from bot.core.daily import Daily, Invocation
from bot.core.feedback import Member, Stats
from bot.core.platform import Platform
from bot.errors import CommandError
from bot.store import is_unreachable

log = logging.getLogger("mltip.slack")

COMMAND = "/mltip"
BUTTONS = re.compile(r"^mltip_(another|share|helpful|not_helpful|skip)$")
PLATFORM = Platform.SLACK
ADMIN_FLAGS = ("is_admin", "is_owner", "is_primary_owner")
NOT_A_MEMBER = "I can't post in this channel yet: invite me with `/invite @mltip` first, then set the schedule again."


def add_listeners(app: AsyncApp, engine: CommandEngine, admins: frozenset[str]) -> None:
    """`/mltip`, its buttons and the link button answered from `engine`; errors to `on_error`."""

    @app.command(COMMAND)
    async def on_command(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        async def invocation(asked: Daily | Stats) -> Invocation:
            return await invocation_of(client, command, asked, admins)

        member = Member(
            platform=PLATFORM, workspace_id=command.get("team_id") or "", user_id=command.get("user_id") or ""
        )
        try:
            text = command.get("text") or ""
            reply = await answer(engine, text, platform=PLATFORM, invocation=invocation, member=member)
        except CommandError as exc:
            await ack(response_type="ephemeral", text=notice(str(exc)))
            return
        # Answering in the ack itself is one round trip, well within Slack's 3 seconds.
        await ack(response_type="ephemeral", **render(reply))

    @app.action(BUTTONS)
    async def on_button(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        user = body.get("user") or {}
        name = user.get("name") or user.get("username") or "someone"
        workspace = (body.get("team") or {}).get("id") or user.get("team_id") or ""
        member = Member(platform=PLATFORM, workspace_id=workspace, user_id=user.get("id") or "")

        async def presser(asked: Daily | Stats) -> Invocation:  # Skip tomorrow: the presser's own tip
            command = {
                "user_id": member.user_id,
                "user_name": name,
                "team_id": workspace,
                "channel_id": (body.get("channel") or {}).get("id") or "",
            }
            return await invocation_of(client, command, asked, admins)

        try:
            value = action.get("value") or ""
            reply = await press(engine, value, user=name, platform=PLATFORM, member=member, invocation=presser)
        except CommandError as exc:
            await respond(response_type="ephemeral", replace_original=False, text=notice(str(exc)))
            return
        under_private = bool((body.get("container") or {}).get("is_ephemeral", True))
        where = placement(reply, pressed_under_private=under_private)
        await respond(
            response_type="in_channel" if where is Placement.CHANNEL else "ephemeral",
            replace_original=where is Placement.IN_PLACE,
            **render(reply),
        )

    @app.action(LINK_ACTION_ID)
    async def on_link(ack: AsyncAck) -> None:
        # Slack opens the link itself; acknowledging is all it needs, and nobody gets a reply.
        await ack()

    app.error(on_error)


def add_uninstall_listeners(app: AsyncApp, installs: SlackInstalls) -> None:
    """app_uninstalled and a revoked bot token: forget the workspace (bolt has already acked)."""

    async def forget(context: AsyncBoltContext, why: str) -> None:
        enterprise_id, team_id = context.enterprise_id, context.team_id
        installs.bots.forget(enterprise_id, team_id)
        removed = await asyncio.to_thread(installs.forget, enterprise_id, team_id, why)
        where = {"platform": "slack", "workspace": team_id}
        log.info("%s in %s: installation deleted, %d subscription(s) removed", why, team_id, removed, extra=where)

    @app.event("app_uninstalled")
    async def on_app_uninstalled(context: AsyncBoltContext) -> None:
        await forget(context, "app_uninstalled")

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        # Only the bot token matters: the app asks for no user scopes, so it holds no user tokens.
        if (event.get("tokens") or {}).get("bot"):
            await forget(context, "tokens_revoked")


async def on_error(
    error: Exception,
    body: dict[str, Any],
    request: AsyncBoltRequest,
    response: BoltResponse | None,
    respond: AsyncRespond | None,
) -> BoltResponse | None:
    """The one error hook: apologise for a bug, explain an outage; never touch an unverified request."""
    if not is_trusted(request):
        return None  # nothing from an unverified request is used: not for a log line, not for a reply
    trouble = _trouble(error)
    if trouble is None:
        log.error("failed to answer a Slack request", exc_info=error, extra=_who(body))
        if respond is not None and body.get("response_url"):
            await respond(response_type="ephemeral", replace_original=False, text=notice(APOLOGY))
        return None
    # A bad day, not a bug: say so (never "reinstall"), without a traceback.
    log.warning("could not answer a Slack request: %s", type(error).__name__, extra=_who(body))
    if response is not None and body.get("command"):
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": notice(trouble)})
    if respond is not None and body.get("response_url"):
        await respond(response_type="ephemeral", replace_original=False, text=notice(trouble))
    return BoltResponse(status=200, body="") if response is not None else None


def _trouble(error: Exception) -> str | None:
    """What to tell the user when `error` is a passing outage (the database, Slack), else None."""
    if isinstance(error, CannotAuthorize):
        return str(error)
    if is_unreachable(error):
        return DATABASE_TROUBLE
    return None


def _who(body: dict[str, Any]) -> dict[str, Any]:
    """Where a request came from, for log lines (ids only, never tokens)."""
    user = body.get("user") or {}
    return {
        "platform": "slack",
        "workspace": body.get("team_id") or (body.get("team") or {}).get("id"),
        "channel": body.get("channel_id") or (body.get("channel") or {}).get("id"),
        "user": body.get("user_id") or user.get("id"),
        "command": body.get("command") or body.get("type"),
    }


async def is_workspace_admin(client: AsyncWebClient, user_id: str, allowed: frozenset[str]) -> bool:
    """Whether the user administers the workspace: on the allow-list, or an admin or owner (users.info)."""
    if user_id in allowed:
        return True
    try:
        answer = await client.users_info(user=user_id)
    except SlackApiError as exc:
        data = exc.response.data
        code = str(data.get("error") or "an error") if isinstance(data, dict) else f"HTTP {exc.response.status_code}"
        log.warning("users.info failed: %s", code, extra={"platform": PLATFORM, "user": user_id})
        fix = (
            "The app needs the users:read scope: ask whoever installed it to reinstall it from manifest.yml."
            if code == "missing_scope"
            else "Please try again in a moment."
        )
        problem = f"I could not check whether you administer this workspace (Slack said {code})."
        raise CommandError(f"{problem} {fix}") from None
    user = answer.get("user") or {}
    return any(bool(user.get(flag)) for flag in ADMIN_FLAGS)


async def check_can_post(client: AsyncWebClient, channel_id: str) -> None:
    """Before a schedule is set: refuse when the bot is not in the channel (conversations.info).

    Slash commands work in any channel, but chat.postMessage only where the bot is a member.
    A private channel the bot is not in is 'channel_not_found' to it. Without the scope to ask
    (an install from an older manifest), the schedule is set and a failed post will say why.
    """
    try:
        answer = await client.conversations_info(channel=channel_id)
    except SlackApiError as exc:
        data = exc.response.data
        code = str(data.get("error") or "") if isinstance(data, dict) else ""
        if code == "channel_not_found":
            raise CommandError(NOT_A_MEMBER) from None
        log.warning(
            "conversations.info failed: %s", code or "error", extra={"platform": PLATFORM, "channel": channel_id}
        )
        return
    if not (answer.get("channel") or {}).get("is_member", False):
        raise CommandError(NOT_A_MEMBER)


async def invocation_of(
    client: AsyncWebClient, command: dict[str, Any], asked: Daily | Stats, admins: frozenset[str]
) -> Invocation:
    """Who runs `/mltip daily ...`, `/mltip me ...` or `stats`, and where; asks Slack about the user
    only when it changes a channel's tip or asks for stats (are they an admin?) or sets their own
    tip (what is their zone?)."""
    user_id = command.get("user_id") or ""
    needs_admin = isinstance(asked, Stats) or asked.changes_subscription
    can_manage = needs_admin and await is_workspace_admin(client, user_id, admins)
    if can_manage and isinstance(asked, Daily) and not asked.personal and asked.sets_schedule:
        await check_can_post(client, command.get("channel_id") or "")
    sets_own = isinstance(asked, Daily) and asked.personal and asked.sets_schedule
    zone = await user_zone(client, user_id) if sets_own else None
    return Invocation(
        platform=PLATFORM,
        workspace_id=command.get("team_id") or "",
        channel_id=command.get("channel_id") or "",
        user_id=user_id,
        user_name=command.get("user_name") or user_id,
        can_manage=can_manage,
        user_zone=zone,
    )


async def user_zone(client: AsyncWebClient, user_id: str) -> str | None:
    """The person's own time zone as Slack knows it (users.info `tz`), or None when Slack will not say."""
    try:
        answer = await client.users_info(user=user_id)
    except SlackApiError as exc:
        # Not fatal: the default zone is used, and the reply says which zone that was.
        log.warning("users.info for a zone failed: %s", exc.response.get("error"), extra={"user": user_id})
        return None
    return (answer.get("user") or {}).get("tz") or None
