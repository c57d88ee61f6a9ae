"""What a question gets when no lesson (or no further lesson) is close: an honest no.

The reply says so, names the topics the lessons do cover, and offers a random lesson behind a
button, so a lesson is never passed off as the answer to a question it does not answer. The
button is an ordinary Another press for a random lesson (`another|~|`): short, and understood by
any later process, so it keeps working after a restart.
"""

from __future__ import annotations

import functools

from bot.core.lessons import Lesson, Topic
from bot.core.library import Library
from bot.core.replies import Action, ActionKind, Reply

RANDOM_LESSON = Action(kind=ActionKind.ANOTHER, label="Show me a random lesson", payload="another|~|")
NO_LESSON = "I don't have a lesson on that"


def covered_topics(library: Library) -> str:
    """'learning, career, …': every topic that has lessons, in taxonomy order."""
    return _covered(library.lessons)


@functools.lru_cache(maxsize=8)  # content never changes while the bot runs
def _covered(lessons: tuple[Lesson, ...]) -> str:
    used = {topic for lesson in lessons for topic in lesson.topics}
    return ", ".join(topic.value for topic in Topic if topic in used)


def _topics_text(library: Library) -> str:
    return (
        f"My {len(library.lessons)} lessons cover {covered_topics(library)}. "
        "Ask about one of them (e.g. /mltip kaggle), or see /mltip topics."
    )


def nothing_close(library: Library, query: str) -> Reply:
    """No lesson is close to `query`."""
    return Reply(
        title=NO_LESSON,
        note=f"None of my lessons is close to “{query}”.",
        text=_topics_text(library),
        actions=(RANDOM_LESSON,),
    )


def no_more(library: Library, query: str, shown: int) -> Reply:
    """Another was pressed after the last lesson close to `query`."""
    which = "the only lesson" if shown == 1 else f"the last of the {shown} lessons"
    return Reply(
        title="No more lessons on that",
        note=f"That was {which} close to “{query}”.",
        text=_topics_text(library),
        actions=(RANDOM_LESSON,),
    )


def match_note(query: str, rank: int, total: int) -> str | None:
    """The note above the `rank`-th match (0 = best): none on the first, a count on the others."""
    return None if rank == 0 else f"Lesson {rank + 1} of {total} close to “{query}”"
