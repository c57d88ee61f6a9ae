"""The answer caches (the engine's, and each platform's renderings) under a flood of distinct questions."""

from __future__ import annotations

import gc
import random
import tracemalloc
from collections.abc import Iterator

from bot.adapters.discord import render as discord_render
from bot.adapters.slack import render as slack_render
from bot.core.cache import RENDERED_CACHE_BYTES, RENDERED_CACHE_SIZE, BoundedCache
from bot.core.commands import SEARCH_CACHE_BYTES, SEARCH_CACHE_SIZE, CommandEngine
from bot.core.library import Library
from bot.core.limits import MAX_QUESTION_CHARS


def distinct_questions(library: Library, seed: int) -> Iterator[str]:
    """Questions at the caps, each new, heavy on what escaping multiplies ('&' is '&amp;' in Slack)."""
    vocabulary = sorted({w for lesson in library.lessons for w in lesson.text.lower().split() if w.isalpha()})
    rng = random.Random(seed)
    while True:
        yield (" ".join(rng.choices(vocabulary, k=60)) + " &<*_" * 40)[:MAX_QUESTION_CHARS]


def ask_and_render(engine: CommandEngine, question: str) -> None:
    """What a platform does with a question and one press of Another."""
    first = engine.run(question)
    for reply in [first, *(engine.press(a.payload, user="x") for a in first.actions[:1])]:
        slack_render.render(reply)
        discord_render.render(reply)


def caches(engine: CommandEngine) -> list[tuple[BoundedCache[object, object], int]]:
    return [
        (engine._best, SEARCH_CACHE_BYTES),  # type: ignore[list-item]
        (engine._replies, SEARCH_CACHE_BYTES),  # type: ignore[list-item]
        (slack_render._rendered, RENDERED_CACHE_BYTES),  # type: ignore[list-item]
        (discord_render._rendered, RENDERED_CACHE_BYTES),  # type: ignore[list-item]
    ]


def test_a_flood_of_distinct_long_questions_stays_within_every_cache_budget(library: Library) -> None:
    engine = CommandEngine(library)
    questions = distinct_questions(library, seed=1)
    for _ in range(SEARCH_CACHE_SIZE + 300):
        ask_and_render(engine, next(questions))
    for cache, budget in caches(engine):
        assert len(cache) <= SEARCH_CACHE_SIZE and cache.bytes <= budget
    # This flood fills the renderings to a cap: Slack's share each lesson's blocks, so its count binds first.
    assert (
        len(slack_render._rendered) == RENDERED_CACHE_SIZE or slack_render._rendered.bytes > 0.9 * RENDERED_CACHE_BYTES
    )


def test_the_estimate_bounds_what_the_caches_really_keep(library: Library) -> None:
    engine = CommandEngine(library)
    engine.run("kaggle")  # the index, built before measuring
    questions = distinct_questions(library, seed=2)
    for cache, _ in caches(engine):
        cache.clear()  # tracemalloc sees only what is allocated after it starts: begin empty
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(150):
            ask_and_render(engine, next(questions))
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    estimated = sum(cache.bytes for cache, _ in caches(engine))
    assert 0 < retained <= estimated, (retained, estimated)
