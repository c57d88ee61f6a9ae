"""What every benchmark shares: timing helpers, a result row, and the RESULTS.md writer."""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"


@dataclass
class Figure:
    """One measured figure beside its floor: `ratio` = value / floor, judged against `target`."""

    bench: str
    name: str
    value: float
    floor: float
    unit: str
    target: str
    ok: bool
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else float("inf")


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        mark = "ok " if figure.ok else "MISS"
        print(
            f"  [{mark}] {figure.name}: {figure.value:.3f} {figure.unit} vs floor {figure.floor:.3f} "
            f"= {figure.ratio:.2f}x (target {figure.target}) {figure.note}",
            flush=True,
        )


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def median_time(command: list[str], runs: int = 15, cwd: Path = ROOT) -> float:
    """Median wall time in seconds of running `command` to completion."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(commands: dict[str, list[str]], runs: int = 15, cwd: Path = ROOT) -> dict[str, float]:
    """Median wall time of each command, run in turns (a, b, c, a, b, c, ...) so that drift in a
    shared machine's load hits every command alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(samples) for name, samples in times.items()}


def time_calls(call: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per call, `repeat` times."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def machine() -> str:
    cpus = len(__import__("os").sched_getaffinity(0))
    return (
        f"{platform.machine()}, {cpus} cores, {platform.system()} {platform.release()}, Python {sys.version.split()[0]}"
    )


def write_results(report: Report, seconds: float) -> None:
    """bench/RESULTS.md: the date, the machine, and every figure with its floor and ratio."""
    lines = [
        "# Benchmark results",
        "",
        f"Run `python -m bench` to measure again. Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"on {machine()}, {seconds:.0f} s in all.",
        "",
        "Every figure is beside a floor measured in the same run, because absolute times on shared",
        "machines drift; the ratio is what is judged.",
        "",
        "| benchmark | figure | value | floor | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in report.figures:
        note = f" ({f.note})" if f.note else ""
        lines.append(
            f"| {f.bench} | {f.name}{note} | {f.value:.3f} {f.unit} | {f.floor:.3f} {f.unit} | "
            f"{f.ratio:.2f}x | {f.target} | {'yes' if f.ok else '**no**'} |"
        )
    notes = RESULTS.parent / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text().rstrip()]
    RESULTS.write_text("\n".join(lines) + "\n")
