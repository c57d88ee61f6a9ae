"""What the DailyService tests share: the time they start at, who asks, and a way to type a command."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.daily import Daily, Invocation
from bot.core.replies import Reply
from bot.daily.service import DailyService
from bot.store import ChannelKey, Platform

MONDAY_MORNING = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)  # 08:00 in Berlin
KEY = ChannelKey(platform=Platform.SLACK, workspace_id="T1", channel_id="C1")


def who(
    *, can_manage: bool = True, platform: Platform = Platform.SLACK, user: str = "U1", name: str = "ana"
) -> Invocation:
    return Invocation(
        platform=platform, workspace_id="T1", channel_id="C1", user_id=user, user_name=name, can_manage=can_manage
    )


def daily(service: DailyService, text: str, invocation: Invocation | None = None) -> Reply:
    """`/mltip daily <text>` from `invocation` (an admin by default)."""
    return service.handle(Daily(args=tuple(text.split())), invocation or who())


def fields(reply: Reply) -> dict[str, str]:
    return {field.name: field.value for field in reply.fields}
