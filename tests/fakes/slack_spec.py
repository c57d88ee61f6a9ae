"""Checks each Web API call the bot makes against Slack's Web API spec, as Slack itself would.

The spec (../shared/specs/slack-web-openapi-v2.json, OpenAPI 2.0) lists each method and the
parameters it takes: a call must name a real method, send no parameter that method does not take
and send the ones it requires (the token travels as the `Authorization: Bearer` header, so it is
not a parameter here). The spec is silent on a few newer methods (the specs README says Slack's
method documentation is the reference there); those are listed in DOCUMENTED_ELSEWHERE.

A view (views.publish) is a JSON object whose shape the spec leaves to the Block Kit reference
(https://api.slack.com/reference/surfaces/views, /reference/block-kit): `check_view` holds it to
the limits a Home tab is refused for, so a view the fake accepts is one Slack would take.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SPEC = Path(__file__).resolve().parents[3] / "shared" / "specs" / "slack-web-openapi-v2.json"
# Methods newer than the spec: their parameters per https://api.slack.com/methods/<method>.
DOCUMENTED_ELSEWHERE: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "apps.connections.open": (frozenset(), frozenset()),
}
# slack_sdk sends `team_id` with every call of a client made for one workspace (bolt makes one per
# request; `default_params`), which Slack takes on any method to pick a workspace of an org install.
ANY_METHOD = frozenset({"token", "team_id"})
# Block Kit limits (https://api.slack.com/reference/block-kit/blocks and /block-elements).
MAX_HOME_BLOCKS = 100
MAX_PRIVATE_METADATA = 3000
MAX_ID = 255  # block_id, action_id
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_BUTTON_VALUE = 2000
BLOCK_TYPES = frozenset({"section", "header", "context", "actions", "divider", "image", "input", "rich_text"})


class SlackSpec:
    """The methods Slack's spec defines, with the parameters each takes and requires."""

    def __init__(self, path: Path = SPEC) -> None:
        self.methods: dict[str, tuple[frozenset[str], frozenset[str]]] = dict(DOCUMENTED_ELSEWHERE)
        if not path.exists():
            return
        spec = json.loads(path.read_text())
        for route, operations in spec["paths"].items():
            for operation in operations.values():
                parameters = [p for p in operation.get("parameters", []) if p["name"] != "token"]
                names = frozenset(p["name"] for p in parameters)
                required = frozenset(p["name"] for p in parameters if p.get("required"))
                self.methods[route.lstrip("/")] = (names, required)

    @property
    def loaded(self) -> bool:
        return len(self.methods) > len(DOCUMENTED_ELSEWHERE)

    def errors(self, method: str, params: dict[str, Any]) -> list[str]:
        """What is wrong with calling `method` with `params` (empty when nothing is)."""
        if not self.loaded:
            return []
        if method not in self.methods:
            return [f"{method}: no such Web API method"]
        takes, requires = self.methods[method]
        given = set(params) - ANY_METHOD
        problems = [f"{method}: unknown parameter {name!r}" for name in sorted(given - takes)]
        problems += [f"{method}: missing required {name!r}" for name in sorted(requires - given)]
        if method == "views.publish" and "view" in params:
            problems += [f"views.publish: {problem}" for problem in check_view(params["view"])]
        return problems


def check_view(view: Any) -> list[str]:
    """What Slack would refuse in a Home tab view (a dict, or its JSON as a form field sends it)."""
    if isinstance(view, str):
        try:
            view = json.loads(view)
        except ValueError:
            return ["view is not JSON"]
    if not isinstance(view, dict):
        return ["view is not an object"]
    problems: list[str] = []
    if view.get("type") != "home":
        problems.append(f"view type {view.get('type')!r}, not 'home'")
    if len(str(view.get("private_metadata", ""))) > MAX_PRIVATE_METADATA:
        problems.append("private_metadata over 3000 characters")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        return [*problems, "no blocks"]
    if len(blocks) > MAX_HOME_BLOCKS:
        problems.append(f"{len(blocks)} blocks, more than {MAX_HOME_BLOCKS}")
    block_ids = [b["block_id"] for b in blocks if isinstance(b, dict) and "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        problems.append("duplicate block_id")
    for block in blocks:
        problems += _block_problems(block)
    return problems


def _text_problems(text: Any, limit: int, where: str, *, plain: bool = True) -> list[str]:
    """Problems of a text object; headers, buttons, options and placeholders take plain_text only."""
    kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
    if not isinstance(text, dict) or text.get("type") not in kinds:
        return [f"{where}: not a {' or '.join(kinds)} text object"]
    content = text.get("text")
    if not isinstance(content, str) or not content:
        return [f"{where}: empty text"]
    return [f"{where}: text over {limit} characters"] if len(content) > limit else []


def _block_problems(block: Any) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        return [f"unknown block {block!r:.80}"]
    kind = block["type"]
    problems = [f"{kind}: block_id too long"] if len(block.get("block_id", "")) > MAX_ID else []
    if kind == "header":
        problems += _text_problems(block.get("text"), MAX_HEADER_TEXT, "header")
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append("section: neither text nor fields")
        if "text" in block:
            problems += _text_problems(block["text"], MAX_SECTION_TEXT, "section", plain=False)
        if "accessory" in block:
            problems += _element_problems(block["accessory"])
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > 25:
            problems.append("actions: 1 to 25 elements")
        action_ids = [e.get("action_id") for e in elements if isinstance(e, dict)]
        if len(action_ids) != len(set(action_ids)):
            problems.append("actions: duplicate action_id")
        for element in elements:
            problems += _element_problems(element)
    return problems


def _element_problems(element: Any) -> list[str]:
    if not isinstance(element, dict):
        return ["element is not an object"]
    kind = element.get("type")
    problems = [f"{kind}: action_id too long"] if len(element.get("action_id", "")) > MAX_ID else []
    if kind == "button":
        problems += _text_problems(element.get("text"), MAX_OPTION_TEXT, "button")
        if len(element.get("value", "")) > MAX_BUTTON_VALUE:
            problems.append("button: value over 2000 characters")
    elif kind == "static_select":
        options = element.get("options") or []
        if not options or len(options) > MAX_OPTIONS:
            problems.append("static_select: 1 to 100 options")
        for option in options:
            problems += _text_problems(option.get("text"), MAX_OPTION_TEXT, "option")
            if not 0 < len(option.get("value", "")) <= MAX_OPTION_VALUE:
                problems.append("option: value empty or over 150 characters")
        problems += _text_problems(element.get("placeholder"), 150, "placeholder")
    elif kind in ("conversations_select", "channels_select"):
        problems += _text_problems(element.get("placeholder"), 150, "placeholder")
    else:
        problems.append(f"element type {kind!r} not checked by the fake")
    return problems
