"""The Library every command reads from, and where its content files are.

A content folder holds an optional `sources.yaml` and any number of lesson files (`*.yaml`,
in sub-folders too). The bot's own folder is `content/`; MLTIP_CONTENT_DIR adds more, so a
team can keep its own lessons beside ours. Loading them is `bot.core.loading.load_library`,
which checks them with `validation.py` or reads them back from `content_cache.py`; both of
those build on this module, which imports neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.lessons import Lesson, OutOfScope, Source, Topic

_PACKAGED_CONTENT = Path(__file__).resolve().parents[1] / "content"  # an installed wheel: bot/content
_CHECKOUT_CONTENT = Path(__file__).resolve().parents[2] / "content"  # a checkout or editable install
# The lessons live at the repository root, where editors work on them; a wheel carries them as
# the package data bot/content (setup.py), so an installed bot needs no checkout.
BUILTIN_CONTENT = _PACKAGED_CONTENT if _PACKAGED_CONTENT.is_dir() else _CHECKOUT_CONTENT
SOURCES_FILE = "sources.yaml"
SCOPE_FILE = "scope.yaml"  # what the lessons do not cover (bot/core/scope.py)


@dataclass(frozen=True, slots=True)
class Library:
    """All lessons and sources, validated; lookups by id and topic."""

    sources: dict[str, Source]
    lessons: tuple[Lesson, ...]
    outside: tuple[OutOfScope, ...] = ()  # subjects no lesson covers: search refuses questions on them
    by_id: dict[str, Lesson] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {lesson.id: lesson for lesson in self.lessons})

    def with_topic(self, topic: Topic) -> list[Lesson]:
        """Lessons tagged with `topic`, in content order."""
        return [lesson for lesson in self.lessons if topic in lesson.topics]

    def topic_counts(self) -> dict[Topic, int]:
        """How many lessons each topic has (topics with none are left out)."""
        counts = {topic: len(self.with_topic(topic)) for topic in Topic}
        return {topic: n for topic, n in counts.items() if n}


def content_files(roots: Iterable[Path]) -> tuple[list[Path], list[Path], list[Path]]:
    """Split the YAML files under `roots` into sources files, lesson files and scope files."""
    source_files: list[Path] = []
    lesson_files: list[Path] = []
    scope_files: list[Path] = []
    for root in roots:
        found = [root] if root.is_file() else sorted([*root.rglob("*.yaml"), *root.rglob("*.yml")])
        for path in found:
            kind = {SOURCES_FILE: source_files, SCOPE_FILE: scope_files}.get(path.name, lesson_files)
            kind.append(path)
    return source_files, lesson_files, scope_files
