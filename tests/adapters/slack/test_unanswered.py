"""An off-topic /mltip on Slack: an honest no, the topics, a random lesson behind a button, a metric."""

from __future__ import annotations

import json

from tests.adapters.slack.harness import RunningBot


async def test_an_off_topic_question_gets_an_honest_no_and_a_random_lesson_button(bot: RunningBot) -> None:
    message = json.loads(await (await bot.command("what's a good pizza recipe")).text())
    assert message["response_type"] == "ephemeral"
    blocks = message["blocks"]
    assert blocks[0]["text"]["text"] == "I don't have a lesson on that"
    assert blocks[1]["elements"][0]["text"] == "None of my lessons is close to “what's a good pizza recipe”."
    assert "kaggle" in blocks[2]["text"]["text"] and "/mltip topics" in blocks[2]["text"]["text"]
    [button] = blocks[-1]["elements"]
    assert button["action_id"] == "mltip_another" and button["value"] == "another|~|"
    assert button["text"]["text"] == "Show me a random lesson"

    url = bot.fake.response_url("random")
    assert (await bot.press(button["action_id"], button["value"], url)).status == 200
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    key, posted = bot.fake.responses[0]
    assert key == "random" and posted["replace_original"] is True and posted["response_type"] == "ephemeral"
    assert [b["text"]["text"] for b in posted["blocks"][-2]["elements"]] == ["Another", "Share", "Read the original"]


async def test_metrics_count_unanswered_questions_per_platform(bot: RunningBot) -> None:
    await bot.command("will it rain tomorrow in london")
    await bot.command("how do i center a div in css")
    await bot.command("is kaggle worth it")
    async with bot.http.get(f"{bot.url}/metrics") as response:
        text = await response.text()
    assert 'mltip_unanswered_total{platform="slack"} 2.0' in text
    assert 'mltip_commands_total{kind="search",platform="slack"} 3.0' in text
