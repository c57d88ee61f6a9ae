"""Health, readiness and metrics on the bot's HTTP port while it serves Slack."""

from __future__ import annotations

from tests.adapters.slack.harness import RunningBot


async def test_healthz_readyz_and_metrics_count_commands(bot: RunningBot) -> None:
    await bot.command("kaggle")
    await bot.command("topics")
    async with bot.http.get(f"{bot.url}/healthz") as alive:
        assert alive.status == 200
    async with bot.http.get(f"{bot.url}/readyz") as ready:
        assert ready.status == 200 and (await ready.json()) == {"ready": True, "checks": {"slack": True}}
    async with bot.http.get(f"{bot.url}/metrics") as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    assert 'mltip_commands_total{kind="search",platform="slack"} 1.0' in text
    assert 'mltip_commands_total{kind="topics",platform="slack"} 1.0' in text
    assert 'mltip_reply_seconds_count{platform="slack"} 2.0' in text
    assert "mltip_seconds_since_last_daily_post -1.0" in text
