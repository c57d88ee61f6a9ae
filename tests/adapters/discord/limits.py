"""Discord's message limits, checked on the JSON the bot sends (or would send)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.adapters.discord.render import CUSTOM_ID_TEMPLATE

# A mention Discord would render (and, without allowed_mentions, ping).
MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>", re.IGNORECASE)


def embed_problems(embed: Mapping[str, Any]) -> list[str]:
    """Every way `embed` breaks Discord's embed limits."""
    problems = []
    sizes = {
        "title": (len(embed.get("title", "")), 256),
        "description": (len(embed.get("description", "")), 4096),
        "footer": (len(embed.get("footer", {}).get("text", "")), 2048),
        "author": (len(embed.get("author", {}).get("name", "")), 256),
        "fields": (len(embed.get("fields", [])), 25),
    }
    for i, field in enumerate(embed.get("fields", [])):
        sizes[f"field {i} name"] = (len(field["name"]), 256)
        sizes[f"field {i} value"] = (len(field["value"]), 1024)
    problems += [f"{name}: {size} > {limit}" for name, (size, limit) in sizes.items() if size > limit]
    total = sum(size for name, (size, _) in sizes.items() if name != "fields")
    if total > 6000:
        problems.append(f"total {total} > 6000")
    return problems


LINK_STYLE = 5


def component_problems(components: list[dict[str, Any]]) -> list[str]:
    """Buttons: label <= 80; at most 5 per row, 5 rows. An action button has a custom_id of ours
    (<= 100); a link button (style 5) has an https url (<= 512) and no custom_id, as Discord requires.
    """
    problems = [f"{len(components)} rows > 5"] if len(components) > 5 else []
    for row in components:
        if len(row["components"]) > 5:
            problems.append(f"{len(row['components'])} buttons in a row > 5")
        for button in row["components"]:
            if len(button.get("label", "")) > 80:
                problems.append(f"label {button['label']!r} > 80")
            if button["style"] == LINK_STYLE:
                url = button.get("url") or ""
                if "custom_id" in button or not url.startswith("https://") or len(url) > 512:
                    problems.append(f"link button {button!r}")
            elif len(button["custom_id"]) > 100 or not CUSTOM_ID_TEMPLATE.fullmatch(button["custom_id"]):
                problems.append(f"custom_id {button['custom_id']!r}")
    return problems


def link_buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The link-style buttons of a message body."""
    rows = body.get("components") or []
    return [button for row in rows for button in row["components"] if button["style"] == LINK_STYLE]


def shown_text(body: dict[str, Any]) -> list[str]:
    """Every string of a message body that Discord displays (custom_ids are not displayed)."""
    texts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        texts += [embed.get("title", ""), embed.get("description", "")]
        texts += [embed.get("footer", {}).get("text", ""), embed.get("author", {}).get("name", "")]
        texts += [part for field in embed.get("fields", []) for part in (field["name"], field["value"])]
    texts += [button.get("label", "") for row in body.get("components") or [] for button in row["components"]]
    return texts


def mentions_in(body: dict[str, Any]) -> list[str]:
    """Mentions that would render in the displayed text of a message body."""
    return [m.group(0) for text in shown_text(body) for m in MENTION.finditer(text)]
