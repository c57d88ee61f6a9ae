"""What follows a daily post: a thread on it, keeping it pinned, and telling the admin of a pause.

The post itself is the ledger's business and is delivered exactly once (fanout.py). Everything
here comes after it is recorded SENT, or after a pause is recorded, and is best effort: a pin,
thread or direct message that fails is logged and noted (the post's status line says "sent ...;
but pin failed: ..."), never retried in a way that could post again, and never undoes the post.

A platform's poster offers what it can (the Protocols below): Discord starts threads; Slack
cannot start one without posting into it, so a Slack post with `thread` ends with an invitation
to reply in its thread instead (`prepare`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from dataclasses import replace
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.core.replies import Reply
from bot.core.text import clip
from bot.daily.clock import Clock
from bot.daily.wording import SPACE_NAMES, describe_reason
from bot.errors import DeliveryError
from bot.store import Claim, Store, Subscription

log = logging.getLogger("mltip.daily")
THREAD_INVITATION = "💬 Reply in this message's thread to talk it over."
THREAD_NAME_LIMIT = 100  # Discord's thread names
THREAD_ARCHIVE_MINUTES = 1440  # a day
_USER_ID_IN_ACTOR = re.compile(r"\(([^()\s]+)\)$")  # 'ana (U123)' -> U123, as DailyService writes actors


@runtime_checkable
class ThreadStarter(Protocol):
    """A poster that can start a thread on a message it posted (Discord)."""

    async def start_thread(self, workspace_id: str, channel_id: str, message_ref: str, name: str) -> None: ...


@runtime_checkable
class Pinner(Protocol):
    """A poster that can pin and unpin messages in a channel."""

    async def pin(self, workspace_id: str, channel_id: str, message_ref: str) -> None: ...

    async def unpin(self, workspace_id: str, channel_id: str, message_ref: str) -> None: ...


@runtime_checkable
class DirectMessenger(Protocol):
    """A poster that can send a person a direct message."""

    async def direct_message(self, workspace_id: str, user_id: str, reply: Reply) -> None: ...


def prepare(reply: Reply, subscription: Subscription, poster: object) -> Reply:
    """The post as sent: with `thread` where the platform cannot start one, it invites replies in its thread."""
    if subscription.thread and not isinstance(poster, ThreadStarter):
        return replace(reply, closing=THREAD_INVITATION)
    return reply


async def after_post(store: Store, poster: object, claim: Claim, message_ref: str, title: str) -> None:
    """Start the thread and move the pin, as the subscription asks; failures are logged and noted, never raised."""
    try:
        await _after_post(store, poster, claim, message_ref, title)
    except Exception:  # the post is recorded SENT: whatever breaks here must not make it look otherwise
        log.exception("after a post", extra={"channel": claim.subscription.channel_id, "delivery": claim.delivery.id})


async def _after_post(store: Store, poster: object, claim: Claim, message_ref: str, title: str) -> None:
    sub, delivery = claim.subscription, claim.delivery
    problems: list[str] = []
    if sub.thread and isinstance(poster, ThreadStarter):
        name = clip(title, THREAD_NAME_LIMIT)
        await _attempt(problems, "thread", poster.start_thread(sub.workspace_id, sub.channel_id, message_ref, name))
    if sub.pin and isinstance(poster, Pinner):
        pinned = await _attempt(problems, "pin", poster.pin(sub.workspace_id, sub.channel_id, message_ref))
        previous = await asyncio.to_thread(store.posted.previous_ref, sub.id, delivery.local_date)
        if pinned and previous and previous != message_ref:
            await _attempt(
                problems, "unpin of the previous tip", poster.unpin(sub.workspace_id, sub.channel_id, previous)
            )
    if problems:
        note = "; ".join(problems)
        await asyncio.to_thread(store.posted.note, delivery.id, note)
        log.warning("after the post: %s", note, extra={"channel": sub.channel_id, "delivery": delivery.id})


async def _attempt(problems: list[str], what: str, call: Awaitable[None]) -> bool:
    try:
        await call
    except DeliveryError as exc:
        problems.append(f"{what} failed: {exc.reason}")
        return False
    return True


def pause_notice(subscription: Subscription, reason: str, *, workspace: bool = False) -> Reply:
    """The direct message to whoever set the schedule: what stopped, why, and how to resume."""
    space = SPACE_NAMES[subscription.platform]
    where = f"channel {subscription.channel_id}"  # plain: renderers escape markup in our text too
    if workspace:
        what = f"The tip of the day is paused in every channel of this {space}, {where} included"
        fix = f"Reinstall mltip in the {space}, then run /mltip daily resume in a channel."
    else:
        what = f"The tip of the day in {where} is paused"
        fix = "Fix that (unarchive the channel, or invite mltip back), then run /mltip daily resume there."
    text = f"{what}, because {describe_reason(reason)}. {fix} This is the only message about this pause."
    return Reply(title="Tip of the day: paused", text=text)


def admin_of(subscription: Subscription) -> str | None:
    """Whom to tell: who last set the schedule (older rows: the id in created_by, 'name (id)')."""
    if subscription.set_by_user_id:
        return subscription.set_by_user_id
    found = _USER_ID_IN_ACTOR.search(subscription.created_by)
    return found[1] if found else None


async def tell_admin(store: Store, poster: object, claim: Claim, reason: str, clock: Clock, *, workspace: bool) -> None:
    """Send the one direct message for this pause, if this worker wins the claim on it; never raises."""
    try:
        await _tell_admin(store, poster, claim, reason, clock, workspace=workspace)
    except Exception:  # the pause is recorded; a failure to tell of it must not unsettle the delivery
        log.exception("telling the admin of a pause", extra={"channel": claim.subscription.channel_id})


async def _tell_admin(
    store: Store, poster: object, claim: Claim, reason: str, clock: Clock, *, workspace: bool
) -> None:
    sub = claim.subscription
    if sub.personal:
        return  # a person's own tip: the DM is what failed, and there is nobody else to tell
    admin = admin_of(sub)
    if admin is None or not isinstance(poster, DirectMessenger):
        return
    now: datetime = clock()
    if workspace:
        claimed = await asyncio.to_thread(store.pause_notices.claim_workspace, sub.platform, sub.workspace_id, now)
    else:
        claimed = await asyncio.to_thread(store.pause_notices.claim_channel, sub.id, now)
    if not claimed:
        return  # told already: by another worker, or on an earlier day of this pause
    try:
        await poster.direct_message(sub.workspace_id, admin, pause_notice(sub, reason, workspace=workspace))
    except DeliveryError as exc:
        # Claimed and not sent: never retried, so a flaky DM can never become two. Status still says why.
        log.warning("could not tell the admin of a pause: %s", exc.reason, extra={"channel": sub.channel_id})
