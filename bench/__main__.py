"""`python -m bench`: run every benchmark, print the figures, write bench/RESULTS.md."""

from __future__ import annotations

import importlib
import sys
import time

from bench.common import Report, write_results

BENCHES = ("search", "footprint", "slack_latency", "discord_latency", "abuse", "fanout", "fairness")


def main(names: list[str]) -> int:
    report = Report()
    start = time.perf_counter()
    for name in names or BENCHES:
        importlib.import_module(f"bench.{name}").run(report)
    if not names:
        write_results(report, time.perf_counter() - start)
        print("wrote bench/RESULTS.md")
    missed = [f for f in report.figures if not f.ok]
    print(f"{len(report.figures) - len(missed)} of {len(report.figures)} figures meet their targets")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
