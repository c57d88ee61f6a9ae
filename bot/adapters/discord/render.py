"""Reply -> a Discord embed plus a row of buttons, inside Discord's documented limits.

Every string is cut to its own limit and the whole embed to the 6000-character total, so a
long lesson or a long echoed query degrades to an ellipsis instead of a 400 from Discord.

Only a lesson's own words (checked content) render as written. Every other string renders
literally (`neutralise`): user text reaches replies inside our sentences ('Paused by <name>
since ... (<note>)', 'Nothing close to “<question>”', an error quoting what was typed), so
rather than tracking which part of a sentence came from whom, none of it may format, link or
mention. Our own wording uses no markup, and an escaped character looks the same. Every
message is also sent with `AllowedMentions.none()`: defence in depth, because a mention that
renders but does not ping still looks like a ping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import discord

from bot.core.cache import RENDERED_CACHE_BYTES, RENDERED_CACHE_SIZE, BoundedCache, text_bytes
from bot.core.replies import READ_THE_ORIGINAL, Action, ActionKind, Reply
from bot.core.text import clip

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
CONTENT_LIMIT = 2000  # a message's plain content
# https://discord.com/developers/docs/components/reference#button
LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
ROW_LIMIT = 5  # buttons in one action row

CUSTOM_ID_PREFIX = "mltip:"
# DOTALL: a payload carries a user's query, and nothing may make the template miss it.
CUSTOM_ID_TEMPLATE = re.compile(re.escape(CUSTOM_ID_PREFIX) + r"(?P<payload>.+)", re.DOTALL)
EMBED_COLOUR = discord.Colour(0x2B6CB0)
# Discord's markdown: emphasis, strike, spoiler, code, masked links, and (at a line's start)
# headers, quotes and lists. A backslash before any of them shows the character itself.
MARKUP = re.compile(r"[\\*_~|`\[]|^[#>-]")
BUTTON_STYLES = {ActionKind.ANOTHER: discord.ButtonStyle.secondary, ActionKind.SHARE: discord.ButtonStyle.primary}
VOTES = (ActionKind.HELPFUL, ActionKind.NOT_HELPFUL)
NAVIGATION_ROW, VOTE_ROW = 0, 1  # what to read next; then what you thought of this one


def neutralise(text: str) -> str:
    """Text that renders literally, on one line: no markdown, mention, link or timestamp."""
    # One line, since a newline could start a header, a quote or a list. Each markup character
    # is escaped on its own: discord.utils.escape_markdown takes everything from a '[' to the
    # last ')' for one masked link and leaves the markup inside it live. A zero-width space
    # after every @ and < breaks @everyone, <@id>, <@&id>, <#id>, <t:...> and </command:id>
    # alike, and one after the scheme stops a URL from becoming a link.
    flat = " ".join(text.split())
    escaped = MARKUP.sub(lambda markup: "\\" + markup.group(0), flat)
    return escaped.replace("@", "@\u200b").replace("<", "<\u200b").replace("://", ":\u200b//")


def custom_id(payload: str) -> str:
    """The button's custom_id: our prefix, so a restarted bot can recognise it, and the payload."""
    return clip(CUSTOM_ID_PREFIX + payload, CUSTOM_ID_LIMIT)


def _description(reply: Reply) -> str:
    parts = []
    if reply.note:
        parts.append(f"*{neutralise(reply.note)}*")
    if reply.text:
        parts.append(reply.text if reply.lesson is not None else neutralise(reply.text))
    if reply.quote:
        parts.append("\n".join(f"> {line}" for line in f"“{reply.quote}”".splitlines()))
    return "\n\n".join(parts)


def _footer(reply: Reply) -> str:
    parts = []
    if reply.shared_by:
        parts.append(f"Shared by {neutralise(reply.shared_by)}")
    if reply.lesson is not None:
        source = reply.lesson.source
        at = f", at {reply.lesson.timestamp}" if reply.lesson.timestamp else ""
        parts.append(f"“{source.title}”, {source.publisher}{at}")
    if reply.closing:
        parts.append(reply.closing)
    return " · ".join(parts)


def embed_length(data: Mapping[str, Any]) -> int:
    """The characters Discord counts toward an embed's 6000 total, from its JSON form."""
    total = len(data.get("title", "")) + len(data.get("description", ""))
    total += len(data.get("footer", {}).get("text", "")) + len(data.get("author", {}).get("name", ""))
    return total + sum(len(f.get("name", "")) + len(f.get("value", "")) for f in data.get("fields", []))


def render_embed(reply: Reply) -> discord.Embed:
    """The reply as one embed: title, advice, quote, speaker above, source below."""
    embed = discord.Embed(
        title=clip(reply.title, TITLE_LIMIT),
        description=clip(_description(reply), DESCRIPTION_LIMIT) or None,
        colour=EMBED_COLOUR,
    )
    if reply.lesson is not None:
        source = reply.lesson.source
        url = source.url if source.url and source.url.startswith(("https://", "http://")) else None
        embed.set_author(name=clip(f"{source.speaker} — {source.role}", AUTHOR_LIMIT), url=url)
    footer = _footer(reply)
    if footer:
        embed.set_footer(text=clip(footer, FOOTER_LIMIT))
    for field in reply.fields[:FIELD_COUNT_LIMIT]:
        embed.add_field(
            name=clip(neutralise(field.name), FIELD_NAME_LIMIT),
            value=clip(neutralise(field.value), FIELD_VALUE_LIMIT),
            inline=False,
        )
    _fit_total(embed)
    return embed


def _fit_total(embed: discord.Embed) -> None:
    """Drop trailing fields, then shorten the description, until the 6000 total holds."""
    while embed_length(embed.to_dict()) > EMBED_TOTAL_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    excess = embed_length(embed.to_dict()) - EMBED_TOTAL_LIMIT
    if excess > 0 and embed.description:
        embed.description = clip(embed.description, max(len(embed.description) - excess, 1))


def render_button(action: Action, row: int | None = None) -> discord.ui.Button[discord.ui.View]:
    """One action as a button; its custom_id is all a restarted bot needs to answer it."""
    return discord.ui.Button(
        label=clip(action.label, LABEL_LIMIT),
        custom_id=custom_id(action.payload),
        style=BUTTON_STYLES.get(action.kind, discord.ButtonStyle.secondary),
        row=row,
    )


def render_link(url: str, row: int | None = None) -> discord.ui.Button[discord.ui.View]:
    """A link-style button: Discord opens `url` itself and sends the bot no interaction."""
    return discord.ui.Button(label=READ_THE_ORIGINAL, url=url, style=discord.ButtonStyle.link, row=row)


def render_view(reply: Reply) -> discord.ui.View | None:
    """The reply's buttons, plus the link to its original, as a View; None when there are none.

    Two rows at most (Discord allows five buttons in one): Another, Share (and Skip tomorrow under
    a person's own tip) and the link, then 👍 Helpful and 👎 Not helpful. The view only renders:
    presses are dispatched by the DynamicItem registered at startup, which matches the custom_id
    and survives restarts. The view is stopped before it is sent so discord.py does not also
    track it (with a 15-minute timeout task per ephemeral message).
    """
    url = reply.original_url
    if not reply.actions and not url:
        return None
    view = discord.ui.View(timeout=None)
    room = ROW_LIMIT - 1 if url else ROW_LIMIT
    for action in [action for action in reply.actions if action.kind not in VOTES][:room]:
        view.add_item(render_button(action, NAVIGATION_ROW))
    if url:
        view.add_item(render_link(url, NAVIGATION_ROW))
    for action in [action for action in reply.actions if action.kind in VOTES][:ROW_LIMIT]:
        view.add_item(render_button(action, VOTE_ROW))
    view.stop()
    return view


Rendered = tuple[discord.Embed, discord.ui.View | None]


def _weigh(_reply: Reply, rendered: Rendered) -> int:
    embed, view = rendered
    return text_bytes(embed.to_dict()) + (text_bytes(view.to_components()) if view is not None else 0)


_rendered: BoundedCache[Reply, Rendered] = BoundedCache(
    max_entries=RENDERED_CACHE_SIZE, max_bytes=RENDERED_CACHE_BYTES, weigh=_weigh
)


def render(reply: Reply) -> Rendered:
    """The embed and buttons for `reply`, remembered: the same question gets the same reply.

    Building them is most of an answer's own cost, and both are only read when sent (the view
    is stopped, so discord.py never tracks or changes it). Oldest answers are forgotten first.
    """
    return _rendered.get_or_put(reply, _render)


def _render(reply: Reply) -> Rendered:
    return render_embed(reply), render_view(reply)
