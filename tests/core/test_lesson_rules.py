"""What a machine can check of the rules for writing a lesson (CONTRIBUTING.md, "Writing a lesson").

Whether a lesson says only what its speaker advised takes a reader with the source open. These
tests catch the mechanical slips: a text that repeats its own quote, padded titles, two lessons of
one source that say the same thing, links that are not https. Each check is also run on a
crafted bad lesson, so a check that stopped catching anything would fail here too.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from itertools import combinations

import pytest

from bot.core.lessons import Lesson, Source, SourceKind, Topic
from bot.core.library import Library
from bot.core.search import STOP_WORDS, SYNONYM_GROUPS, synonym_key
from bot.core.text import fold, words
from bot.core.validation import url_problem

WINDOW = 10  # words of text and quote compared at a time
REPEAT_RATIO = 0.7  # 7 of 10 words the same, in order: the text restates its quote
SHARED_WORDS = 0.5  # half the content words of the shorter lesson: the same point twice
QUOTE_RUN = 6  # words in a row that two quotes of one source share: the same passage twice
VARIANT_LENGTH = 6  # words shorter than this are too often a letter apart by chance (build, built)
ALTERNATIVES = re.compile(r"([a-z0-9]+)\s*(?:/|,?\s+or\s+)\s*([a-z0-9]+)")  # a word offered two ways


def repeated_quote(text: str, quote: str) -> str | None:
    """The stretch of `text` that repeats `quote` nearly word for word, if any."""
    said, quoted = words(text), words(quote)
    size = min(WINDOW, len(said), len(quoted))
    needed = REPEAT_RATIO * size
    for i in range(len(said) - size + 1):
        window = said[i : i + size]
        for j in range(len(quoted) - size + 1):
            other = quoted[j : j + size]
            if len(set(window) & set(other)) < needed:
                continue  # cheap: too few words in common to be a repeat
            if SequenceMatcher(None, window, other, autojunk=False).ratio() >= REPEAT_RATIO:
                return " ".join(window)
    return None


def _edits(a: str, b: str) -> int:
    """Levenshtein distance between two words."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def spelling_variants(a: str, b: str) -> bool:
    """Whether two words are one word spelt two ways (sceptic/skeptic, optimise/optimize)."""
    if min(len(a), len(b)) < VARIANT_LENGTH or synonym_key(a) == synonym_key(b):
        return False
    if a.startswith(b) or b.startswith(a):  # engineer/engineering: another word, not a spelling
        return False
    return _edits(a, b) <= 2


def search_synonyms(a: str, b: str) -> bool:
    """Whether search already takes one word for the other: one heads a synonym group holding both.

    Two members of a group are not synonyms of each other (PyTorch and JAX are both frameworks).
    """
    first, second = synonym_key(a), synonym_key(b)
    for group in SYNONYM_GROUPS:
        keys = {synonym_key(term) for term in group}
        if first != second and {first, second} <= keys and synonym_key(group[0]) in (first, second):
            return True
    return False


def title_padding(title: str) -> list[str]:
    """Every way `title` pads itself with variants or synonyms (search owns those)."""
    found = []
    if "(" in title or ")" in title:
        found.append(f"parentheses in {title!r}: a title says one thing once")
    said = words(title)
    for a, b in combinations(dict.fromkeys(said), 2):
        if spelling_variants(a, b):
            found.append(f"{a!r} and {b!r} are one word spelt two ways")
    for a, b in ALTERNATIVES.findall(fold(title)):  # "PhD or doctorate", "PhD/doctorate"
        if search_synonyms(a, b):
            found.append(f"{a!r} and {b!r}: synonyms, which search already matches")
    return found


def _content_words(lesson: Lesson) -> set[str]:
    name = set(words(lesson.source.speaker))
    said = words(f"{lesson.title} {lesson.text}")
    return {synonym_key(w) for w in said if w not in STOP_WORDS and w not in name and len(w) > 2}


def shared_words(a: Lesson, b: Lesson) -> float:
    """The share of the shorter lesson's content words (title and text) that the other one uses."""
    first, second = _content_words(a), _content_words(b)
    return len(first & second) / max(1, min(len(first), len(second)))


def shared_quote(a: Lesson, b: Lesson) -> str | None:
    """A run of QUOTE_RUN words that both quotes contain, if any."""
    first, second = words(a.quote), words(b.quote)
    runs = {tuple(first[i : i + QUOTE_RUN]) for i in range(len(first) - QUOTE_RUN + 1)}
    return next(
        (" ".join(run) for i in range(len(second)) if (run := tuple(second[i : i + QUOTE_RUN])) in runs),
        None,
    )


def links_of(lesson: Lesson) -> list[str]:
    links = [lesson.source.url, lesson.url, lesson.original_url]
    return [link for link in links if link is not None]


SOURCE = Source(
    id="team", speaker="Ada Example", role="ML engineer", title="Notes", publisher="Wiki", kind=SourceKind.ESSAY
)


def lesson(lesson_id: str, title: str, text: str, quote: str, source: Source = SOURCE) -> Lesson:
    return Lesson(id=lesson_id, title=title, text=text, quote=quote, topics=(Topic.MATH,), source=source)


def test_no_lesson_text_repeats_its_own_quote(library: Library) -> None:
    repeats = [f"{x.id}: {hit!r}" for x in library.lessons if (hit := repeated_quote(x.text, x.quote))]
    assert not repeats, repeats


def test_the_repeat_check_catches_a_quote_reworded_with_two_synonyms() -> None:
    quote = (
        "Knowing at a minimum matrix manipulation, some linear algebra and calculus, particularly the "
        "chain rule is good enough to be a practitioner."
    )
    # A text an earlier version shipped: the quote with two words swapped.
    reworded = (
        "To be an effective practitioner you need matrix operations, some linear algebra and calculus, "
        "especially the chain rule."
    )
    assert "some linear algebra and calculus especially the" in (repeated_quote(reworded, quote) or "")
    said_otherwise = "In his client work everything was code-first, and frameworks covered the maths."
    assert repeated_quote(said_otherwise, quote) is None
    assert repeated_quote(
        "Don't only read books and articles: implement them.", "Don't just read books and articles, implement them."
    )


def test_titles_carry_no_spelling_variants_or_synonym_padding(library: Library) -> None:
    padded = [f"{x.id}: {problem}" for x in library.lessons for problem in title_padding(x.title)]
    assert not padded, padded


@pytest.mark.parametrize(
    "title",
    [
        "Be your own biggest sceptic (skeptic) about good results",
        "Be your own biggest sceptic, or skeptic, about good results",
        "Finishing a PhD or doctorate? Consider data science",
        "Kaggle or competitions: a gym for your skills",
        "Optimise the pipeline; optimize it again",
        "PhD/doctorate: is it worth it?",
        "Research (PhD) or ML engineering?",
    ],
)
def test_the_title_check_catches_padding(title: str) -> None:
    assert title_padding(title)


@pytest.mark.parametrize(
    "title",
    [
        "Be your own biggest sceptic: re-check good results, have your team check",
        "PhD research or ML engineering? Know the roles, then try both early",
        "Researchers and engineers: value what the other side brings",
        "Learning a new concept: read widely, list your questions, ask an expert",
        "Learn a framework like PyTorch or JAX by building, not via a course",
    ],
)
def test_the_title_check_leaves_plain_titles_alone(title: str) -> None:
    assert title_padding(title) == []


def test_no_two_lessons_of_a_source_share_most_of_their_words(library: Library) -> None:
    same = [
        f"{a.id} ~ {b.id}: {shared_words(a, b):.0%}"
        for a, b in combinations(library.lessons, 2)
        if a.source.id == b.source.id and shared_words(a, b) >= SHARED_WORDS
    ]
    assert not same, same


def test_no_two_lessons_of_a_source_quote_the_same_passage(library: Library) -> None:
    same = [
        f"{a.id} ~ {b.id}: {run!r}"
        for a, b in combinations(library.lessons, 2)
        if a.source.id == b.source.id and (run := shared_quote(a, b))
    ]
    assert not same, same


def test_the_duplicate_checks_catch_a_lesson_written_twice() -> None:
    first = lesson(
        "team-read-papers",
        "Read papers every week",
        "Ada reads two papers a week and writes a short summary of each for her team.",
        "I read two papers every week and summarise each of them for the team.",
    )
    again = lesson(
        "team-weekly-papers",
        "Every week, read papers",
        "Each week Ada reads two papers and writes her team a short summary of each one.",
        "Every week I read two papers and summarise each of them for the team.",
    )
    other = lesson(
        "team-ship-small",
        "Ship small models first",
        "Put a simple model in front of users before you polish a complex one.",
        "We shipped the simple thing and learned more in a week than in a quarter.",
    )
    assert shared_words(first, again) >= SHARED_WORDS and shared_quote(first, again)
    assert shared_words(first, other) < SHARED_WORDS and shared_quote(first, other) is None


def test_every_link_is_https(library: Library) -> None:
    bad = [f"{x.id}: {link}" for x in library.lessons for link in links_of(x) if url_problem(link)]
    assert not bad, bad
    assert all(links_of(x) for x in library.lessons)  # and every lesson has one
    for source in library.sources.values():
        assert source.timed_url is None or url_problem(source.timed_url, timed=True) is None, source.id


def test_the_link_check_catches_a_link_that_is_not_https() -> None:
    plain = Source(
        id="team",
        speaker="Ada Example",
        role="ML engineer",
        title="Notes",
        publisher="Wiki",
        kind=SourceKind.ESSAY,
        url="http://wiki.example.org/notes",
        timed_url="http://video.example.org/v?t={seconds}",
    )
    timed = Lesson(
        id="team-x",
        title="t",
        text="x",
        quote="four words right here",
        topics=(Topic.MATH,),
        source=plain,
        timestamp="1:00",
    )
    assert [url_problem(link) is not None for link in links_of(timed)] == [True, True, True]
    assert timed.url == "http://video.example.org/v?t=60"
