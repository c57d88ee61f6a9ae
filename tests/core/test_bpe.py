"""Our Llama 2 tokenizer gives the same ids as the tokenizers library, and loads fast from its cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import semantic
from bot.core.bpe import BytePairTokenizer, cached_tables, read_tables
from bot.core.library import Library
from bot.core.ranking import lesson_texts
from tests.relevance.evaluate import everyday_cases, existing_cases

ODD = ["héllo wörld — “quotes” 日本語 🎉", "tabs\tand\nnewlines", "", "   ", "a  b", "C++ & <b>?", "xyzzy qwertyuiop"]


@pytest.fixture(scope="module")
def tokenizer_json() -> Path:
    return semantic._package_folder() / semantic.TOKENIZER_FILE


def test_the_same_ids_as_the_tokenizers_library(tokenizer_json: Path, library: Library) -> None:
    # tokenizers comes with wordllama; the bot itself never imports it.
    reference = pytest.importorskip("tokenizers").Tokenizer.from_file(str(tokenizer_json))
    ours = BytePairTokenizer(read_tables(tokenizer_json))
    texts = [text for lesson in library.lessons for text in lesson_texts(lesson)]
    texts += [case.question for case in everyday_cases() + existing_cases()] + ODD
    for text in texts:
        spaced = " ".join(text.split())
        expected = reference.encode(spaced, add_special_tokens=False).ids if spaced else []
        assert ours.encode(text) == expected, text


def test_the_tables_are_cached_beside_the_content_cache(tokenizer_json: Path, tmp_path: Path) -> None:
    parsed = cached_tables(tokenizer_json, tmp_path)
    [cached] = tmp_path.glob("bpe-*.marshal")
    assert cached_tables(tokenizer_json, tmp_path) == parsed == read_tables(tokenizer_json)
    cached.write_bytes(b"damaged")
    assert cached_tables(tokenizer_json, tmp_path) == parsed
    assert cached_tables(tokenizer_json, tmp_path / "missing" / "folder") == parsed


def test_a_tokenizer_of_another_kind_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "tokenizer.json"
    other.write_text('{"model": {"type": "WordPiece", "vocab": {}}}')
    with pytest.raises(ValueError, match="not a byte-fallback BPE tokenizer"):
        read_tables(other)
