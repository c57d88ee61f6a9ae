"""The Slack Home tab: published when someone opens it (app_home_opened), again after each press there.

A Home tab has no response_url: every change made from it (a topic picked, Another, Share, the
person's own tip paused, resumed or stopped, run as `/mltip me <word>` for the presser) is
answered by publishing the whole view again with views.publish. What the person is browsing
travels in the view's private_metadata (`search|<rank>|<words>` or `lesson|<id>`), so any process
can refresh it and nothing is stored; Slack hands it back, signed, with each press.

"Today's lesson" is bot/core/todays_lesson.py's pick for this person and today's date in
MLTIP_DEFAULT_TIMEZONE (the bot's day, not each person's: knowing theirs would cost a users.info
call on every visit). Workspace admins (users.info, or MLTIP_SLACK_ADMINS) also see the
workspace's channels with a tip of the day, in the words `/mltip daily status` uses.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.home_view import (
    ANOTHER_ACTION,
    ME_ACTION,
    SEPARATOR,
    SHARE_ACTION,
    TOPIC_ACTION,
    HomeContent,
    channel_mention,
    home_view,
    personal_tip_blocks,
)
from bot.adapters.slack.listeners import PLATFORM, is_workspace_admin
from bot.adapters.slack.render import escape, render
from bot.core.commands import CommandEngine
from bot.core.conversation import answer, press
from bot.core.daily import Daily, Invocation
from bot.core.feedback import Stats
from bot.core.grammar import RANK, Search, decode_action
from bot.core.lessons import Topic
from bot.core.limits import MAX_QUESTION_CHARS
from bot.core.platform import Platform
from bot.core.replies import Reply
from bot.core.todays_lesson import todays_lesson
from bot.daily.clock import Clock
from bot.daily.service import ChannelStatus, DailyService
from bot.daily.wording import describe_reason
from bot.errors import CommandError
from bot.store import ChannelKey

log = logging.getLogger("mltip.slack")

SEARCH, LESSON = "search", "lesson"  # the two kinds of browsing state


class SlackHome:
    """Builds and publishes each person's Home tab."""

    def __init__(self, engine: CommandEngine, admins: frozenset[str], *, zone: ZoneInfo, clock: Clock) -> None:
        self.engine = engine
        self.admins = admins
        self.zone = zone
        self.clock = clock

    def today(self) -> date:
        """The bot's date today (in MLTIP_DEFAULT_TIMEZONE)."""
        return self.clock().astimezone(self.zone).date()

    def todays_reply(self, team_id: str, user_id: str) -> Reply:
        """Today's lesson for this person, with Another and Share."""
        lesson = todays_lesson(self.engine.library.lessons, f"{PLATFORM}:{team_id}:{user_id}", self.today())
        return self.engine.lesson(lesson)

    async def browse(self, state: str) -> Reply | None:
        """The lesson being browsed, from the view's private_metadata; None for nothing (or not ours)."""
        kind, _, rest = state.partition(SEPARATOR)
        if kind == LESSON:
            lesson = self.engine.library.by_id.get(rest)
            return self.engine.lesson(lesson) if lesson is not None else None
        rank, _, query = rest.partition(SEPARATOR)
        if kind != SEARCH or not RANK.fullmatch(rank) or not query.strip() or len(query) > MAX_QUESTION_CHARS:
            return None
        command = Search(query=query, rank=int(rank))
        if self.engine.remembers(query):
            return self.engine.handle(command)
        return await asyncio.to_thread(self.engine.handle, command)  # a search costs CPU: off the loop

    async def overview(self, client: AsyncWebClient, team_id: str, user_id: str) -> list[ChannelStatus] | None:
        """The workspace's channel schedules for an admin; None for anyone else, or without a database."""
        daily = self.engine.daily
        if not isinstance(daily, DailyService):
            return None
        try:
            if not await is_workspace_admin(client, user_id, self.admins):
                return None
        except CommandError:
            return None  # Slack could not say (logged there); the rest of the tab still shows
        return await asyncio.to_thread(daily.overview, Platform.SLACK, team_id)

    async def personal(self, team_id: str, user_id: str) -> list[dict[str, Any]]:
        """The person's own tip by DM and its buttons; nothing without a database to keep it in."""
        daily = self.engine.daily
        if not isinstance(daily, DailyService):
            return []
        key = ChannelKey(platform=Platform.SLACK, workspace_id=team_id, channel_id=user_id)
        return personal_tip_blocks(await asyncio.to_thread(daily.personal.summary, key))

    async def change_personal(self, team_id: str, user_id: str, name: str, word: str) -> str:
        """Run `/mltip me <word>` (pause, resume or off) for the presser; the notice saying what it did."""

        async def presser(_asked: Daily | Stats) -> Invocation:  # always the presser's own tip
            return Invocation(
                platform=PLATFORM,
                workspace_id=team_id,
                channel_id="",
                user_id=user_id,
                user_name=name,
                can_manage=False,
            )

        reply = await answer(self.engine, f"me {word}", platform=PLATFORM, invocation=presser)
        return escape(reply.text)

    async def publish(
        self, client: AsyncWebClient, team_id: str, user_id: str, state: str = "", notice: str | None = None
    ) -> None:
        """Publish this person's Home tab, browsing `state`, with `notice` (mrkdwn) on top."""
        browse = await self.browse(state)
        kind, _, rest = state.partition(SEPARATOR)
        topic = rest.partition(SEPARATOR)[2] if kind == SEARCH else ""
        content = HomeContent(
            today=self.todays_reply(team_id, user_id),
            browse=browse,
            topic=topic_named(topic),
            topics=self.engine.library.topic_counts(),
            personal=await self.personal(team_id, user_id),
            overview=await self.overview(client, team_id, user_id),
            notice=notice,
            state=state if browse is not None else "",
        )
        await client.views_publish(user_id=user_id, view=home_view(content))

    async def state_after_another(self, payload: str, user: str) -> str:
        """What to browse after Another with `payload`: the next match, or the random lesson it picks."""
        command = decode_action(payload, user=user)
        if isinstance(command, Search):
            return SEPARATOR.join((SEARCH, str(command.rank), command.query))
        reply = await press(self.engine, payload, user=user, platform=PLATFORM)
        return SEPARATOR.join((LESSON, reply.lesson.id)) if reply.lesson is not None else ""

    async def share(self, client: AsyncWebClient, channel: str, payload: str, user: str) -> str:
        """Post the lesson of a Share payload to `channel`; the notice saying how that went."""
        reply = await press(self.engine, payload, user=user, platform=PLATFORM)
        message = render(reply)
        where = channel_mention(channel)
        try:
            await client.chat_postMessage(channel=channel, text=message["text"], blocks=message["blocks"])
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "an error")
            log.info("sharing from the Home tab failed: %s", code, extra={"platform": PLATFORM, "channel": channel})
            return f"I could not share it in {where}: {escape(describe_reason(code))}."
        return f"Shared in {where}."


def topic_named(value: str) -> Topic | None:
    """The topic called `value`, or None (a picked option's value comes back from the client)."""
    try:
        return Topic(value)
    except ValueError:
        return None


def _who(body: dict[str, Any], context: AsyncBoltContext) -> tuple[str, str, str]:
    """(team id, user id, user name) of a press."""
    user = body.get("user") or {}
    name = user.get("name") or user.get("username") or "someone"
    return context.team_id or (body.get("team") or {}).get("id") or "", user.get("id") or "", name


def _state(body: dict[str, Any]) -> str:
    return str((body.get("view") or {}).get("private_metadata") or "")


def add_home_listeners(app: AsyncApp, home: SlackHome) -> None:
    """app_home_opened and the Home tab's own actions: each publishes the tab again."""

    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        if event.get("tab") != "home":
            return  # the Messages tab: nothing to publish
        state = str((event.get("view") or {}).get("private_metadata") or "")
        await home.publish(client, context.team_id or "", event.get("user") or "", state)

    @app.action(TOPIC_ACTION)
    async def on_topic(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        team, user, _ = _who(body, context)
        topic = str((action.get("selected_option") or {}).get("value") or "")
        state = SEPARATOR.join((SEARCH, "0", topic)) if topic_named(topic) else ""
        await home.publish(client, team, user, state)

    @app.action(ANOTHER_ACTION)
    async def on_another(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        team, user, name = _who(body, context)
        try:
            state, notice = await home.state_after_another(str(action.get("value") or ""), name), None
        except CommandError as exc:
            state, notice = _state(body), escape(str(exc))
        await home.publish(client, team, user, state, notice)

    @app.action(SHARE_ACTION)
    async def on_share(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        team, user, name = _who(body, context)
        payload = str(action.get("block_id") or "").partition(SEPARATOR)[2]
        channel = str(action.get("selected_conversation") or "")
        try:
            notice = await home.share(client, channel, payload, name)
        except CommandError as exc:
            notice = escape(str(exc))
        await home.publish(client, team, user, _state(body), notice)

    @app.action(ME_ACTION)
    async def on_personal(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        team, user, name = _who(body, context)
        word = str(action.get("value") or "")
        try:
            if word not in ("pause", "resume", "off"):
                raise CommandError("That button is no longer valid. Open the Home tab again.")
            notice = await home.change_personal(team, user, name, word)
        except CommandError as exc:
            notice = escape(str(exc))
        await home.publish(client, team, user, _state(body), notice)
