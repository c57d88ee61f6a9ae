"""A JSON cache of validated content, keyed on the files it came from.

`mltip tip` should start about as fast as the interpreter; importing and running the YAML
parser is most of its own work. A library is cached only after it validated cleanly, and
any change to any content file (path, size or modification time) misses the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.core.lessons import Lesson, OutOfScope, Source, SourceKind, Topic
from bot.core.library import Library

CACHE_FILE = "content.json"
# Bumped whenever the cached form changes, so a cache written by other code is never misread.
CACHE_FORMAT = "3"


def cache_key(files: Sequence[list[Path]], roots: Sequence[Path]) -> str:
    """A digest of the code version, the roots and every content file's identity."""
    digest = hashlib.sha256(f"{__version__}:{CACHE_FORMAT}".encode())
    for root in roots:
        digest.update(f"root:{root.resolve()}\n".encode())
    for path in (path for group in files for path in group):
        stat = path.stat()
        digest.update(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def read_cache(cache_dir: Path, key: str) -> Library | None:
    """The cached library for `key`, or None (missing, stale, or unreadable: then we parse)."""
    try:
        data = json.loads((cache_dir / CACHE_FILE).read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        sources = {s["id"]: Source(**{**s, "kind": SourceKind(s["kind"])}) for s in data["sources"]}
        lessons = tuple(
            Lesson(
                id=lesson["id"],
                title=lesson["title"],
                text=lesson["text"],
                quote=lesson["quote"],
                topics=tuple(Topic(t) for t in lesson["topics"]),
                source=sources[lesson["source"]],
                timestamp=lesson["timestamp"],
                asks=tuple(lesson.get("asks", ())),
            )
            for lesson in data["lessons"]
        )
        outside = tuple(OutOfScope(subject=o["subject"], about=tuple(o["about"])) for o in data["outside"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Library(sources=sources, lessons=lessons, outside=outside)


def write_cache(cache_dir: Path, key: str, library: Library) -> None:
    """Store `library` under `key`; a cache we cannot write is simply not used."""
    sources = [
        {
            "id": s.id,
            "speaker": s.speaker,
            "role": s.role,
            "title": s.title,
            "publisher": s.publisher,
            "kind": s.kind.value,
            "url": s.url,
            "timed_url": s.timed_url,
        }
        for s in library.sources.values()
    ]
    # Every field of a Lesson, by name: the JSON contract (to_dict) also carries derived ones.
    lessons = [
        {
            "id": lesson.id,
            "title": lesson.title,
            "text": lesson.text,
            "quote": lesson.quote,
            "topics": [t.value for t in lesson.topics],
            "source": lesson.source.id,
            "timestamp": lesson.timestamp,
            "asks": list(lesson.asks),
        }
        for lesson in library.lessons
    ]
    outside = [{"subject": o.subject, "about": list(o.about)} for o in library.outside]
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cache_dir / f".{CACHE_FILE}.{os.getpid()}"
        partial.write_text(
            json.dumps({"key": key, "sources": sources, "lessons": lessons, "outside": outside}), encoding="utf-8"
        )
        partial.replace(cache_dir / CACHE_FILE)  # atomic: a reader never sees half a file
    except OSError:
        pass
