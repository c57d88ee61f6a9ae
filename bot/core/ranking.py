"""One ranking from two rankers, and the line below which no lesson is close enough to offer.

Keywords (FTS5/BM25, bot/core/search.py) are precise when the question uses a lesson's words;
the semantic ranker (bot/core/semantic.py) also finds lessons that say it differently. It reads
the question and the lessons without their stop words (`content_text`): averaged over every
token, "how do I write a cover letter" sits close to every "how do I ..." a lesson answers. The
scores are fused linearly, after squashing BM25 (unbounded, larger for longer questions) into
0..1 as s / (s + half), and the share of the question's words that no lesson uses in any form
(`LessonIndex.unknown_share`: pizza, visa, optuna, salary) is taken off:

    score = semantic_weight * cosine + (1 - semantic_weight) * bm25 / (bm25 + bm25_half)
            - unknown_penalty * unknown_share

The semantic ranker also reads content/scope.yaml, short descriptions of subjects no lesson
covers (written from what the sources leave out, never from test questions), in an index of its
own so that the lessons' table is computed and cached as before. A question at least
as close to one of them as to every lesson loses OUTSIDE_PENALTY, which puts it below any
cut-off. On the tuning part no answerable question came within 0.046 of that line (the closest:
0.046 nearer a lesson than a subject left out) and none on the per-source set within 0.14; the
subjects alone refuse 24 of the 56 off-topic tuning questions, every one of which the score
below already refused, so the tuning part's figures do not move: it is a guard for subjects the
lessons' vocabulary happens to share.

A linear fusion beat reciprocal rank fusion on our tuning questions because it keeps how
strongly each ranker matched, not only the order, and it gives one score whose size means
something. When the best lesson scores below `cutoff` the bot says it has no lesson on that;
when it answers, the next matches (Another) may score up to `follow` less, since a question
close to one lesson is usually about its neighbours too.

The numbers come from the tuning part of tests/relevance/everyday/ (`python -m
tests.relevance.evaluate --curve`); bench/NOTES.md has the figures, the held-out part's included.
- semantic_weight 0.65, bm25_half 5: ranking alone (nothing refused), tuning MRR 0.962, within
  0.001 of the best of a grid over 0.55-0.8 and 3-12; 0.960 on the older per-source set.
- unknown_penalty 0.3: a question half of whose words no lesson uses loses 0.15. At the cut-off
  below it raises the off-topic questions refused on the tuning part from 0.79 to 0.89 and
  refuses no more on-topic ones; 0.4 and more gain nothing and start to refuse on-topic
  questions in words the lessons happen not to use ("hal's take on phd").
- cutoff 0.44: the on-topic tuning questions score 0.455 and up but one, a long question in words
  the lessons lack ("a small country without tech opportunities", 0.32); most off-topic ones score
  lower. Keywords alone (the fallback) reach 0.46 and up, so their cut-off is 0.45.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.lessons import Lesson, OutOfScope
from bot.core.search import STOP_WORDS, LessonIndex, SearchHit
from bot.core.semantic import build_index
from bot.core.text import words


@dataclass(frozen=True, slots=True, kw_only=True)
class Calibration:
    """How the scores combine, and the least score that counts as an answer."""

    semantic_weight: float
    bm25_half: float
    cutoff: float
    unknown_penalty: float = 0.3
    follow: float = 0.1
    # How much closer than to every lesson a question must be to a subject the lessons leave out
    # (content/scope.yaml) to be refused; 0: merely closer.
    outside_margin: float = 0.0


# Taken off every lesson's score when a question is about a subject the lessons leave out: far
# below any cut-off, so it is refused, yet the order (and --curve) still shows how close it was.
OUTSIDE_PENALTY = 1.0

# Both rankers. Recalibrate (and re-run the relevance tests) whenever lessons gain or change asks.
FUSED = Calibration(semantic_weight=0.65, bm25_half=5.0, cutoff=0.44)
# The fallback when the semantic model cannot load.
KEYWORDS_ONLY = Calibration(semantic_weight=0.0, bm25_half=5.0, cutoff=0.45)
# The semantic ranker alone; only the evaluation uses it, to show what each part contributes.
MEANING_ONLY = Calibration(semantic_weight=1.0, bm25_half=5.0, cutoff=0.32)


def lesson_texts(lesson: Lesson) -> tuple[str, ...]:
    """What the semantic ranker compares a question with: its title, advice, quote and asks, each alone."""
    return (lesson.title, f"{lesson.title}. {lesson.text}", lesson.quote, *lesson.asks)


def content_text(text: str) -> str:
    """`text` without its stop words, each kept word as written ("What's a good PhD?" -> "good PhD?")."""
    return " ".join(part for part in text.split() if not all(w in STOP_WORDS for w in words(part)))


class Ranker:
    """Scores every lesson for a question with both rankers (or keywords alone, as a fallback)."""

    def __init__(
        self,
        lessons: Sequence[Lesson],
        *,
        outside: Sequence[OutOfScope] = (),
        index: LessonIndex | None = None,
        semantic: bool = True,
        calibration: Calibration | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.lessons = tuple(lessons)
        self.index = index or LessonIndex(self.lessons)
        if self.index.lessons != self.lessons:
            raise ValueError("the keyword index must hold the same lessons, in the same order")
        texts = [tuple(content_text(text) for text in lesson_texts(lesson)) for lesson in self.lessons]
        self.semantic = build_index(texts, cache_dir) if semantic else None
        # The subjects no lesson covers, in an index of their own: the lessons' table (the costly
        # one to compute) stays the same whatever the scope, so it is shared and cached as before.
        about = [tuple(content_text(text) for text in scope.about) for scope in outside]
        self.outside = build_index(about, cache_dir) if self.semantic is not None and about else None
        self.calibration = calibration or (FUSED if self.semantic is not None else KEYWORDS_ONLY)

    def scored(self, question: str, limit: int | None = None) -> list[SearchHit]:
        """The `limit` best lessons (default all) with their scores, best first; ties keep content order."""
        weight, half = self.calibration.semantic_weight, self.calibration.bm25_half
        doubt = self.calibration.unknown_penalty * self.index.unknown_share(question)
        # Lists by lesson position, no objects per lesson: this runs for every question not remembered.
        scores = [0.0] * len(self.lessons)
        for row, s in self.index.scores(question).items():
            scores[row] = (1 - weight) * (s / (s + half))
        if self.semantic is not None and weight:
            ids = self.semantic.token_ids(content_text(question))
            inside = self.semantic.similarities_of(ids)
            scores = [score + weight * meaning for score, meaning in zip(scores, inside, strict=True)]
            outside = self.outside.similarities_of(ids) if self.outside is not None else ()
            if outside and max(outside) >= max(inside) + self.calibration.outside_margin:
                doubt += OUTSIDE_PENALTY
        best = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[:limit]  # stable: ties keep order
        return [SearchHit(lesson=self.lessons[n], score=scores[n] - doubt) for n in best]

    def rank(self, question: str, limit: int) -> list[SearchHit]:
        """The lessons close enough to answer `question`, best first; empty when none is."""
        hits = self.scored(question, limit)
        if not hits or hits[0].score < self.calibration.cutoff:
            return []
        line = self.calibration.cutoff - self.calibration.follow
        return [hit for hit in hits if hit.score >= line]
