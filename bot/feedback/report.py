"""`mltip report`: what people across every workspace say of the lessons, for whoever edits them.

    {"lessons": [{"id", "up", "down"}...],            every voted lesson, least helpful first
     "unanswered": [{"question", "count"}...],         most asked first (kept MLTIP_QUESTION_RETENTION_DAYS)
     "deliveries": {"delivered", "unknown", "failed", "skipped"}}

With `since` (days), only votes cast or changed, questions asked and posts due in that many days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.core.library import Library
from bot.store import Store


def build_report(store: Store, *, now: datetime, since_days: int | None = None) -> dict[str, Any]:
    """The report as the JSON object above."""
    since = now - timedelta(days=since_days) if since_days is not None else None
    tallies = store.votes.tallies(since=since)
    order = sorted(tallies.items(), key=lambda item: (item[1].up - item[1].down, -item[1].down, item[0]))
    questions = store.questions.most_asked(since=since.date() if since else None)
    return {
        "lessons": [{"id": lesson_id, "up": tally.up, "down": tally.down} for lesson_id, tally in order],
        "unanswered": [{"question": q.question, "count": q.count} for q in questions],
        "deliveries": store.outcomes.totals(since.date() if since else None),
    }


def report_text(report: dict[str, Any], library: Library, since_days: int | None) -> str:
    """The report for a terminal: votes with titles, the questions, the delivery counts."""
    span = f"the last {since_days} days" if since_days is not None else "everything recorded"
    lines = [f"mltip report: {span}, every workspace", "", "Votes (👍 / 👎), least helpful first:"]
    for entry in report["lessons"]:
        lesson = library.by_id.get(entry["id"])
        title = lesson.title if lesson is not None else "(no longer a lesson)"
        lines.append(f"  {entry['up']:>4} / {entry['down']:<4} {entry['id']}  {title}")
    if not report["lessons"]:
        lines.append("  none yet")
    lines += ["", "Asked, not answered (or the answer got 👎), most asked first:"]
    lines += [f"  {entry['count']:>4}  {entry['question']}" for entry in report["unanswered"]] or ["  none"]
    deliveries = report["deliveries"]
    lines += ["", "Daily posts: " + ", ".join(f"{n} {outcome}" for outcome, n in deliveries.items())]
    return "\n".join(lines)
