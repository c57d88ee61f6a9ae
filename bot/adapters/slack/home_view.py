"""The Slack Home tab as Block Kit: what home.py publishes with views.publish, built from plain data.

Top to bottom: a notice (what the last press did), today's lesson for this person, their personal
tip by DM (`/mltip me`) with Pause / Resume and Stop, the topics to browse with the lesson browsed,
and, for workspace admins, the workspace's channels with a tip of the day. Buttons here have their
own action ids: a Home tab has no response_url, so a press re-publishes the view (home.py) instead
of answering as a message would. Share needs a channel, so on the Home tab it is a channel picker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.adapters.slack.render import MAX_SECTION, button, content_blocks, escape, link_button
from bot.core.lessons import Topic
from bot.core.replies import ActionKind, Reply
from bot.core.text import clip
from bot.daily.personal import EXAMPLE as ME_EXAMPLE
from bot.daily.personal import PersonalStatus
from bot.daily.service import ChannelStatus

ANOTHER_ACTION = "mltip_home_another"
SHARE_ACTION = "mltip_home_share"
TOPIC_ACTION = "mltip_home_topic"
# The personal tip's buttons: one action id each (Slack wants them unique in a block), the word
# of `/mltip me <word>` they run as their value.
ME_ACTIONS = {"pause": "mltip_home_me_pause", "resume": "mltip_home_me_resume", "off": "mltip_home_me_off"}
ME_ACTION = re.compile(r"^mltip_home_me_(pause|resume|off)$")
SEPARATOR = "|"
TODAY, BROWSE = "today", "browse"  # which lesson a Share picker is under (its block_id starts so)
MAX_OVERVIEW_CHANNELS = 40  # a Home tab holds 100 blocks; more channels are counted, not listed
MAX_OPTION_TEXT = 75
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,30}")  # what <#...> may wrap: Slack's channel ids only
EXAMPLE = "/mltip daily 09:00 Europe/Berlin"


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeContent:
    """What one person's Home tab shows."""

    today: Reply
    browse: Reply | None = None
    topic: Topic | None = None  # the topic being browsed, preselected in the picker
    topics: dict[Topic, int]  # topics with lessons, and how many
    personal: list[dict[str, Any]]  # personal_tip_blocks(), or nothing without a database
    overview: list[ChannelStatus] | None = None  # None: not shown (not an admin, or no database)
    notice: str | None = None  # mrkdwn, already escaped
    state: str = ""  # what to browse again on the next refresh (private_metadata)


def personal_tip_blocks(status: PersonalStatus | None) -> list[dict[str, Any]]:
    """The person's own tip by direct message: its schedule, state and next tip, with Pause or
    Resume and Stop; without one, how to start it (`/mltip me`: a command, so it says which)."""
    blocks = [_header("Your tip of the day by direct message")]
    if status is None:
        blocks.append(_section(f"You have none yet. Start one with `{ME_EXAMPLE}`: a lesson in your DMs at your time."))
        return blocks
    blocks.append(_section(f"You get {escape(status.schedule)}.\n{escape(status.state)} {escape(status.next_tip)}"))
    toggle = "resume" if status.paused else "pause"
    stop = button(ME_ACTIONS["off"], "Stop", "off") | {
        "style": "danger",
        "confirm": {
            "title": {"type": "plain_text", "text": "Stop your tip of the day?"},
            "text": {"type": "plain_text", "text": "No more lessons by direct message. You can start again any time."},
            "confirm": {"type": "plain_text", "text": "Stop it"},
            "deny": {"type": "plain_text", "text": "Keep it"},
        },
    }
    elements = [button(ME_ACTIONS[toggle], toggle.capitalize(), toggle), stop]
    blocks.append({"type": "actions", "block_id": "me", "elements": elements})
    blocks.append(_context("Change the time, days or topic with `/mltip me` anywhere; `/mltip me help` says how."))
    return blocks


def channel_mention(channel_id: str) -> str:
    """<#C123> for a real channel id (Slack shows its name); anything else escaped, as text."""
    return f"<#{channel_id}>" if CHANNEL_ID.fullmatch(channel_id) else escape(channel_id)


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(mrkdwn, 2000)}]}


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, MAX_SECTION)}}


def lesson_blocks(reply: Reply, slot: str) -> list[dict[str, Any]]:
    """`reply` with Another, Read the original and a Share picker (under `slot`: today or browse)."""
    elements: list[dict[str, Any]] = []
    share = None
    for action in reply.actions:
        if action.kind is ActionKind.SHARE:
            share = action.payload
        elif action.kind is ActionKind.ANOTHER:
            elements.append(button(ANOTHER_ACTION, action.label, action.payload))
        # Votes stay with lessons posted in conversations: a press must answer privately, and the
        # Home tab has no response_url or channel to answer in.
    if reply.original_url:
        elements.append(link_button(reply.original_url))
    actions: dict[str, Any] = {"type": "actions", "elements": elements}
    if share is not None:
        # A select carries no value of its own; the block_id says which lesson it shares.
        actions["block_id"] = f"{slot}{SEPARATOR}{share}"
        elements.append(
            {
                "type": "conversations_select",
                "action_id": SHARE_ACTION,
                "placeholder": {"type": "plain_text", "text": "Share in a channel…"},
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            }
        )
    return content_blocks(reply) + ([actions] if elements else [])


def _topic_picker(content: HomeContent) -> dict[str, Any]:
    options = {
        topic: {
            "text": {"type": "plain_text", "text": clip(f"{topic.value} ({count} lessons)", MAX_OPTION_TEXT)},
            "value": topic.value,
        }
        for topic, count in content.topics.items()
    }
    picker: dict[str, Any] = {
        "type": "static_select",
        "action_id": TOPIC_ACTION,
        "placeholder": {"type": "plain_text", "text": "Pick a topic"},
        "options": list(options.values()),
    }
    if content.topic in options:
        picker["initial_option"] = options[content.topic]
    return {"type": "actions", "block_id": "topics", "elements": [picker]}


def overview_blocks(statuses: list[ChannelStatus]) -> list[dict[str, Any]]:
    """The workspace's channels with a tip of the day, each with its schedule, state and next post."""
    blocks = [_header("Tip of the day in this workspace")]
    if not statuses:
        blocks.append(_section(f"No channel has a tip of the day yet. Start one in a channel: {EXAMPLE}"))
        return blocks
    for status in statuses[:MAX_OVERVIEW_CHANNELS]:
        blocks.append(
            _section(
                f"{channel_mention(status.channel_id)}: {escape(status.schedule)}\n"
                f"{escape(status.state)} {escape(status.next_post)}"
            )
        )
    if len(statuses) > MAX_OVERVIEW_CHANNELS:
        more = len(statuses) - MAX_OVERVIEW_CHANNELS
        blocks.append(_context(f"…and {more} more; /mltip daily status in a channel shows its own."))
    blocks.append(_context("Change one with /mltip daily in its channel (workspace admins and owners)."))
    return blocks


def home_view(content: HomeContent) -> dict[str, Any]:
    """The Home tab view for views.publish."""
    blocks: list[dict[str, Any]] = []
    if content.notice:
        blocks.append(_context(content.notice))
    blocks += [_header("Your lesson for today"), _context("The same all day; a new one tomorrow.")]
    blocks += lesson_blocks(content.today, TODAY)
    if content.personal:
        blocks += [{"type": "divider"}, *content.personal]
    blocks += [{"type": "divider"}, _header("Browse by topic"), _topic_picker(content)]
    if content.browse is not None:
        blocks += lesson_blocks(content.browse, BROWSE)
    if content.overview is not None:
        blocks += [{"type": "divider"}, *overview_blocks(content.overview)]
    blocks.append(_context("Ask anything with /mltip <question> in any channel; /mltip help shows the rest."))
    return {"type": "home", "private_metadata": content.state, "blocks": blocks}
