"""Today's lesson for one person: the same all day, another tomorrow, with nothing stored.

The Slack Home tab shows each person a lesson of the day. Picking it at random would change it on
every visit; storing a pick per person would need a table and a clean-up. Instead the lesson is a
function of who and which day: SHA-256 of '<person>|<YYYY-MM-DD>' picks an index into the lessons
sorted by id. SHA-256 rather than hash(), which Python salts per process, so every replica and
every restart agrees. Two people usually get different lessons on the same day, and one person a
new one each day (the same one two days running now and then, as chance has it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from bot.core.lessons import Lesson


def todays_lesson(lessons: Sequence[Lesson], person: str, day: date) -> Lesson:
    """The lesson `person` (a platform-qualified id, e.g. 'slack:T1:U1') gets on `day`."""
    if not lessons:
        raise ValueError("no lessons to pick from")
    ordered = sorted(lessons, key=lambda lesson: lesson.id)
    digest = hashlib.sha256(f"{person}|{day.isoformat()}".encode()).digest()
    return ordered[int.from_bytes(digest[:8], "big") % len(ordered)]
