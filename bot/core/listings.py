"""The listings /mltip answers besides lessons: topics, sources and help."""

from __future__ import annotations

from bot.core.daily import DAILY_HELP, ME_HELP
from bot.core.feedback import HELPFUL_LABEL, NOT_HELPFUL_LABEL
from bot.core.lessons import TOPIC_DESCRIPTIONS
from bot.core.library import Library
from bot.core.replies import Field, Reply


def topics_reply(library: Library) -> Reply:
    """`/mltip topics`: every topic, what it covers and how many lessons have it."""
    fields = tuple(
        Field(name=topic.value, value=f"{TOPIC_DESCRIPTIONS[topic]} ({count} lessons)")
        for topic, count in library.topic_counts().items()
    )
    return Reply(title="Topics", text="Ask for any of them with /mltip <topic>.", fields=fields)


def sources_reply(library: Library) -> Reply:
    """`/mltip sources`: who the advice comes from, and where they said it."""
    counts: dict[str, int] = {}
    for lesson in library.lessons:
        counts[lesson.source.id] = counts.get(lesson.source.id, 0) + 1
    fields = tuple(
        Field(name=s.speaker, value=f"{s.role}. “{s.title}”, {s.publisher} ({counts.get(s.id, 0)} lessons)")
        for s in library.sources.values()
    )
    return Reply(title="Sources", text="The practitioners whose advice these lessons distil.", fields=fields)


def help_reply(library: Library) -> Reply:
    """`/mltip help`: every command, in one place."""
    fields = (
        Field(name="/mltip", value="a random lesson"),
        Field(name="/mltip <question>", value="the closest lesson, if one is, e.g. /mltip is kaggle worth it"),
        Field(name="/mltip <topic>", value="a lesson on a topic, e.g. /mltip papers"),
        Field(name="/mltip topics", value="the topics there are"),
        Field(name="/mltip sources", value="who the advice comes from"),
        Field(name=DAILY_HELP[0], value=DAILY_HELP[1]),
        Field(name=ME_HELP[0], value=ME_HELP[1]),
        Field(name="/mltip stats", value="votes, questions no lesson answers and daily posts here (admins)"),
        Field(name="/mltip help", value="this help"),
        Field(
            name="Beyond /mltip",
            value="Slack: the app's Home tab has your lesson for today and the topics to browse; "
            "Find a lesson for this, in a message's menu, answers that message for you alone. "
            "Discord: install mltip for yourself to use /mltip in DMs and any server.",
        ),
    )
    text = (
        f"Career advice for ML engineers: {len(library.lessons)} lessons from practitioners. "
        f"Press {HELPFUL_LABEL} or {NOT_HELPFUL_LABEL} under a lesson to say whether it helped."
    )
    return Reply(title="How to use /mltip", text=text, fields=fields)
