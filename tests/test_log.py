"""Logs: one line per event, JSON on request, and no token ever reaches them."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from bot.log import MASK, MAX_EXCEPTION, MAX_FIELD, MAX_MESSAGE, mask_secrets, setup_logging

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


FORGED = "2026-01-01 00:00:00,000 ERROR mltip.daily: every channel paused"
HOSTILE = f"ana\n{FORGED}\r{FORGED}\x1b[2K\x1b[31mred\x85next\u2028sep\u202eevil\x00\x7f"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+: ")


def emit_hostile_record(extra_value: str = HOSTILE) -> None:
    log = logging.getLogger("mltip.slack")
    try:
        raise ValueError(f"invalid literal for int() with base 10: {HOSTILE!s}")
    except ValueError:
        log.exception("failed for %s", HOSTILE, extra={"user": extra_value, "channel": "C1"})


def test_text_lines_cannot_be_forged_or_drive_a_terminal(stream: io.StringIO) -> None:
    setup_logging(stream=stream)
    emit_hostile_record()
    out = stream.getvalue()
    [line] = out.splitlines()  # one record, one line, whatever it carried
    assert LOG_LINE.match(line) and line.startswith(line[:23] + " ERROR mltip.slack: failed for ana\\n2026")
    assert len(out.split("\n")) == 2 and out.endswith("\n")  # no raw CR, NEL, LS either
    assert not any(ch in line for ch in "\r\x1b\x85\u2028\u202e\x00\x7f")
    assert "\\x1b[31mred\\x85next\\u2028sep\\u202eevil\\x00\\x7f" in line
    assert " | Traceback (most recent call last):\\n" in line and "ValueError: invalid literal" in line


def test_json_lines_cannot_be_forged_and_decode_to_what_was_logged(stream: io.StringIO) -> None:
    setup_logging(json_format=True, stream=stream)
    emit_hostile_record()
    out = stream.getvalue()
    [line] = out.splitlines()
    assert len(out.split("\n")) == 2 and not any(ch in line for ch in "\r\x1b\x85\u2028\u202e\x00\x7f")
    record = json.loads(line)
    assert record["message"] == f"failed for {HOSTILE}" and record["user"] == HOSTILE
    assert record["exception"].startswith("Traceback") and record["exception"].endswith(HOSTILE)


@pytest.mark.parametrize("json_format", [False, True])
def test_every_part_of_a_record_is_capped(stream: io.StringIO, json_format: bool) -> None:
    setup_logging(json_format=json_format, stream=stream)
    huge = "A" * 1_000_000
    log = logging.getLogger("mltip.slack")
    try:
        raise RuntimeError(huge + " the end")
    except RuntimeError:
        log.exception("got %s", huge, extra={"user": huge, "channel": "C1", "delivery": 7})
    line = stream.getvalue()
    assert len(line) < MAX_MESSAGE + MAX_EXCEPTION + 2 * MAX_FIELD + 500
    assert "characters cut]" in line and "the end" in line  # a traceback keeps its end
    if json_format:
        record = json.loads(line)
        assert len(record["user"]) < MAX_FIELD + 40 and record["channel"] == "C1" and record["delivery"] == 7
        assert len(record["message"]) < MAX_MESSAGE + 40


def test_a_broken_format_string_still_logs_one_line(stream: io.StringIO) -> None:
    setup_logging(stream=stream)
    fmt = "two %s %s"  # a mistake in someone's code, not caught by a linter here
    logging.getLogger("mltip.test").warning(fmt, "one")
    [line] = stream.getvalue().splitlines()
    assert "two %s %s" in line
