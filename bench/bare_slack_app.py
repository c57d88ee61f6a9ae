"""The floor for Slack latency: a bare bolt AsyncApp whose /mltip listener acks a constant."""

from __future__ import annotations

import os

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

app = AsyncApp(
    client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
)


@app.command("/mltip")
async def constant(ack: AsyncAck) -> None:
    await ack("A constant answer.")


@app.event("app_mention")
async def unused() -> None:  # pragma: no cover - keeps the app shape realistic
    return None


if __name__ == "__main__":
    app.start(port=int(os.environ["MLTIP_HTTP_PORT"]), path="/slack/events")
