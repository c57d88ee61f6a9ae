"""Hostile input over signed HTTP into the running bolt app: odd button values, over-long questions."""

from __future__ import annotations

import logging

import pytest

from tests.adapters.slack.conftest import RunningBot

NOT_OURS = "That button is no longer valid. Try /mltip again."


@pytest.mark.parametrize(
    "value",
    [
        "another|²|kaggle",  # '²'.isdigit() is True, but int('²') raises
        "another|" + "9" * 5000 + "|kaggle",  # past int()'s 4,300-digit limit
        "another|١|kaggle",  # an Arabic-Indic digit: int() takes it, but no button of ours says it
        "another|1|" + "kaggle " * 2000,  # far longer than any payload we make
    ],
)
async def test_a_button_value_that_is_not_ours_is_refused_without_a_traceback(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await bot.press("mltip_another", value, bot.fake.response_url("odd"))
    assert response.status == 200
    await bot.fake.wait_for(lambda: bool(bot.fake.responses))
    [(key, posted)] = bot.fake.responses
    assert key == "odd" and posted["text"] == NOT_OURS and posted["replace_original"] is False
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
