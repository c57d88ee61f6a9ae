"""Load the lessons: from the content cache when the files are unchanged, else parsed and checked.

Every problem is collected and reported as `file:line: message`; one bad lesson fails the whole
load, so nothing half-valid is served. This module composes the three pieces that used to import
each other: `library.py` (the Library and where content files are), `content_cache.py` (reading
and writing a validated Library as JSON) and `validation.py` (parsing the YAML and checking it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.core.content_cache import cache_key, read_cache, write_cache
from bot.core.library import Library, content_files
from bot.errors import ContentError


def load_library(roots: Sequence[Path], cache_dir: Path | None = None) -> Library:
    """The validated library, or ContentError listing every problem.

    With `cache_dir`, a library validated before from the very same files is read back from a
    JSON cache instead: start-up then skips importing and running the YAML parser.
    """
    key = None
    if cache_dir is not None:
        key = cache_key(content_files(r for r in roots if r.exists()), roots)
        cached = read_cache(cache_dir, key)
        if cached is not None:
            return cached
    # Not a cycle (validation.py never imports this module) but start-up time: the YAML parser
    # is most of `mltip tip`'s own work, and only a cache miss needs it.
    from bot.core.validation import check_content

    library, problems = check_content(roots)
    if problems:
        raise ContentError(problems)
    if cache_dir is not None and key is not None:
        write_cache(cache_dir, key, library)
    return library
