"""The same /mltip delivered over Socket Mode: the fake's websocket envelope, the bot's ack."""

from __future__ import annotations

from bot.adapters.slack.adapter import SlackAdapter
from bot.config import Settings
from bot.core.commands import CommandEngine
from tests.fakes.slack_requests import block_actions, slash_command
from tests.fakes.slack_server import APP_TOKEN, BOT_TOKEN, FakeSlack


async def test_socket_mode_answers_a_command_in_the_ack(fake_slack: FakeSlack, engine: CommandEngine) -> None:
    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": fake_slack.api_url}
    )
    adapter = SlackAdapter(settings, engine)
    assert adapter.routes() == []  # no signing secret, no HTTP route: Socket Mode only
    await adapter.start()
    try:
        await fake_slack.wait_for(lambda: fake_slack.socket_connected)
        assert await adapter.is_connected()
        ack = await fake_slack.send_envelope("slash_commands", slash_command("kaggle", fake_slack.response_url()))
        assert ack["payload"]["response_type"] == "ephemeral"
        assert "Vladimir Iglovikov" in str(ack["payload"]["blocks"])
        share = ack["payload"]["blocks"][-2]["elements"][1]
        pressed = block_actions(share["action_id"], share["value"], fake_slack.response_url("s"))
        await fake_slack.send_envelope("interactive", pressed)
        await fake_slack.wait_for(lambda: bool(fake_slack.responses))
        assert fake_slack.responses[0][1]["response_type"] == "in_channel"
        link = ack["payload"]["blocks"][-2]["elements"][-1]
        clicked = block_actions(link["action_id"], None, fake_slack.response_url("link"), url=link["url"])
        # Acknowledged over the socket (bolt sends no ack for a request nobody handles), with no reply.
        assert "payload" not in await fake_slack.send_envelope("interactive", clicked)
        assert [key for key, _ in fake_slack.responses] == ["s"]
    finally:
        await adapter.close()
    assert [c.method for c in fake_slack.calls][:1] == ["apps.connections.open"]
