"""How well search answers everyday questions, and how honestly it refuses the rest.

    python -m tests.relevance.evaluate             # BM25, semantic and fused, tuning and held-out parts
    python -m tests.relevance.evaluate --misses    # and what went wrong, outside the held-out part
    python -m tests.relevance.evaluate --curve     # refusal rates for cut-offs near the calibrated one

The everyday questions (everyday/answerable.yaml, everyday/unanswerable.yaml) split into a tuning
part and a held-out part by a hash of each question's text. Calibrate bot/core/ranking.py on the
tuning part only; the held-out part then says whether the calibration holds for questions it
never saw. The per-source files beside this one are the older set, phrased closer to the lessons.

Metrics count what the user gets: a refused answerable question is a miss at every rank.
hit@k: the share of answerable questions with a right lesson among the first k; MRR: the mean of
1/rank of the first right lesson (0 past rank 10); wrongly refused: answerable questions told
"I don't have a lesson on that"; off-topic refused: unanswerable questions told so.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.library import BUILTIN_CONTENT, Library
from bot.core.loading import load_library
from bot.core.ranking import FUSED, KEYWORDS_ONLY, MEANING_ONLY, Ranker

HERE = Path(__file__).resolve().parent
EVERYDAY = HERE / "everyday"
HELD_OUT_PERCENT = 30
DEPTH = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    question: str
    expected: frozenset[str]  # empty: no lesson answers it


@dataclass(frozen=True, slots=True, kw_only=True)
class Scores:
    answerable: int
    unanswerable: int
    hit_at_1: float
    hit_at_3: float
    mrr: float
    wrongly_refused: float
    off_topic_refused: float
    misses: tuple[str, ...]


def held_out(question: str) -> bool:
    """Whether `question` belongs to the held-out part: stable across runs, machines and edits elsewhere."""
    return int(hashlib.sha256(question.encode()).hexdigest(), 16) % 100 < HELD_OUT_PERCENT


def _cases(path: Path) -> list[Case]:
    return [
        Case(question=str(item["question"]), expected=frozenset(item.get("expected", ())))
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]


def everyday_cases() -> list[Case]:
    """The everyday questions: answerable ones first, then the ones no lesson answers."""
    return _cases(EVERYDAY / "answerable.yaml") + _cases(EVERYDAY / "unanswerable.yaml")


def existing_cases() -> list[Case]:
    """The older relevance set, one file per source."""
    return [case for path in sorted(HERE.glob("*.yaml")) for case in _cases(path)]


def split(cases: Iterable[Case]) -> dict[str, list[Case]]:
    """The tuning and held-out parts."""
    parts: dict[str, list[Case]] = {"tune": [], "held-out": []}
    for case in cases:
        parts["held-out" if held_out(case.question) else "tune"].append(case)
    return parts


def score(ranker: Ranker, cases: Sequence[Case]) -> Scores:
    """Rank every case with `ranker` and add up the metrics."""
    ranks: list[int | None] = []
    refused_answerable = refused_off = 0
    misses = []
    for case in cases:
        found = [hit.lesson.id for hit in ranker.rank(case.question, DEPTH)]
        if not case.expected:
            refused_off += not found
            if found:
                misses.append(f"answered off-topic {case.question!r} with {found[0]}")
            continue
        refused_answerable += not found
        rank = next((n for n, lesson_id in enumerate(found, start=1) if lesson_id in case.expected), None)
        ranks.append(rank)
        if rank != 1:
            what = "refused" if not found else f"got {found[:3]}"
            misses.append(f"{'rank ' + str(rank) if rank else 'missed'} {case.question!r}: {what}")
    answerable, unanswerable = len(ranks), len(cases) - len(ranks)
    return Scores(
        answerable=answerable,
        unanswerable=unanswerable,
        hit_at_1=sum(r == 1 for r in ranks) / max(answerable, 1),
        hit_at_3=sum(r is not None and r <= 3 for r in ranks) / max(answerable, 1),
        mrr=sum(1 / r for r in ranks if r) / max(answerable, 1),
        wrongly_refused=refused_answerable / max(answerable, 1),
        off_topic_refused=refused_off / max(unanswerable, 1),
        misses=tuple(misses),
    )


def rankers(library: Library) -> dict[str, Ranker]:
    """BM25 alone, the semantic ranker alone, and both fused (what the bot uses), each calibrated."""
    keywords = Ranker(library.lessons, semantic=False, calibration=KEYWORDS_ONLY)
    return {
        "bm25": keywords,
        "semantic": Ranker(library.lessons, outside=library.outside, index=keywords.index, calibration=MEANING_ONLY),
        "fused": Ranker(library.lessons, outside=library.outside, index=keywords.index, calibration=FUSED),
    }


def report(library: Library, *, show_misses: bool = False) -> dict[tuple[str, str], Scores]:
    """Print the table (and misses, never the held-out part's); return every cell, keyed by (ranker, part)."""
    results: dict[tuple[str, str], Scores] = {}
    parts = {**split(everyday_cases()), "existing set": existing_cases()}
    print(
        f"{'ranker':9} {'part':13} {'n':>7} {'hit@1':>6} {'hit@3':>6} {'MRR':>6} {'off-topic refused':>18} "
        f"{'wrongly refused':>16}"
    )
    for name, ranker in rankers(library).items():
        for part, cases in parts.items():
            found = results[name, part] = score(ranker, cases)
            off = f"{found.off_topic_refused:.3f}" if found.unanswerable else "-"
            print(
                f"{name:9} {part:13} {found.answerable:>3}+{found.unanswerable:<3} {found.hit_at_1:6.3f} "
                f"{found.hit_at_3:6.3f} {found.mrr:6.3f} {off:>18} {found.wrongly_refused:16.3f}"
            )
            for miss in found.misses if show_misses and part != "held-out" else ():
                print(f"    {miss}")
    return results


def curve(library: Library, name: str = "fused", steps: int = 12) -> None:
    """On the tuning part: the share of answerable and off-topic questions each cut-off would refuse."""
    ranker = rankers(library)[name]
    tops: dict[bool, list[float]] = {True: [], False: []}
    for case in split(everyday_cases())["tune"]:
        hits = ranker.scored(case.question)
        tops[bool(case.expected)].append(hits[0].score if hits else 0.0)
    now = ranker.calibration.cutoff
    print(f"{name}, tuning part: lowest answerable top scores {sorted(tops[True])[:5]}")
    for n in range(-steps // 2, steps // 2 + 1):
        cut = round(now + n * 0.01, 3)
        wrong = sum(s < cut for s in tops[True]) / len(tops[True])
        right = sum(s < cut for s in tops[False]) / len(tops[False])
        print(f"  cut-off {cut:.2f}: answerable refused {wrong:.3f}, off-topic refused {right:.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.relevance.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="list what went wrong (not in the held-out part)")
    parser.add_argument("--curve", metavar="RANKER", nargs="?", const="fused", help="refusal rates per cut-off")
    args = parser.parse_args(argv)
    library = load_library([BUILTIN_CONTENT])
    if args.curve:
        curve(library, args.curve)
        return 0
    report(library, show_misses=args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
