"""Reply -> Slack message (Block Kit blocks plus a plain `text` fallback); `notice` for text alone.

Everything we put into mrkdwn or a message's `text` is escaped (&, <, >) so text a user typed can
never become `<!channel>`, `<!here>`, `<@U…>` or a disguised link `<https://…|click>`; Slack only
turns the unescaped forms into pings and links.
"""

from __future__ import annotations

import sys
from typing import Any

from bot.core.cache import RENDERED_CACHE_BYTES, RENDERED_CACHE_SIZE, BoundedCache, text_bytes
from bot.core.lessons import Lesson
from bot.core.replies import READ_THE_ORIGINAL, Action, ActionKind, Reply
from bot.core.text import clip

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_BUTTON_TEXT = 75
MAX_FIELDS_PER_SECTION = 10
MAX_FIELD = 2000
MAX_CONTEXT = 2000
ACTION_IDS = {
    ActionKind.ANOTHER: "mltip_another",
    ActionKind.SHARE: "mltip_share",
    ActionKind.HELPFUL: "mltip_helpful",
    ActionKind.NOT_HELPFUL: "mltip_not_helpful",
    ActionKind.SKIP: "mltip_skip",
}
VOTES = (ActionKind.HELPFUL, ActionKind.NOT_HELPFUL)
# A url button opens its link, yet Slack still sends the app a block_actions for it, which the
# app must acknowledge (listeners.py) or the user sees a warning.
LINK_ACTION_ID = "mltip_original"


def escape(text: str) -> str:
    """Slack's three control characters, escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def notice(text: str) -> str:
    """The `text` of a message that is only text (an error, an apology), escaped: errors quote
    what users typed."""
    return clip(escape(text), MAX_SECTION)


def _mrkdwn(text: str, limit: int = MAX_SECTION) -> dict[str, str]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(text, MAX_CONTEXT)]}


def _lesson_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The advice, quote and credit: the same for every reply with this lesson and text, so shared."""
    assert reply.lesson is not None
    key = (reply.lesson, reply.text)
    return _shared_blocks.get_or_put(key, _make_lesson_blocks)


def _make_lesson_blocks(key: tuple[Lesson, str]) -> list[dict[str, Any]]:
    lesson, text = key
    source = lesson.source
    quote = "\n".join(f"> {escape(line)}" for line in lesson.quote.splitlines())
    at = f", at {lesson.timestamp}" if lesson.timestamp else ""
    credit = (
        f"*{escape(source.speaker)}* · {escape(source.role)} · _{escape(source.title)}_, {escape(source.publisher)}{at}"
    )
    return [
        {"type": "section", "text": _mrkdwn(escape(text))},
        {"type": "section", "text": _mrkdwn(quote)},
        _context(credit),
    ]


def _field_blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.text:
        blocks.append({"type": "section", "text": _mrkdwn(escape(reply.text))})
    fields = [_mrkdwn(f"*{escape(f.name)}*\n{escape(f.value)}", MAX_FIELD) for f in reply.fields]
    for start in range(0, len(fields), MAX_FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_FIELDS_PER_SECTION]})
    return blocks


# A lesson's blocks, shared by every rendering of it: one per lesson (and text) in practice, since
# lessons do not change while the bot runs; the count cap only guards against a bug.
_shared_blocks: BoundedCache[tuple[Lesson, str], list[dict[str, Any]]] = BoundedCache(max_entries=4 * 1024)


def _weigh(reply: Reply, message: dict[str, Any]) -> int:
    """What a rendering holds of its own: the shared lesson blocks are counted once, in _shared_blocks.

    Weighing every block of every answer cost more than rendering it (a tenth of an uncached
    question's time in bench/slack_latency.py).
    """
    blocks = message["blocks"]
    lesson_blocks = _shared_blocks.get((reply.lesson, reply.text)) if reply.lesson is not None else None
    shared = {id(block) for block in lesson_blocks or ()}
    own = sum(8 if id(block) in shared else text_bytes(block) for block in blocks)
    return sys.getsizeof(message) + text_bytes(message["text"]) + sys.getsizeof(blocks) + own


_rendered: BoundedCache[Reply, dict[str, Any]] = BoundedCache(
    max_entries=RENDERED_CACHE_SIZE, max_bytes=RENDERED_CACHE_BYTES, weigh=_weigh
)


def _button(action: Action) -> dict[str, Any]:
    return button(ACTION_IDS[action.kind], action.label, action.payload)


def render(reply: Reply) -> dict[str, Any]:
    """The `text` and `blocks` of a Slack message for `reply` (remembered: replies repeat).

    Callers must not change the returned message; bolt and slack_sdk only serialise it.
    """
    return _rendered.get_or_put(reply, _render)


def content_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Everything of `reply` but its buttons: title, note, the lesson or the fields, who shared it."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(reply.title, MAX_HEADER)}}
    ]
    if reply.note:
        blocks.append(_context(escape(reply.note)))
    blocks += _lesson_blocks(reply) if reply.lesson is not None else _field_blocks(reply)
    if reply.shared_by:
        blocks.append(_context(f"Shared by {escape(reply.shared_by)}"))
    if reply.closing:
        blocks.append(_context(escape(reply.closing)))
    return blocks


def button(action_id: str, label: str, value: str) -> dict[str, Any]:
    """A button whose `value` comes back when it is pressed."""
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": clip(label, MAX_BUTTON_TEXT)},
        "value": value,
    }


def link_button(url: str) -> dict[str, Any]:
    """The button that opens a lesson's original."""
    return {
        "type": "button",
        "action_id": LINK_ACTION_ID,
        "text": {"type": "plain_text", "text": READ_THE_ORIGINAL},
        "url": url,
    }


def _render(reply: Reply) -> dict[str, Any]:
    blocks = content_blocks(reply)
    buttons = [_button(action) for action in reply.actions if action.kind not in VOTES]
    votes = [_button(action) for action in reply.actions if action.kind in VOTES]
    if reply.original_url:
        buttons.append(link_button(reply.original_url))
    # Two rows, as on Discord: what to read next, then what you thought of this one.
    blocks += [{"type": "actions", "elements": row} for row in (buttons, votes) if row]
    # The fallback is what notifications and screen readers show: for a lesson its title and
    # advice are the gist (the blocks carry the rest), and a shorter body answers faster.
    fallback = f"{reply.title}\n{reply.text}" if reply.lesson is not None else reply.plain_text
    if reply.shared_by:
        fallback += f"\nShared by {reply.shared_by}"
    if reply.closing:
        fallback += f"\n{reply.closing}"
    return {"text": clip(escape(fallback), MAX_SECTION), "blocks": blocks[:MAX_BLOCKS]}
