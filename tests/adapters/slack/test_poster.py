"""SlackPoster against the fake Web API: each failure lands in the DeliveryError that says what to do."""

from __future__ import annotations

import pytest

from bot.adapters.slack.poster import SlackPoster
from bot.core.commands import CommandEngine
from bot.errors import ChannelDeliveryError, InstallationError, TransientDeliveryError, UnknownOutcomeError
from tests.fakes.slack_server import BOT_TOKEN, FakeSlack, Fault
from tests.support.ports import free_port


async def token(_workspace: str) -> str:
    return BOT_TOKEN


async def test_a_post_sends_blocks_and_text_and_returns_the_ts(fake_slack: FakeSlack, engine: CommandEngine) -> None:
    poster = SlackPoster(fake_slack.api_url, token)
    ts = await poster.post("T0FAKE", "C1", engine.run("kaggle"))
    call = fake_slack.calls_to("chat.postMessage")[0]
    assert ts and call.params["channel"] == "C1" and "Kaggle" in call.params["text"]
    assert call.token == BOT_TOKEN and "Vladimir Iglovikov" in str(call.params["blocks"])


@pytest.mark.parametrize(
    ("fault", "error", "reason"),
    [
        (Fault(status=429, retry_after=7), TransientDeliveryError, "ratelimited"),
        (Fault(status=503), TransientDeliveryError, "http_503"),
        (Fault(error="channel_not_found"), ChannelDeliveryError, "channel_not_found"),
        (Fault(error="is_archived"), ChannelDeliveryError, "is_archived"),
        (Fault(error="not_in_channel"), ChannelDeliveryError, "not_in_channel"),
        (Fault(error="invalid_auth"), InstallationError, "invalid_auth"),
        (Fault(error="token_revoked"), InstallationError, "token_revoked"),
        (Fault(error="account_inactive"), InstallationError, "account_inactive"),
        (Fault(delay=2.0), UnknownOutcomeError, "no_answer"),
    ],
)
async def test_failures_are_classified(
    fake_slack: FakeSlack, engine: CommandEngine, fault: Fault, error: type[Exception], reason: str
) -> None:
    fake_slack.script("chat.postMessage", fault)
    poster = SlackPoster(fake_slack.api_url, token, timeout=1)
    with pytest.raises(error) as caught:
        await poster.post("T0FAKE", "C1", engine.run(""))
    assert str(caught.value).startswith(reason)
    if fault.status == 429:
        assert caught.value.retry_after == 7  # type: ignore[attr-defined]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # never resent behind our back


async def test_a_refused_connection_is_transient_because_nothing_was_sent(engine: CommandEngine) -> None:
    poster = SlackPoster(f"http://127.0.0.1:{free_port()}/api/", token)
    with pytest.raises(TransientDeliveryError, match="connect_failed"):
        await poster.post("T0FAKE", "C1", engine.run(""))


async def test_a_workspace_without_a_token_is_an_installation_error(engine: CommandEngine) -> None:
    async def no_token(_workspace: str) -> None:
        return None

    with pytest.raises(InstallationError):
        await SlackPoster("http://127.0.0.1:1/api/", no_token).post("T9", "C1", engine.run(""))
