"""Validation of lesson content: every problem found, each located as file:line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.core.lessons import SECONDS_PLACEHOLDER, Lesson, OutOfScope, Source, SourceKind, Topic
from bot.core.library import Library, content_files
from bot.core.located_yaml import LocatedList, LocatedMap, load_located
from bot.errors import ContentProblem

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TIMESTAMP_PATTERN = re.compile(r"(?:\d{1,2}:[0-5]\d:[0-5]\d|\d{1,3}:[0-5]\d)")  # M:SS or H:MM:SS
WORD = re.compile(r"[\w']+")
MAX_TITLE, MAX_TEXT, MIN_QUOTE_WORDS, MAX_QUOTE_WORDS, MAX_TOPICS = 80, 400, 4, 60, 3
SOURCE_KEYS = {"id", "speaker", "role", "title", "publisher", "kind", "url", "timed_url"}
LESSON_KEYS = {"id", "title", "text", "quote", "topics", "source", "timestamp", "asks"}
MIN_ASKS, MAX_ASKS, MAX_ASK = 3, 6, 150
SCOPE_KEYS = {"subject", "about"}
MAX_ABOUT = 6  # descriptions per subject outside the lessons (scope.yaml)
# Every lesson carries the questions it answers: search leans on them for everyday wording.
ASKS_REQUIRED = True
# Discord's limit for a link button's url (Slack allows 3000); a longest offset must fit too.
MAX_URL = 512
LONGEST_OFFSET = "99999"


def url_problem(url: str, *, timed: bool = False) -> str | None:
    """Why `url` cannot be a source link, or None when it can.

    Links are shown as buttons to people who click them, so only https. A timed url carries
    SECONDS_PLACEHOLDER exactly once, where a lesson's time offset goes.
    """
    if timed:
        if url.count(SECONDS_PLACEHOLDER) != 1:
            return f"must contain {SECONDS_PLACEHOLDER} once, where the time offset goes"
        url = url.replace(SECONDS_PLACEHOLDER, LONGEST_OFFSET)
    if any(c.isspace() for c in url) or "{" in url or "}" in url:
        return f"must be one link without spaces or braces, not {url!r}"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return f"is not a valid link: {url!r}"
    if parts.scheme != "https":
        return f"must be an https:// link, not {url!r}"
    if not host or "." not in host:
        return f"must name a host, as in https://example.org/page, not {url!r}"
    if len(url) > MAX_URL:
        return f"is {len(url)} characters; at most {MAX_URL}"
    return None


@dataclass(slots=True)
class _Checker:
    """Collects problems while turning located YAML into value objects."""

    problems: list[ContentProblem] = field(default_factory=list)

    def add(self, path: Path, line: int, message: str) -> None:
        self.problems.append(ContentProblem(path=str(path), line=line, message=message))

    def string(self, path: Path, entry: LocatedMap, key: str, *, limit: int = 0) -> str | None:
        value = entry.get(key)
        line = entry.line_of(key)
        if value is None:
            self.add(path, line, f"missing required field {key!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(path, line, f"{key!r} must be non-empty text")
            return None
        value = " ".join(value.split())
        if limit and len(value) > limit:
            self.add(path, line, f"{key!r} is {len(value)} characters; at most {limit}")
        return value

    def unknown_keys(self, path: Path, entry: LocatedMap, allowed: set[str]) -> None:
        for key in sorted(set(entry) - allowed):
            self.add(path, entry.line_of(key), f"unknown field {key!r}; known: {sorted(allowed)}")

    def entries(self, path: Path, data: Any, key: str) -> list[tuple[int, LocatedMap]]:
        """The list of mappings under top-level `key`, each with its line."""
        if not isinstance(data, LocatedMap) or key not in data:
            self.add(path, getattr(data, "line", 1), f"expected a top-level {key!r}: list")
            return []
        items = data[key]
        if not isinstance(items, LocatedList):
            self.add(path, data.line_of(key), f"{key!r} must be a list")
            return []
        found = []
        for item, line in zip(items, items.item_lines, strict=True):
            if isinstance(item, LocatedMap):
                found.append((line, item))
            else:
                self.add(path, line, f"each item of {key!r} must be a mapping of fields")
        return found

    def source(self, path: Path, entry: LocatedMap) -> Source | None:
        self.unknown_keys(path, entry, SOURCE_KEYS)
        values = {k: self.string(path, entry, k) for k in ("id", "speaker", "role", "title", "publisher")}
        kind = self.string(path, entry, "kind")
        kinds = [k.value for k in SourceKind]
        if kind is not None and kind not in kinds:
            self.add(path, entry.line_of("kind"), f"unknown kind {kind!r}; one of {kinds}")
            kind = None
        url = self.link(path, entry, "url")
        timed_url = self.link(path, entry, "timed_url", timed=True)
        if kind is None or any(v is None for v in values.values()):
            return None
        return Source(kind=SourceKind(kind), url=url, timed_url=timed_url, **{k: str(v) for k, v in values.items()})

    def link(self, path: Path, entry: LocatedMap, key: str, *, timed: bool = False) -> str | None:
        """The optional link under `key`, when it is one (a problem is reported otherwise)."""
        value = entry.get(key)
        if value is None:
            return None
        problem = url_problem(value, timed=timed) if isinstance(value, str) else "must be text"
        if problem is not None:
            self.add(path, entry.line_of(key), f"{key!r} {problem}")
            return None
        return str(value)

    def topics(self, path: Path, entry: LocatedMap) -> tuple[Topic, ...]:
        raw, line = entry.get("topics"), entry.line_of("topics")
        known = [t.value for t in Topic]
        if raw is None:
            self.add(path, line, "missing required field 'topics'")
            return ()
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_TOPICS:
            self.add(path, line, f"'topics' must be a list of 1 to {MAX_TOPICS} topics")
            return ()
        if len(set(map(str, raw))) != len(raw):
            self.add(path, line, "'topics' lists a topic twice")
        bad = [str(t) for t in raw if str(t) not in known]
        if bad:
            self.add(path, line, f"unknown topic(s) {bad}; known topics: {', '.join(known)}")
            return ()
        return tuple(Topic(str(t)) for t in raw)

    def asks(self, path: Path, entry: LocatedMap) -> tuple[str, ...]:
        raw, line = entry.get("asks"), entry.line_of("asks")
        if raw is None:
            if ASKS_REQUIRED:
                self.add(path, line, f"missing required field 'asks' ({MIN_ASKS} to {MAX_ASKS} questions it answers)")
            return ()
        return self.phrases(path, entry, "asks", (MIN_ASKS, MAX_ASKS), ("question", "questions in everyday words"))

    def phrases(
        self, path: Path, entry: LocatedMap, key: str, counts: tuple[int, int], names: tuple[str, str]
    ) -> tuple[str, ...]:
        """The list of short texts under `key` (a lesson's asks, a scope's descriptions), each checked.

        `counts` is how few and how many; `names` what one is and what the list holds.
        """
        (least, most), (item_name, what) = counts, names
        raw, line = entry.get(key), entry.line_of(key)
        if not isinstance(raw, LocatedList) or not least <= len(raw) <= most:
            self.add(path, line, f"{key!r} must be a list of {least} to {most} {what}")
            return ()
        found: list[str] = []
        for item, item_line in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, str) or not item.strip():
                self.add(path, item_line, f"each of {key!r} must be a {item_name} in plain text")
                continue
            text = " ".join(item.split())
            if len(text) > MAX_ASK:
                self.add(path, item_line, f"this {item_name} is {len(text)} characters; at most {MAX_ASK}")
            elif text.lower() in (a.lower() for a in found):
                self.add(path, item_line, f"{key!r} lists this {item_name} twice")
            found.append(text)
        return tuple(found)

    def out_of_scope(self, path: Path, entry: LocatedMap) -> OutOfScope | None:
        self.unknown_keys(path, entry, SCOPE_KEYS)
        before = len(self.problems)
        subject = self.string(path, entry, "subject", limit=MAX_TITLE)
        about = self.phrases(
            path, entry, "about", (1, MAX_ABOUT), ("description", "descriptions of what no lesson covers")
        )
        if len(self.problems) > before or subject is None:
            return None
        return OutOfScope(subject=subject, about=about)

    def lesson(self, path: Path, entry: LocatedMap, sources: dict[str, Source]) -> Lesson | None:
        self.unknown_keys(path, entry, LESSON_KEYS)
        before = len(self.problems)
        lesson_id = self.string(path, entry, "id")
        if lesson_id is not None and not ID_PATTERN.fullmatch(lesson_id):
            self.add(path, entry.line_of("id"), f"id {lesson_id!r} must be lowercase-kebab-case")
        title = self.string(path, entry, "title", limit=MAX_TITLE)
        text = self.string(path, entry, "text", limit=MAX_TEXT)
        quote = self.string(path, entry, "quote")
        if quote is not None and not MIN_QUOTE_WORDS <= len(WORD.findall(quote)) <= MAX_QUOTE_WORDS:
            count = len(WORD.findall(quote))
            allowed = f"{MIN_QUOTE_WORDS} to {MAX_QUOTE_WORDS}"
            self.add(path, entry.line_of("quote"), f"quote has {count} words; {allowed} allowed")
        topics = self.topics(path, entry)
        asks = self.asks(path, entry)
        source_id = self.string(path, entry, "source")
        source = sources.get(source_id or "")
        if source_id is not None and source is None:
            self.add(path, entry.line_of("source"), f"unknown source {source_id!r}; known: {sorted(sources)}")
        stamp = entry.get("timestamp")
        if stamp is not None and not TIMESTAMP_PATTERN.fullmatch(str(stamp)):
            self.add(path, entry.line_of("timestamp"), f"timestamp {stamp!r} must be M:SS or H:MM:SS (quote it)")
        if stamp is None and source is not None and source.kind is SourceKind.PODCAST:
            self.add(path, entry.line, "a podcast lesson needs a 'timestamp' where the quote begins")
        if len(self.problems) > before or source is None:
            return None
        assert lesson_id and title and text and quote  # guaranteed by the checks above
        return Lesson(
            id=lesson_id,
            title=title,
            text=text,
            quote=quote,
            topics=topics,
            source=source,
            timestamp=None if stamp is None else str(stamp),
            asks=asks,
        )


def check_content(roots: Sequence[Path]) -> tuple[Library, list[ContentProblem]]:
    """Validate all content under `roots`; return what is valid and every problem found."""
    checker = _Checker()
    for root in roots:
        if not root.exists():
            checker.add(root, 1, "no such file or folder")
    source_files, lesson_files, scope_files = content_files(r for r in roots if r.exists())
    sources: dict[str, Source] = {}
    for path in source_files:
        data, problems = load_located(path)
        checker.problems += problems
        for line, entry in checker.entries(path, data, "sources"):
            source = checker.source(path, entry)
            if source is not None and source.id in sources:
                checker.add(path, line, f"duplicate source id {source.id!r}")
            elif source is not None:
                sources[source.id] = source
    lessons: dict[str, Lesson] = {}
    first_seen: dict[str, str] = {}
    for path in lesson_files:
        data, problems = load_located(path)
        checker.problems += problems
        for _line, entry in checker.entries(path, data, "lessons"):
            lesson = checker.lesson(path, entry, sources)
            lesson_id = str(entry.get("id"))
            if lesson_id in first_seen:
                checker.add(path, entry.line_of("id"), f"duplicate id {lesson_id!r} (first at {first_seen[lesson_id]})")
                continue
            first_seen[lesson_id] = f"{path}:{entry.line_of('id')}"
            if lesson is not None:
                lessons[lesson.id] = lesson
    if not lessons and not checker.problems:
        checker.add(roots[0] if roots else Path("content"), 1, "no lessons found")
    outside: dict[str, OutOfScope] = {}
    for path in scope_files:
        data, problems = load_located(path)
        checker.problems += problems
        for line, entry in checker.entries(path, data, "outside"):
            scope = checker.out_of_scope(path, entry)
            if scope is not None and scope.subject.lower() in outside:
                checker.add(path, line, f"subject {scope.subject!r} is listed twice")
            elif scope is not None:
                outside[scope.subject.lower()] = scope
    library = Library(sources=sources, lessons=tuple(lessons.values()), outside=tuple(outside.values()))
    return library, checker.problems
