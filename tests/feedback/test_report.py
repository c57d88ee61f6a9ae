"""`mltip report --json`: every workspace's votes, unanswered questions and daily posts, in the
shape the issue fixes: {"lessons": [{"id", "up", "down"}], "unanswered": [{"question", "count"}],
"deliveries": {"delivered", "unknown", "failed", "skipped"}}."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.core.feedback import Verdict
from bot.store import SkipReason, Store
from tests.store.helpers import NOW, channel, subscribe
from tests.support.databases import sqlite_url
from tests.test_cli import mltip


def seed(store: Store) -> None:
    for workspace, voter, lesson, verdict in [
        ("T1", "a", "bourke-math-you-need", Verdict.UP),
        ("T2", "b", "bourke-math-you-need", Verdict.UP),
        ("T1", "c", "iglovikov-kaggle-worth-it", Verdict.DOWN),
    ]:
        store.votes.cast(
            platform="slack", workspace_id=workspace, voter=voter, lesson_id=lesson, verdict=verdict, now=NOW
        )
    store.votes.cast(
        platform="discord",
        workspace_id="G1",
        voter="d",
        lesson_id="iglovikov-kaggle-worth-it",
        verdict=Verdict.UP,
        now=NOW - timedelta(days=400),
    )
    for workspace in ("T1", "T2"):
        store.questions.record(platform="slack", workspace_id=workspace, question="pizza recipe", now=NOW)
    store.questions.record(platform="slack", workspace_id="T1", question="visa", now=NOW)
    subscription = subscribe(store, channel("C1"))
    store.ledger.record_skipped(subscription.id, date(2024, 7, 14), NOW, SkipReason.DOWNTIME)


def test_report_json_has_exactly_the_agreed_shape_across_workspaces(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    with Store.open(url) as store:
        seed(store)
    result = mltip("report", "--json", env={"MLTIP_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report == {
        "lessons": [
            {"id": "iglovikov-kaggle-worth-it", "up": 1, "down": 1},
            {"id": "bourke-math-you-need", "up": 2, "down": 0},
        ],
        "unanswered": [{"question": "pizza recipe", "count": 2}, {"question": "visa", "count": 1}],
        "deliveries": {"delivered": 0, "unknown": 0, "failed": 0, "skipped": 1},
    }
    # The command uses the real clock: a window that reaches back to NOW but not 400 days before it.
    days = str((datetime.now(UTC) - NOW).days + 30)
    recent = json.loads(mltip("report", "--since", days, "--json", env={"MLTIP_DATABASE_URL": url}).stdout)
    assert recent["lessons"][0] == {"id": "iglovikov-kaggle-worth-it", "up": 0, "down": 1}  # the old 👍 is out
    text = mltip("report", env={"MLTIP_DATABASE_URL": url})
    assert "Is Kaggle worth it?" in text.stdout and "pizza recipe" in text.stdout and "1 skipped" in text.stdout
    refused = mltip("report", "--since", "zero", env={"MLTIP_DATABASE_URL": url})
    assert refused.returncode == 2 and "whole number of days" in refused.stderr
