"""Errors the bot raises on purpose, each with a message meant for a person.

    BotError                  anything we raise on purpose; str() is the user-facing message
    ├── ContentError          lesson content is invalid; .problems lists every file:line: message
    ├── ConfigError           the environment describes a setup that cannot work
    ├── CommandError          a chat or CLI command that cannot be carried out (bad time zone, ...)
    └── DeliveryError         a post to a channel failed; the subclass says what to do next
        ├── TransientDeliveryError   5xx, timeouts, connection errors: retry with backoff
        ├── ChannelDeliveryError     the channel is gone or closed to us: pause that subscription
        ├── InstallationError        the token is revoked or invalid: pause the whole workspace/guild
        └── UnknownOutcomeError      the request left but no answer came: never resend blindly

Anything else that escapes is a bug: adapters catch it in their one error hook, apologise to the
user and log it with context.
"""

from __future__ import annotations

from dataclasses import dataclass


class BotError(Exception):
    """Base of every error raised on purpose."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentProblem:
    """One problem in one content file, located for an editor."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(BotError):
    """Content failed validation; the bot refuses to serve a part of it."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in lesson content:\n{shown}")


class ConfigError(BotError):
    """The configuration cannot work; the message says what to change."""


class CommandError(BotError):
    """A command that cannot be carried out; the message is shown to the user as is."""


class DeliveryError(BotError):
    """Posting to a channel failed; `reason` is the platform's own error code or status."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(reason)


class TransientDeliveryError(DeliveryError):
    """Worth retrying after a pause (5xx, timeout before the request left, rate limit)."""


class ChannelDeliveryError(DeliveryError):
    """The channel cannot take our posts (not found, archived, not a member, 403/404)."""


class InstallationError(DeliveryError):
    """The bot's install is gone (invalid_auth, token_revoked, account_inactive, 401)."""


class UnknownOutcomeError(DeliveryError):
    """The request was sent but its outcome is unknown; resending might post twice."""
