"""The semantic ranker and its fusion with keywords: paraphrase found, nothing close refused, safe fallback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core import semantic
from bot.core.library import BUILTIN_CONTENT, Library
from bot.core.loading import load_library
from bot.core.ranking import FUSED, KEYWORDS_ONLY, MEANING_ONLY, Ranker, content_text, lesson_texts
from bot.core.semantic import SemanticIndex, load_model
from tests.core.test_asks import WITH_ASKS
from tests.core.test_library import write_content


@pytest.fixture(scope="module")
def ranker(library: Library) -> Ranker:
    return Ranker(library.lessons)


def top(ranker: Ranker, question: str) -> str | None:
    found = ranker.rank(question, 3)
    return found[0].lesson.id if found else None


def test_the_model_ships_in_its_wheel_and_loads_once() -> None:
    model = load_model()
    assert model is not None and model is load_model()
    assert model.dimensions == 256
    vectors = model.embed(["i went to the car", "i went to the vehicle", "i went to the park", ""])
    assert abs(float((vectors[0] ** 2).sum()) - 1) < 1e-5 and not vectors[3].any()
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_lesson_is_as_close_as_its_closest_text() -> None:
    model = load_model()
    assert model is not None
    index = SemanticIndex(model, [["cooking pasta at home"], ["cooking pasta at home", "kaggle competitions"]])
    pasta, both = index.similarities("kaggle competitions")
    assert both > 0.99 and pasta < 0.5


# A lesson whose asks are about stage fright (tests/core/test_asks.py), and questions that share no
# word with it in any form: what only a ranker that understands paraphrase can find.
STAGE_FRIGHT = "team-ship-small"


@pytest.mark.parametrize("question", ["public speaking terrifies me", "speeches terrify me"])
def test_paraphrase_finds_what_keywords_miss(tmp_path: Path, question: str) -> None:
    library = load_library([BUILTIN_CONTENT, write_content(tmp_path, WITH_ASKS)])
    keywords = Ranker(library.lessons, semantic=False)
    meaning = Ranker(library.lessons, index=keywords.index, calibration=MEANING_ONLY)
    assert keywords.semantic is None and keywords.calibration is KEYWORDS_ONLY
    assert STAGE_FRIGHT not in [hit.lesson.id for hit in keywords.index.search(question, len(library.lessons))]
    assert meaning.scored(question)[0].lesson.id == STAGE_FRIGHT


@pytest.mark.parametrize(
    ("question", "lesson_id"),
    [
        ("is kaggle worth it", "iglovikov-kaggle-worth-it"),
        ("how much math do i actually need for deep learning", "bourke-math-you-need"),
        ("shoud i do a phd", "bowtiedhal-phd-depends-on-advisor"),
        ("can i learn ml in 3 months", "gordic-patience-avoid-decision-paralysis"),
        ("I'm burned out", "gordic-avoid-burnout-sustainable-pace"),
    ],
)
def test_on_topic_questions_get_their_lesson(ranker: Ranker, question: str, lesson_id: str) -> None:
    assert ranker.calibration is FUSED
    assert top(ranker, question) == lesson_id


@pytest.mark.parametrize(
    "question",
    [
        "what's a good pizza recipe",
        "will it rain tomorrow in london",
        "how do i center a div in css",
        "how do I negotiate my salary",
        "how do I prepare for a machine learning interview",
        "",
        "???",
    ],
)
def test_nothing_close_gets_nothing(ranker: Ranker, question: str) -> None:
    assert ranker.rank(question, 10) == []


def test_words_no_lesson_uses_count_against_a_question(ranker: Ranker) -> None:
    assert ranker.index.unknown_share("kaggle") == 0.0
    assert ranker.index.unknown_share("how do I negotiate my salary") == 1.0  # stop words aside
    assert ranker.index.unknown_share("kagle pizza") == 0.5  # a typo of a known word is known
    assert ranker.index.unknown_share("how do i") == 0.0 == ranker.index.unknown_share("3 months")
    near, far = ranker.scored("is kaggle worth it")[0], ranker.scored("is kaggle worth it for pizza chefs")[0]
    assert near.lesson == far.lesson and far.score < near.score


def test_the_semantic_ranker_reads_words_not_stop_words() -> None:
    assert content_text("What's a good PhD advisor?") == "good PhD advisor?"
    assert content_text("is C++ still worth it, or not?") == "C++ worth"
    assert content_text("how do I") == ""


def test_later_matches_stay_close_to_the_first(ranker: Ranker) -> None:
    hits = ranker.rank("kaggle", 10)
    assert len(hits) > 1 and hits[0].score >= FUSED.cutoff
    assert all(hit.score >= FUSED.cutoff - FUSED.follow for hit in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_the_semantic_ranker_reads_the_asks(tmp_path: Path) -> None:
    library = load_library([BUILTIN_CONTENT, write_content(tmp_path, WITH_ASKS)])
    lesson = library.by_id["team-ship-small"]
    assert lesson_texts(lesson)[-3:] == lesson.asks
    ranker = Ranker(library.lessons)
    assert top(ranker, "I freeze when I give presentations") == "team-ship-small"


def test_a_model_that_cannot_load_means_keywords_alone_logged_once(
    monkeypatch: pytest.MonkeyPatch, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_cache: Path | None) -> semantic.EmbeddingModel:
        raise semantic.SemanticUnavailable("the wordllama package is not installed")

    monkeypatch.setattr(semantic, "_state", {})
    monkeypatch.setattr(semantic, "_load", broken)
    with caplog.at_level(logging.WARNING, logger="mltip.search"):
        first, second = Ranker(library.lessons), Ranker(library.lessons)
    assert first.semantic is None and second.calibration is KEYWORDS_ONLY
    assert semantic.unavailable_reason() == "the wordllama package is not installed"
    warnings = [r.getMessage() for r in caplog.records if r.name == "mltip.search"]
    reason = "the wordllama package is not installed"
    assert warnings == [f"semantic search is unavailable ({reason}); questions are matched on keywords alone"]
    assert top(first, "is kaggle worth it") == "iglovikov-kaggle-worth-it"


def test_a_damaged_model_file_is_a_reason_not_a_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "weights").mkdir()
    (tmp_path / semantic.WEIGHTS_FILE).write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    monkeypatch.setattr(semantic, "_package_folder", lambda: tmp_path)
    (tmp_path / semantic.TOKENIZER_FILE).parent.mkdir()
    (tmp_path / semantic.TOKENIZER_FILE).write_text(
        '{"model": {"type": "BPE", "byte_fallback": true, "vocab": {}, "merges": []}}'
    )
    with pytest.raises(semantic.SemanticUnavailable, match="KeyError"):
        semantic._load(None)


def test_products_are_cached_on_disk_and_a_damaged_file_is_recomputed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = load_model()
    assert model is not None
    texts = [["kaggle competitions", "a gym for ML skills"], ["deploying models"]]
    monkeypatch.setattr(semantic, "_built", {})
    first = SemanticIndex(model, texts, tmp_path).similarities("kaggle")
    [cached] = tmp_path.glob("products-*.bin")
    assert cached.stat().st_size == model.vocabulary * 3 * 2
    semantic._built.clear()
    assert SemanticIndex(model, texts, tmp_path).similarities("kaggle") == first  # read back from the file
    cached.write_bytes(b"damaged")
    semantic._built.clear()
    assert SemanticIndex(model, texts, tmp_path).similarities("kaggle") == first
    assert cached.stat().st_size == model.vocabulary * 3 * 2
    SemanticIndex(model, [["something else"]], tmp_path)
    assert len(list(tmp_path.glob("products-*.bin"))) == 2  # other texts, another file


def test_summed_products_are_the_cosine_with_or_without_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    model = load_model()
    assert model is not None
    texts = [["is kaggle worth it", "weight lifting for ML"], ["ship models to production"], ["burnout"]]
    index = SemanticIndex(model, texts)
    question = "should I join competitions to get better at machine learning"
    vectors, asked = model.embed([t for group in texts for t in group]), model.embed([question])[0]
    cosines = (vectors @ asked).tolist()
    expected = [max(cosines[0:2]), cosines[2], cosines[3]]
    fast = index.similarities(question)
    monkeypatch.delitem(sys.modules, "numpy")
    plain = index.similarities(question)
    assert plain == pytest.approx(fast, abs=1e-12)
    assert fast == pytest.approx(expected, abs=2e-3)  # the products are stored as float16


def test_only_the_three_newest_product_tables_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_model()
    assert model is not None
    monkeypatch.setattr(semantic, "_built", {})
    for n in range(5):
        SemanticIndex(model, [[f"lesson text number {n}"]], tmp_path)
    kept = list(tmp_path.glob("products-*.bin"))
    assert len(kept) == 3
    semantic._built.clear()
    SemanticIndex(model, [["lesson text number 4"]], tmp_path)  # the newest, read back, not rebuilt
    assert set(tmp_path.glob("products-*.bin")) == set(kept)
