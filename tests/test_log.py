"""Logs: one line per event, JSON on request, and no token ever reaches them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.log import MASK, mask_secrets, setup_logging

SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
APP = "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef"
DISCORD = "MTA4NzE2NzQ3OTk2Njc0NjU2Mg.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456789AB"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    captured = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield captured
    root.handlers[:], root.level = saved[0], saved[1]


@pytest.mark.parametrize("token", [SLACK, APP, DISCORD, "xoxp-1-2-3-4-abcdef", "xoxe.xoxp-1-abcdefgh"])
def test_anything_that_looks_like_a_token_is_masked(token: str) -> None:
    assert token not in mask_secrets(f"calling with {token} now")


def test_a_configured_secret_never_reaches_the_log(stream: io.StringIO) -> None:
    setup_logging(secrets=[SLACK, DISCORD, SECRET], stream=stream)
    log = logging.getLogger("mltip.test")
    log.info("token %s and secret %s", SLACK, SECRET)
    log.warning("discord %s", DISCORD, extra={"channel": "C1"})
    try:
        raise RuntimeError(f"auth failed for {SLACK}")
    except RuntimeError:
        log.exception("boom")
    out = stream.getvalue()
    assert SLACK not in out and DISCORD not in out and SECRET not in out
    assert out.count(MASK) >= 4 and "boom" in out


def test_json_lines_carry_the_context(stream: io.StringIO) -> None:
    setup_logging(json_format=True, secrets=[SLACK], stream=stream)
    logging.getLogger("mltip.daily").warning(
        "channel refused the tip", extra={"platform": "slack", "workspace": "T1", "channel": "C1", "delivery": 7}
    )
    logging.getLogger("mltip.slack").error("failed with %s", SLACK)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "channel refused the tip" and first["level"] == "WARNING"
    assert (first["platform"], first["workspace"], first["channel"], first["delivery"]) == ("slack", "T1", "C1", 7)
    assert SLACK not in second["message"] and MASK in second["message"]
