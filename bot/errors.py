"""Errors the bot raises on purpose, each with a message meant for a person.

    BotError                  anything we raise on purpose; str() is the user-facing message
    ├── ContentError          lesson content is invalid; .problems lists every file:line: message
    ├── ConfigError           the environment describes a setup that cannot work
    └── CommandError          a chat or CLI command that cannot be carried out (bad time zone, ...)

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
