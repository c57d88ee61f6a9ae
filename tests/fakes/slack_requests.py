"""Slack's inbound request formats, signed the way Slack signs them (v0 HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from tests.fakes.slack_server import TEAM_ID


def sign(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """Slack's request signature: v0= + hex HMAC-SHA256 of 'v0:{timestamp}:{body}' (the body's bytes)."""
    raw = body if isinstance(body, bytes) else body.encode()
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + raw, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(
    secret: str,
    body: str | bytes,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign(secret, stamp, body),
        "Content-Type": content_type,
    }


def slash_command(
    text: str,
    response_url: str,
    *,
    user_id: str = "U0ANA",
    channel_id: str = "C0GENERAL",
    user_name: str = "ana",
    team_id: str = TEAM_ID,
) -> dict[str, str]:
    """The fields of a /mltip slash command, as Slack sends them."""
    return {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": "fake",
        "channel_id": channel_id,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_name,
        "command": "/mltip",
        "text": text,
        "api_app_id": "A111",
        "is_enterprise_install": "false",
        "response_url": response_url,
        # Unique per request, as Slack's are: two identical commands in one second are two requests.
        "trigger_id": f"13345224609.738474920.{uuid.uuid4().hex}",
    }


def slash_command_body(text: str, response_url: str, **kwargs: str) -> str:
    return urlencode(slash_command(text, response_url, **kwargs))


def block_actions(
    action_id: str,
    value: str | None,
    response_url: str,
    *,
    user_name: str = "ana",
    url: str | None = None,
    team_id: str = TEAM_ID,
    user_id: str = "U0ANA",
    ephemeral: bool = True,
) -> dict[str, Any]:
    """A block_actions payload for one button press on an ephemeral message (or, not `ephemeral`,
    on a message in the channel, such as the tip of the day).

    A url button (`url`, no `value`) opens its link in the browser, and Slack still sends this.
    """
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": "b1",
        "text": {"type": "plain_text", "text": "x"},
        "type": "button",
        "action_ts": "1548426417.840180",
    }
    if value is not None:
        action["value"] = value
    if url is not None:
        action["url"] = url
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": "A111",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1548261231.000200",
            "channel_id": "C0GENERAL",
            "is_ephemeral": ephemeral,
        },
        "trigger_id": f"12321423423.333649436676.{uuid.uuid4().hex}",
        "team": {"id": team_id, "domain": "fake"},
        "channel": {"id": "C0GENERAL", "name": "general"},
        "response_url": response_url,
        "actions": [action],
    }


def block_actions_body(action_id: str, value: str | None, response_url: str, **kwargs: Any) -> str:
    return urlencode({"payload": json.dumps(block_actions(action_id, value, response_url, **kwargs))})


def event_callback(event: dict[str, Any], *, team_id: str = TEAM_ID) -> dict[str, Any]:
    """An Events API delivery: `event` in Slack's outer event_callback envelope, from `team_id`.

    As https://api.slack.com/events/app_uninstalled and /events/tokens_revoked show it: no
    `authorizations` (an app being removed has none left to list).
    """
    return {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "api_app_id": "A111",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
    }


def app_uninstalled(team_id: str = TEAM_ID) -> dict[str, Any]:
    """Slack's app_uninstalled event: the app was removed from the workspace."""
    return event_callback({"type": "app_uninstalled"}, team_id=team_id)


def tokens_revoked(
    team_id: str = TEAM_ID, *, bot: list[str] | None = None, oauth: list[str] | None = None
) -> dict[str, Any]:
    """Slack's tokens_revoked event: the user (oauth) and bot tokens of these user ids were revoked."""
    return event_callback(
        {"type": "tokens_revoked", "tokens": {"oauth": oauth or [], "bot": bot or []}}, team_id=team_id
    )


def json_body(payload: dict[str, Any], secret: str) -> tuple[str, dict[str, str]]:
    """A JSON request body (as the Events API sends) and its signed headers."""
    body = json.dumps(payload)
    return body, signed_headers(secret, body, content_type="application/json")


def app_home_opened(user_id: str, *, tab: str = "home", view: dict[str, Any] | None = None) -> dict[str, Any]:
    """Slack's app_home_opened event (https://api.slack.com/events/app_home_opened): `view` is the
    one last published, when there is one."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D0HOME",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return event_callback(event)


def home_action(
    action: dict[str, Any], view: dict[str, Any], *, user_id: str = "U0ANA", user_name: str = "ana"
) -> dict[str, Any]:
    """A block_actions payload for an element of the Home tab `view`: no channel, no response_url."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": TEAM_ID},
        "api_app_id": "A111",
        "token": "deprecated-verification-token",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": f"12321423423.333649436676.{uuid.uuid4().hex}",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "view": {"id": "V0HOME", "team_id": TEAM_ID, "hash": uuid.uuid4().hex, **view},
        "actions": [{"action_ts": f"{time.time():.6f}", **action}],
    }


def message_action(
    text: str,
    response_url: str,
    *,
    callback_id: str = "mltip_find_lesson",
    user_id: str = "U0ANA",
    user_name: str = "ana",
) -> dict[str, Any]:
    """A message shortcut used on a message whose text is `text`
    (https://api.slack.com/reference/interaction-payloads/shortcuts#message_actions)."""
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": f"13345224609.738474920.{uuid.uuid4().hex}",
        "message_ts": "1548261231.000200",
        "response_url": response_url,
        "team": {"id": TEAM_ID, "domain": "fake"},
        "channel": {"id": "C0GENERAL", "name": "general"},
        "user": {"id": user_id, "name": user_name, "username": user_name, "team_id": TEAM_ID},
        "message": {"type": "message", "user": "U0BEA", "ts": "1548261231.000200", "text": text},
        "token": "deprecated-verification-token",
        "action_ts": f"{time.time():.6f}",
    }


def payload_body(payload: dict[str, Any]) -> str:
    """An interactivity request body: the payload as a form field, as Slack sends it."""
    return urlencode({"payload": json.dumps(payload)})
