"""Logging set-up: one line per event, text or JSON, with secrets masked and every value made safe.

Whatever a record carries (its message, its `extra=` fields, its traceback) passes through
`SafeRecordFilter` before any handler writes it:

- secrets are masked: anything that looks like a chat token, the configured secrets, and the
  one-time OAuth codes and states of Slack's install flow (libraries write them into messages);
- each value is capped (MAX_MESSAGE, MAX_FIELD, MAX_EXCEPTION characters), so no single request
  can make the bot write more than a few kilobytes;
- control characters are escaped by the formatter: in text each is written visibly (`\\n`,
  `\\x1b`), so a record is always exactly one line and nothing a user typed can start a line of
  its own or drive a terminal; in JSON each is a JSON escape (`\\n`, `\\u001b`, `\\u0085`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

# Slack tokens (xoxb-, xoxp-, xapp-, ...), Discord bot tokens (id.timestamp.hmac) and signing secrets
# passed explicitly. A token that reaches a log file is a token that leaks.
TOKEN_PATTERNS = (
    re.compile(r"\bxox[abeoprs]-[A-Za-z0-9-]{6,}"),
    re.compile(r"\bxapp-[A-Za-z0-9-]{6,}"),
    re.compile(r"\b[MNO][A-Za-z0-9_-]{20,30}\.[A-Za-z0-9_-]{5,7}\.[A-Za-z0-9_-]{25,45}\b"),
)
# OAuth codes and states as libraries write them: `code: X`, `state=X`, `"code": "X"`. A code that
# failed to exchange can still be redeemed; a value has 8+ characters and a digit ("exit code: 1"
# and "state: running" are left alone).
OAUTH_SECRET = re.compile(r"""\b((?:code|state)(?:\s*[:=]\s*|["']\s*:\s*["']))(?=[^\s&,'"]*\d)[^\s&,'"]{8,}""")
MASK = "[masked]"
# At most this many characters of each part of a record (before escaping, which can lengthen a
# control character to six): a message, each extra= field, and a traceback (whose end is kept:
# that is where the error is).
MAX_MESSAGE = 2_000
MAX_FIELD = 256
MAX_EXCEPTION = 8_000
# Control characters: C0, DEL, C1, the line and paragraph separators, and the bidirectional
# controls that reorder how a line displays.
CONTROLS = (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
# Text: each made visible (\n, \r, \t, \x1b, \u2028). JSON: json.dumps escapes C0 itself; the
# rest become JSON escapes too (\u0085), so a decoded value is exactly what was logged.
TEXT_ESCAPES = {
    code: {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    for code in CONTROLS
}
JSON_ESCAPES = {code: f"\\u{code:04x}" for code in CONTROLS if code >= 0x20}


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with anything that looks like a token, and each of `secrets`, replaced by a mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for pattern in TOKEN_PATTERNS:
        text = pattern.sub(MASK, text)
    if "code" in text or "state" in text:
        text = OAUTH_SECRET.sub(rf"\1{MASK}", text)
    return text


def cap(text: str, limit: int, *, keep_end: bool = False) -> str:
    """`text` cut to about `limit` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    return f"[{cut} characters cut]…{text[-limit:]}" if keep_end else f"{text[:limit]}…[{cut} characters cut]"


class SafeRecordFilter(logging.Filter):
    """Masks secrets in every record and caps every value, so no handler writes either."""

    STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self._safe(message, MAX_MESSAGE)
        record.args = None
        if record.exc_text:
            record.exc_text = self._safe(record.exc_text, MAX_EXCEPTION, keep_end=True)
        if record.stack_info:
            record.stack_info = self._safe(record.stack_info, MAX_EXCEPTION, keep_end=True)
        for key, value in list(record.__dict__.items()):
            if key not in self.STANDARD and not isinstance(value, int | float | bool | None):
                record.__dict__[key] = self._safe(str(value), MAX_FIELD)
        return True

    def _safe(self, text: str, limit: int, *, keep_end: bool = False) -> str:
        return cap(mask_secrets(text, self.secrets), limit, keep_end=keep_end)


SecretMaskingFilter = SafeRecordFilter  # its name before it also capped values


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message`, the traceback (if any) after ` | `, all on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{self.formatTime(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for extra in (record.exc_text, record.stack_info):
            if extra:
                line += " | " + extra
        return line.translate(TEXT_ESCAPES)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with any `extra=` context fields kept."""

    STANDARD = SafeRecordFilter.STANDARD

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in record.__dict__.items() if k not in self.STANDARD})
        if record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        return json.dumps(data, default=str, ensure_ascii=False).translate(JSON_ESCAPES)


def setup_logging(
    *, json_format: bool = False, secrets: Iterable[str] = (), level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    """Send logs to stderr (or `stream`), masked, capped and escaped, as text or JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(SafeRecordFilter(secrets))
    handler.setFormatter(JsonFormatter() if json_format else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
