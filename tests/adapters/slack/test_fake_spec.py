"""The fake Slack holds every Web API call to Slack's spec, so a test passing means Slack would take it."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_server import BOT_TOKEN, FakeSlack
from tests.fakes.slack_spec import check_view

HOME: dict[str, Any] = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}


async def test_a_call_the_spec_does_not_allow_is_refused_and_recorded(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    with pytest.raises(SlackApiError) as refused:
        await client.api_call("views.publish", json={"view": HOME})  # no user_id
    assert refused.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError):
        await client.api_call("chat.postMessage", json={"channel": "C1", "text": "x", "colour": "red"})
    with pytest.raises(SlackApiError):
        await client.api_call("chat.postMessages", json={"channel": "C1"})
    assert fake_slack.spec_errors == [
        "views.publish: missing required 'user_id'",
        "chat.postMessage: unknown parameter 'colour'",
        "chat.postMessages: no such Web API method",
    ]
    fake_slack.spec_errors.clear()  # the fixture's stop() would fail on them, as it should
    assert (await client.views_publish(user_id="U1", view=HOME))["ok"]
    assert fake_slack.home("U1") == HOME


def test_a_view_slack_would_refuse_is_caught() -> None:
    assert check_view(HOME) == []
    section = HOME["blocks"][0]
    assert check_view({**HOME, "type": "modal"}) == ["view type 'modal', not 'home'"]
    assert check_view({**HOME, "blocks": [{**section, "block_id": "a"}] * 2}) == ["duplicate block_id"]
    assert check_view({**HOME, "blocks": [section] * 101}) == ["101 blocks, more than 100"]
    long_text = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    assert check_view({**HOME, "blocks": [long_text]}) == ["section: text over 3000 characters"]
    options = [{"text": {"type": "plain_text", "text": "t"}, "value": "v" * 151}]
    placeholder = {"type": "plain_text", "text": "p"}
    select = {"type": "static_select", "action_id": "a", "options": options, "placeholder": placeholder}
    assert check_view({**HOME, "blocks": [{"type": "actions", "elements": [select]}]}) == [
        "option: value empty or over 150 characters"
    ]
