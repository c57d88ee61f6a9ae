"""One ranking from two rankers, and the line below which no lesson is close enough to offer.

Keywords (FTS5/BM25, bot/core/search.py) are precise when the question uses a lesson's words;
the semantic ranker (bot/core/semantic.py) also finds lessons that say it differently. Their
scores are fused linearly, after squashing BM25 (unbounded, larger for longer questions) into
0..1 as s / (s + half):

    score = semantic_weight * cosine + (1 - semantic_weight) * bm25 / (bm25 + bm25_half)

A linear fusion beat reciprocal rank fusion on our tuning questions (MRR 0.89 against 0.83-0.86)
because it keeps how strongly each ranker matched, not only the order, and it gives one score
whose size means something. When the best lesson scores below `cutoff` the bot says it has no
lesson on that; when it answers, the next matches (Another) may score up to `follow` less, since
a question close to one lesson is usually about its neighbours too. The numbers come from
`python -m tests.relevance.evaluate --curve` on the tuning part of tests/relevance/everyday/;
bench/RESULTS.md has the figures for the held-out part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.lessons import Lesson
from bot.core.search import LessonIndex, SearchHit
from bot.core.semantic import build_index


@dataclass(frozen=True, slots=True, kw_only=True)
class Calibration:
    """How the two scores combine, and the least fused score that counts as an answer."""

    semantic_weight: float
    bm25_half: float
    cutoff: float
    follow: float = 0.1


# Both rankers. Recalibrate (and re-run the relevance tests) whenever lessons gain or change asks.
FUSED = Calibration(semantic_weight=0.65, bm25_half=5.0, cutoff=0.38)
# The fallback when the semantic model cannot load.
KEYWORDS_ONLY = Calibration(semantic_weight=0.0, bm25_half=5.0, cutoff=0.44)
# The semantic ranker alone; only the evaluation uses it, to show what each part contributes.
MEANING_ONLY = Calibration(semantic_weight=1.0, bm25_half=5.0, cutoff=0.32)


def lesson_texts(lesson: Lesson) -> tuple[str, ...]:
    """What the semantic ranker compares a question with: its title, advice, quote and asks, each alone."""
    return (lesson.title, f"{lesson.title}. {lesson.text}", lesson.quote, *lesson.asks)


class Ranker:
    """Scores every lesson for a question with both rankers (or keywords alone, as a fallback)."""

    def __init__(
        self,
        lessons: Sequence[Lesson],
        *,
        index: LessonIndex | None = None,
        semantic: bool = True,
        calibration: Calibration | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.lessons = tuple(lessons)
        self.index = index or LessonIndex(self.lessons)
        texts = [lesson_texts(lesson) for lesson in self.lessons]
        self.semantic = build_index(texts, cache_dir) if semantic else None
        self.calibration = calibration or (FUSED if self.semantic is not None else KEYWORDS_ONLY)

    def scored(self, question: str, limit: int | None = None) -> list[SearchHit]:
        """The `limit` best lessons (default all) with their fused scores, best first; ties keep content order."""
        weight, half = self.calibration.semantic_weight, self.calibration.bm25_half
        keywords = {hit.lesson.id: hit.score for hit in self.index.search(question, len(self.lessons))}
        scores = [(1 - weight) * (s / (s + half)) if (s := keywords.get(x.id, 0.0)) else 0.0 for x in self.lessons]
        if self.semantic is not None and weight:
            meanings = self.semantic.similarities(question)
            scores = [score + weight * meaning for score, meaning in zip(scores, meanings, strict=True)]
        best = sorted(range(len(scores)), key=lambda n: -scores[n])[:limit]
        return [SearchHit(lesson=self.lessons[n], score=scores[n]) for n in best]

    def rank(self, question: str, limit: int) -> list[SearchHit]:
        """The lessons close enough to answer `question`, best first; empty when none is."""
        hits = self.scored(question, limit)
        if not hits or hits[0].score < self.calibration.cutoff:
            return []
        line = self.calibration.cutoff - self.calibration.follow
        return [hit for hit in hits if hit.score >= line]
