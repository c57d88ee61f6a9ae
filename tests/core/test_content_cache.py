"""The content cache: same files, same library, no YAML; any change or damage, a fresh parse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.content_cache import CACHE_FILE, cache_key, read_cache, write_cache
from bot.core.library import BUILTIN_CONTENT, Library, content_files
from bot.core.loading import load_library
from bot.errors import ContentError
from tests.core.test_library import GOOD_LESSON, write_content
from tests.support.paths import REPO_ROOT


def test_a_cached_library_equals_the_parsed_one(tmp_path: Path, library: Library) -> None:
    first = load_library([BUILTIN_CONTENT], cache_dir=tmp_path)
    assert (tmp_path / CACHE_FILE).exists()
    second = load_library([BUILTIN_CONTENT], cache_dir=tmp_path)
    assert first == second == library


def test_the_cached_path_does_not_import_yaml(tmp_path: Path) -> None:
    load_library([BUILTIN_CONTENT], cache_dir=tmp_path)
    code = (
        "import sys; from pathlib import Path; from bot.core.library import BUILTIN_CONTENT; "
        "from bot.core.loading import load_library; "
        f"lib = load_library([BUILTIN_CONTENT], cache_dir=Path({str(tmp_path)!r})); "
        "print(len(lib.lessons), 'yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert out.stdout.split()[1] == "False"


def test_an_edited_file_misses_the_cache(tmp_path: Path) -> None:
    content, cache = tmp_path / "content", tmp_path / "cache"
    content.mkdir()
    write_content(content, GOOD_LESSON)
    assert load_library([BUILTIN_CONTENT, content], cache_dir=cache).by_id["team-ship-small"].title.startswith("Ship")
    lessons = content / "lessons.yaml"
    lessons.write_text(lessons.read_text().replace("Ship small models first", "Ship tiny models first"))
    stat = lessons.stat()
    os.utime(lessons, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_library([BUILTIN_CONTENT, content], cache_dir=cache).by_id["team-ship-small"].title == (
        "Ship tiny models first"
    )


def test_invalid_content_is_never_served_from_or_written_to_the_cache(tmp_path: Path) -> None:
    content, cache = tmp_path / "content", tmp_path / "cache"
    content.mkdir()
    write_content(content, GOOD_LESSON.replace("[production]", "[astrology]"))
    with pytest.raises(ContentError):
        load_library([BUILTIN_CONTENT, content], cache_dir=cache)
    assert not (cache / CACHE_FILE).exists()


def test_a_damaged_cache_is_ignored(tmp_path: Path, library: Library) -> None:
    load_library([BUILTIN_CONTENT], cache_dir=tmp_path)
    (tmp_path / CACHE_FILE).write_text('{"key": "x", "lessons": [')
    assert load_library([BUILTIN_CONTENT], cache_dir=tmp_path) == library


def test_links_survive_the_cache(tmp_path: Path, library: Library) -> None:
    key = cache_key(content_files([BUILTIN_CONTENT]), [BUILTIN_CONTENT])
    write_cache(tmp_path, key, library)
    cached = read_cache(tmp_path, key)
    assert cached is not None  # a hit, not a silent miss that re-parses the YAML
    assert cached == library
    assert [s.url for s in cached.sources.values()] == [s.url for s in library.sources.values()]
    assert all(s.url for s in cached.sources.values())
    timed = [lesson for lesson in cached.lessons if lesson.url]
    assert timed and [lesson.url for lesson in timed] == [library.by_id[lesson.id].url for lesson in timed]
    assert [lesson.to_dict() for lesson in cached.lessons] == [lesson.to_dict() for lesson in library.lessons]
