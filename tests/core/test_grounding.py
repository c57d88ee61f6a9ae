"""Quotes are the speakers' own words; our texts are paraphrases, not copies.

Both need the source documents in ../shared/sources, which sit beside the project wherever it
is developed and in CI; elsewhere (an installed copy) the tests are skipped, saying why.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.library import Library
from tests.support.paths import SHARED

SOURCE_FILES = {
    "gordic": "000_74b8eeb3cf3c9d9e.txt",
    "bowtiedhal": "001_9aad6a735cc603e5.txt",
    "iglovikov": "002_c834d81284d27507.txt",
    "eric": "003_3d527facbbd57179.txt",
    "bourke": "004_2574cfd987530a98.txt",
}
COPIED_RUN = 8  # words in a row shared with the source that count as a copied sentence

needs_sources = pytest.mark.skipif(
    not (SHARED / "sources").is_dir(), reason="the source documents (../shared/sources) are not beside this checkout"
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


@needs_sources
def test_every_quote_is_grounded_by_the_shared_checker(library: Library, tmp_path: Path) -> None:
    lessons = tmp_path / "lessons.json"
    lessons.write_text(json.dumps([lesson.to_dict() for lesson in library.lessons]))
    checker = SHARED / "tools" / "check_quotes.py"
    result = subprocess.run([sys.executable, str(checker), str(lessons)], capture_output=True, text=True, check=False)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(library.lessons)} of {len(library.lessons)} quotes grounded" in result.stdout


@needs_sources
def test_lesson_texts_do_not_copy_the_sources(library: Library) -> None:
    copied = []
    for source_id, name in SOURCE_FILES.items():
        words = _words((SHARED / "sources" / name).read_text(encoding="utf-8"))
        runs = {tuple(words[i : i + COPIED_RUN]) for i in range(len(words) - COPIED_RUN)}
        for lesson in library.lessons:
            if lesson.source.id != source_id:
                continue
            text = _words(lesson.text)
            hits = [
                " ".join(text[i : i + COPIED_RUN]) for i in range(len(text)) if tuple(text[i : i + COPIED_RUN]) in runs
            ]
            copied += [f"{lesson.id}: {hit}" for hit in hits]
    assert not copied, copied
