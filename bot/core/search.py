"""Rank lessons for a free-text question with SQLite's FTS5 (BM25, Porter stemming).

FTS5 does the heavy lifting — stemming ("papers" ~ "paper"), diacritics, BM25 with column
weights. Around it we add what a chat question needs and FTS5 lacks: stop words dropped so
"how do I" matches nothing, the field's synonyms (PhD ~ doctorate), and typo repair ("kagle")
against the corpus vocabulary. The index lives in memory and is built on first use.
"""

from __future__ import annotations

import difflib
import sqlite3
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.lessons import Lesson, Topic
from bot.core.text import words

# Column weights for bm25(): a word in the title or topics says more than one in the quote.
# `asks` holds the questions a lesson answers, in the words people ask them.
COLUMNS = ("title", "topics", "text", "quote", "speaker", "asks")
WEIGHTS = (6.0, 4.0, 2.0, 1.0, 2.0, 3.0)
_BM25 = f"bm25(lesson_fts, {', '.join(str(w) for w in WEIGHTS)})"
MIN_TYPO_LENGTH = 4
SYNONYM_WEIGHT = 0.5
CANDIDATES = 200
REMEMBERED_WORDS = 8192  # corrections kept; a few hundred KB at most

# Words too common to say what a question is about; the fourth line is what contractions leave
# behind ("what's" is what + s), the last the words every lesson here is about anyway.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers him his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours out over own same she should so some
    such than that the their them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    im ive id dont get got go going want wanna really much many also still ever
    s t m d ll re ve
    mltip tip tips advice ml machine""".split()
)

# The field's synonyms: a query word brings in the whole group. Keys are stems we compare
# after lower-casing; values are FTS terms (stemmed again by FTS5's tokenizer). Interviews, CVs
# and resumes are not jobs here: no lesson says how to prepare either, and as synonyms of "job"
# they passed lessons about finding work off as answers to interview questions.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("phd", "doctorate", "doctoral", "doctor"),
    ("kaggle", "competition", "competitions", "kaggler", "leaderboard", "grandmaster"),
    ("deploy", "deployment", "production", "ship", "shipping", "serving", "mlops"),
    ("paper", "papers", "publication", "arxiv"),
    ("research", "researcher", "researchers", "papers"),
    ("job", "jobs", "hire", "hired", "hiring"),
    ("math", "maths", "mathematics", "calculus", "algebra", "statistics"),
    ("beginner", "beginners", "newbie", "novice", "start", "starting"),
    ("burnout", "exhausted", "overwork", "tired"),
    ("portfolio", "github", "projects"),
    ("faang", "google", "amazon", "microsoft", "bigtech"),
    ("mentor", "advisor", "supervisor"),
    ("framework", "frameworks", "pytorch", "tensorflow", "jax", "library"),
    ("explain", "communicate", "communication", "stakeholders"),
    ("dataset", "datasets", "data"),
)


def _one_deletion(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def synonym_key(word: str) -> str:
    """A crude singular, so "papers" and "paper" share their synonyms."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _synonyms() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for group in SYNONYM_GROUPS:
        for term in group:
            key = synonym_key(term)
            table[key] = tuple(dict.fromkeys(table.get(key, ()) + group))
    return table


SYNONYMS = _synonyms()


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchHit:
    """A lesson and how well it matched (higher is better)."""

    lesson: Lesson
    score: float


class LessonIndex:
    """An in-memory FTS5 index over lessons; thread-safe, built once."""

    def __init__(self, lessons: Sequence[Lesson]) -> None:
        self._lessons = tuple(lessons)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            f"CREATE VIRTUAL TABLE lesson_fts USING fts5({', '.join(COLUMNS)}, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self._db.executemany(
            f"INSERT INTO lesson_fts(rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    row,
                    ls.title,
                    " ".join(t.value for t in ls.topics),
                    ls.text,
                    ls.quote,
                    ls.source.speaker,
                    " ".join(ls.asks),
                )
                for row, ls in enumerate(self._lessons)
            ],
        )
        counts = Counter(
            w
            for ls in self._lessons
            for w in words(f"{ls.title} {ls.text} {ls.quote} {ls.source.speaker} {' '.join(ls.asks)}")
        )
        counts.update({term: 1 for group in SYNONYM_GROUPS for term in group} | {t.value: 1 for t in Topic})
        self._counts = counts
        # Each word's correction, and whether it is known, worked out once: a question's words are
        # looked up twice (unknown_share, then fts_queries) and people's words repeat. Guarded by
        # the index's lock, like the connection.
        self._corrections: dict[str, tuple[str, bool]] = {}
        # A word one edit from a known word is at most one letter longer than the longest.
        self._longest_typo = max(map(len, counts), default=0) + 1
        # Symmetric-delete index (as in SymSpell): each word and its one-letter deletions point to
        # the word, so a lookup costs a few dict probes instead of scoring the whole vocabulary.
        self._near: dict[str, set[str]] = {}
        for word in counts:
            if len(word) >= MIN_TYPO_LENGTH:
                for variant in _one_deletion(word) | {word}:
                    self._near.setdefault(variant, set()).add(word)

    def _is_indexed(self, term: str) -> bool:
        row = self._db.execute("SELECT 1 FROM lesson_fts WHERE lesson_fts MATCH ? LIMIT 1", (f'"{term}"',))
        return row.fetchone() is not None

    def correct(self, word: str) -> str:
        """The word itself if the corpus knows it (in any form), else the closest known word.

        Closest means one edit away (a letter missing, extra, wrong or swapped); ties go to the
        more similar, then the more frequent word. Anything further is left alone, since
        "latest" is not a typo of "test". A word longer than any known word plus one letter is
        left alone at once: its deletions cost time and memory quadratic in its length.
        """
        return self._looked_up(word)[0]

    def _looked_up(self, word: str) -> tuple[str, bool]:
        found = self._corrections.get(word)
        if found is None:
            found = self._correct(word)
            if len(self._corrections) >= REMEMBERED_WORDS:
                self._corrections.clear()  # a flood of made-up words costs a rebuild, never unbounded memory
            self._corrections[word] = found
        return found

    def _correct(self, word: str) -> tuple[str, bool]:
        """correct(word), and whether the corpus knows the result in any form."""
        if word in self._counts:
            return word, True
        if not MIN_TYPO_LENGTH <= len(word) <= self._longest_typo:
            return word, self._is_indexed(word)
        if self._is_indexed(word):
            return word, True
        candidates: set[str] = set()
        for variant in _one_deletion(word) | {word}:
            candidates |= self._near.get(variant, set())
        if not candidates:
            return word, False
        best = max(
            sorted(candidates),
            key=lambda c: (difflib.SequenceMatcher(None, word, c).ratio(), self._counts[c]),
        )
        return best, True  # every candidate is a word of the corpus

    def _is_known(self, word: str) -> bool:
        return self._looked_up(word)[1]

    def unknown_share(self, question: str) -> float:
        """The share of the question's words (stop words and numbers aside) that no lesson uses in any form.

        Typos count as known when one edit from a lesson's word. A question about pizza, visas or
        optuna is mostly words the lessons never use; one about the field rarely has any.
        """
        asked = [w for w in dict.fromkeys(words(question)) if w not in STOP_WORDS and not w.isdigit()]
        if not asked:
            return 0.0
        with self._lock:
            unknown = sum(not self._is_known(word) for word in asked)
        return unknown / len(asked)

    def fts_queries(self, question: str) -> tuple[str, str]:
        """FTS5 MATCH expressions for the question's own words and for their synonyms.

        Either may be '' (no word worth searching, or no synonyms).
        """
        own: list[str] = []
        related: list[str] = []
        for typed in dict.fromkeys(words(question)):
            if typed in STOP_WORDS:
                continue
            word = self.correct(typed)
            own.append(f'"{word}"')
            group = SYNONYMS.get(synonym_key(word), ())
            related += [f'"{term}"' for term in group if term != word]
        return " OR ".join(own), " OR ".join(dict.fromkeys(related))

    def _ranked(self, query: str) -> dict[int, float]:
        if not query:
            return {}
        # Only the best CANDIDATES of each query can reach the merged top results in practice;
        # on a large corpus sorting every match would cost more than the ranking itself.
        rows = self._db.execute(
            f"SELECT rowid, {_BM25} AS score FROM lesson_fts WHERE lesson_fts MATCH ? ORDER BY score LIMIT ?",
            (query, CANDIDATES),
        )
        # bm25() is negative, more negative is better; flip it so higher = better.
        return {row: -rank for row, rank in rows}

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        """The lessons indexed, in the order of their rows."""
        return self._lessons

    def scores(self, question: str) -> dict[int, float]:
        """Each matching lesson's BM25 score (higher is better), by its position in `lessons`; unsorted."""
        with self._lock:
            own, related = self.fts_queries(question)
            scores = self._ranked(own)
            # A synonym counts, but less than the word the user typed.
            for row, score in self._ranked(related).items():
                scores[row] = scores.get(row, 0.0) + SYNONYM_WEIGHT * score
        return scores

    def search(self, question: str, limit: int = 5) -> list[SearchHit]:
        """Lessons that match `question`, best first; empty when nothing is close."""
        best = sorted(self.scores(question).items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [SearchHit(lesson=self._lessons[row], score=score) for row, score in best]
