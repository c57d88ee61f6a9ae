"""The `/mltip stats` reply: this space's most and least helpful lessons, what nobody answers, and
each subscribed channel's daily posts over the last STATS_DAYS days."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.feedback import Tally, wilson_lower_bound
from bot.core.library import Library
from bot.core.replies import Field, Reply
from bot.core.text import clip
from bot.store import ChannelOutcomes, QuestionCount

STATS_DAYS = 30
SHOWN_LESSONS = 5
SHOWN_CHANNELS = 10
QUESTION_CHARS = 80  # a question as shown; long ones are cut (the report has them whole)
SPACE = {"slack": "workspace", "discord": "server", "console": "console"}
WHO_MAY_SEE = {
    "slack": "workspace admins and owners (and anyone on the bot's admin list)",
    "discord": "members with the Manage Server permission",
}


def _line(library: Library, lesson_id: str, tally: Tally) -> str:
    lesson = library.by_id.get(lesson_id)
    title = f"“{lesson.title}”" if lesson is not None else f"{lesson_id} (no longer a lesson)"
    return f"{title}: 👍 {tally.up} · 👎 {tally.down}"


def lesson_fields(library: Library, tallies: Mapping[str, Tally]) -> list[Field]:
    """The most helpful lessons and the least, each ranked by the low end of its interval (a few
    votes do not top a list); a lesson appears in one list at most."""
    if not tallies:
        return [Field(name="Votes", value="No votes here yet: 👍 Helpful and 👎 Not helpful are under every lesson.")]
    liked = sorted(
        (x for x in tallies.items() if x[1].up), key=lambda x: (-wilson_lower_bound(x[1].up, x[1].up + x[1].down), x[0])
    )[:SHOWN_LESSONS]
    shown = {lesson_id for lesson_id, _ in liked}
    disliked = sorted(
        (x for x in tallies.items() if x[1].down and x[0] not in shown),
        key=lambda x: (-wilson_lower_bound(x[1].down, x[1].up + x[1].down), x[0]),
    )[:SHOWN_LESSONS]
    fields = []
    if liked:
        fields.append(Field(name="Most helpful", value="\n".join(_line(library, *x) for x in liked)))
    if disliked:
        fields.append(Field(name="Least helpful", value="\n".join(_line(library, *x) for x in disliked)))
    return fields


def question_field(questions: Sequence[QuestionCount], retention_days: int) -> Field:
    """The questions asked most here that no lesson answered (or whose answer got 👎)."""
    name = f"Asked here, not answered (last {retention_days} days)"
    if not questions:
        return Field(name=name, value="None: every question had a lesson, and no answer got 👎.")
    lines = [f"“{clip(q.question, QUESTION_CHARS)}” × {q.count}" for q in questions]
    return Field(name=name, value="\n".join(lines))


def channel_field(platform: str, channels: Sequence[ChannelOutcomes]) -> Field:
    """Each subscribed channel's daily posts: delivered, unknown, failed, skipped."""
    name = f"Daily posts, last {STATS_DAYS} days"
    if not channels:
        return Field(name=name, value=f"No channel in this {SPACE.get(platform, 'space')} has a tip of the day.")
    lines = [
        f"channel {c.channel_id}: " + " · ".join(f"{n} {outcome}" for outcome, n in c.counts.items())
        for c in channels[:SHOWN_CHANNELS]
    ]
    if len(channels) > SHOWN_CHANNELS:
        lines.append(f"… and {len(channels) - SHOWN_CHANNELS} more channels")
    return Field(name=name, value="\n".join(lines))


def stats_reply(
    platform: str,
    library: Library,
    *,
    tallies: Mapping[str, Tally],
    questions: Sequence[QuestionCount],
    channels: Sequence[ChannelOutcomes],
    retention_days: int,
) -> Reply:
    """The whole `/mltip stats` answer, private to the admin who asked."""
    space = SPACE.get(platform, "space")
    fields = (
        *lesson_fields(library, tallies),
        question_field(questions, retention_days),
        channel_field(platform, channels),
    )
    text = f"What people in this {space} say of the lessons, and how its tips of the day went."
    return Reply(title=f"mltip stats for this {space}", text=text, fields=fields)
