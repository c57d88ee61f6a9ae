"""The Grafana dashboard in deploy/grafana/ charts every metric the bot exports, and nothing else."""

from __future__ import annotations

import json
import re

from bot.metrics import Metrics
from tests.support.paths import REPO_ROOT

DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "mltip.json"
SUFFIXES = ("", "_total", "_bucket", "_sum", "_count")


def test_the_dashboard_charts_every_exported_metric_and_only_those() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {name for expr in expressions for name in re.findall(r"\bmltip_[a-z_]+", expr)}
    families = {family.name for family in Metrics().registry.collect()}
    assert "mltip_votes" in families
    exported = {family + suffix for family in families for suffix in SUFFIXES}
    assert used <= exported, used - exported
    assert all(any(name.startswith(family) for name in used) for family in families), families
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


def test_the_readme_points_at_the_dashboard() -> None:
    assert "deploy/grafana/mltip.json" in (REPO_ROOT / "README.md").read_text()
