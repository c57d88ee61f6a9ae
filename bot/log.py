"""Logging set-up: one line per event, text or JSON, with chat tokens masked everywhere."""

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
MASK = "[masked]"


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with anything that looks like a token, and each of `secrets`, replaced by a mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for pattern in TOKEN_PATTERNS:
        text = pattern.sub(MASK, text)
    return text


class SecretMaskingFilter(logging.Filter):
    """Rewrites every record so no token survives into any handler's output."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = mask_secrets(message, self.secrets)
        record.args = None
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text, self.secrets)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with any `extra=` context fields kept."""

    STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}

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
        return json.dumps(data, default=str, ensure_ascii=False)


def setup_logging(
    *, json_format: bool = False, secrets: Iterable[str] = (), level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    """Send logs to stderr (or `stream`), masked, as text or JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(SecretMaskingFilter(secrets))
    handler.setFormatter(
        JsonFormatter() if json_format else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
