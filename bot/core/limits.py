"""What a question (anything typed after /mltip) may be, and the reply when it is more.

The longest question in the relevance set (tests/relevance/) is 93 characters and 20 words; the
caps leave five times that for a question with its context. More words only dilute the ranking,
and each costs a typo lookup. The platforms let far more through (a Discord string option holds
up to 6,000 characters; Slack documents no cap on a slash command's text below its 40,000 for a
message), so these caps are ours. The README's Security > Limits says the same.
"""

from __future__ import annotations

from bot.errors import CommandError

MAX_QUESTION_CHARS = 500
MAX_QUESTION_WORDS = 100
EXAMPLE_QUESTION = "/mltip is kaggle worth it"


def too_long(size: str) -> str:
    """The reply to a question of `size` ('1,234 characters') past the caps."""
    return (
        f"That is too long for /mltip: {size}, and it takes at most {MAX_QUESTION_CHARS} characters and "
        f"{MAX_QUESTION_WORDS} words. Ask in a sentence or two, e.g. {EXAMPLE_QUESTION}."
    )


def check_length(text: str) -> None:
    """CommandError, saying the caps, when `text` is longer than any question needs to be."""
    chars = len(text.strip())
    if chars > MAX_QUESTION_CHARS:
        raise CommandError(too_long(f"{chars:,} characters"))
    if (count := len(text.split())) > MAX_QUESTION_WORDS:
        raise CommandError(too_long(f"{count:,} words"))
