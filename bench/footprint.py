"""Footprint: cold start of `mltip tip` beside the bare interpreter, and beside importing yaml."""

from __future__ import annotations

import os
import sys
import tempfile

from bench.common import Figure, Report, median_time


def run(report: Report) -> None:
    print("footprint", flush=True)
    mltip = os.path.join(os.path.dirname(sys.executable), "mltip")
    with tempfile.TemporaryDirectory() as cache_home:
        os.environ["XDG_CACHE_HOME"] = cache_home  # a cache of our own, warmed by the first run
        median_time([mltip, "tip"], runs=1)
        bare = median_time([sys.executable, "-c", "pass"])
        with_yaml = median_time([sys.executable, "-c", "import yaml"])
        tip = median_time([mltip, "tip"])
        del os.environ["XDG_CACHE_HOME"]
    report.add(
        Figure(
            "footprint", "mltip tip cold start vs python -c pass", tip * 1000, bare * 1000, "ms", "< 4x", tip < 4 * bare
        )
    )
    report.add(
        Figure(
            "footprint",
            "mltip tip cold start vs python -c 'import yaml'",
            tip * 1000,
            with_yaml * 1000,
            "ms",
            "-",
            True,
        )
    )
