"""The shipped content is valid and complete; malformed content is reported as file:line."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest

from bot.core.lessons import SourceKind, Topic
from bot.core.library import BUILTIN_CONTENT, Library
from bot.core.loading import load_library
from bot.core.validation import check_content
from bot.errors import ContentError

GOOD_QUOTE = "We shipped the simple thing and learned more in a week than in a quarter."
LESSON_WITHOUT_ASKS = """\
  - id: team-ship-small
    title: Ship small models first
    text: Put a simple model in front of users before you polish a complex one.
    quote: "We shipped the simple thing and learned more in a week than in a quarter."
    topics: [production]
    source: team
"""
SHIP_ASKS = """\
    asks:
      - should I keep improving my model before anyone uses it
      - is it ok to launch a basic version first
      - we keep delaying the release to squeeze out more accuracy
"""
GOOD_LESSON = LESSON_WITHOUT_ASKS + SHIP_ASKS
TEAM_SOURCES = """\
sources:
  - id: team
    speaker: Our Team
    role: ML platform team
    title: Team wiki
    publisher: Internal
    kind: essay
"""


def write_content(tmp_path: Path, lessons: str, sources: str = TEAM_SOURCES) -> Path:
    (tmp_path / "sources.yaml").write_text(sources)
    (tmp_path / "lessons.yaml").write_text("lessons:\n" + lessons)
    return tmp_path


def problems_for(tmp_path: Path, lessons: str) -> list[str]:
    _, problems = check_content([BUILTIN_CONTENT, write_content(tmp_path, lessons)])
    return [str(p) for p in problems]


def test_shipped_content_has_60_lessons_and_8_per_source(library: Library) -> None:
    per_source = Counter(lesson.source.id for lesson in library.lessons)
    assert len(library.lessons) >= 60
    assert set(per_source) == set(library.sources) == {"gordic", "bowtiedhal", "iglovikov", "eric", "bourke"}
    assert min(per_source.values()) >= 8, per_source


def test_shipped_lessons_respect_the_limits(library: Library) -> None:
    for lesson in library.lessons:
        assert len(lesson.title) <= 80 and len(lesson.text) <= 400, lesson.id
        assert 1 <= len(lesson.topics) <= 3, lesson.id
        assert 3 <= len(lesson.asks) <= 6 and all(len(ask) <= 150 for ask in lesson.asks), lesson.id
        assert lesson.id.startswith(lesson.source.id + "-"), lesson.id
        if lesson.source.kind is SourceKind.PODCAST:
            assert lesson.timestamp, lesson.id


def test_every_topic_in_the_taxonomy_is_used(library: Library) -> None:
    assert set(library.topic_counts()) == set(Topic)


def test_a_valid_extra_folder_loads_beside_ours(tmp_path: Path, library: Library) -> None:
    extended = load_library([BUILTIN_CONTENT, write_content(tmp_path, GOOD_LESSON)])
    assert len(extended.lessons) == len(library.lessons) + 1
    assert extended.by_id["team-ship-small"].source.speaker == "Our Team"


@pytest.mark.parametrize(
    ("lessons", "line", "message"),
    [
        (GOOD_LESSON.replace("    title: Ship small models first\n", ""), 2, "missing required field 'title'"),
        (GOOD_LESSON + GOOD_LESSON, 12, "duplicate id 'team-ship-small'"),
        (GOOD_LESSON.replace("[production]", "[production, astrology]"), 6, "unknown topic(s) ['astrology']"),
        (GOOD_LESSON.replace("source: team", "source: nobody"), 7, "unknown source 'nobody'"),
        (GOOD_LESSON.replace("Ship small models first", "x" * 81), 3, "'title' is 81 characters; at most 80"),
        (
            GOOD_LESSON.replace(GOOD_QUOTE, "Ship it"),
            5,
            "quote has 2 words",
        ),
        (GOOD_LESSON.replace("    topics:", "    topcs:"), 6, "unknown field 'topcs'"),
        (GOOD_LESSON.replace("team-ship-small", "Team Ship"), 2, "must be lowercase-kebab-case"),
        (GOOD_LESSON + "    text: again\n", 12, "duplicate key 'text'"),
        (GOOD_LESSON.replace("    quote:", "\tquote:"), 5, "tab character in indentation"),
        (GOOD_LESSON.replace("[production]", "[production"), 7, "YAML syntax"),
    ],
    ids=[
        "missing",
        "duplicate-id",
        "unknown-topic",
        "unknown-source",
        "long-title",
        "short-quote",
        "unknown-field",
        "bad-id",
        "duplicate-key",
        "tab",
        "syntax",
    ],
)
def test_malformed_content_names_file_and_line(tmp_path: Path, lessons: str, line: int, message: str) -> None:
    found = problems_for(tmp_path, lessons)
    expected_prefix = f"{tmp_path / 'lessons.yaml'}:{line}: "
    assert any(p.startswith(expected_prefix) and message in p for p in found), found


def test_a_podcast_lesson_needs_a_timestamp(tmp_path: Path) -> None:
    found = problems_for(tmp_path, GOOD_LESSON.replace("source: team", "source: eric"))
    assert any(":2: a podcast lesson needs a 'timestamp'" in p for p in found), found


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    broken = GOOD_LESSON.replace("[production]", "[astrology]") + GOOD_LESSON.replace("source: team", "source: x")
    assert len(problems_for(tmp_path, broken)) >= 3  # bad topic, duplicate id, unknown source


def test_loading_invalid_content_refuses_to_serve_any_of_it(tmp_path: Path) -> None:
    folder = write_content(tmp_path, GOOD_LESSON.replace("[production]", "[astrology]"))
    with pytest.raises(ContentError) as caught:
        load_library([BUILTIN_CONTENT, folder])
    assert "astrology" in str(caught.value)


def test_a_missing_folder_is_a_problem(tmp_path: Path) -> None:
    _, problems = check_content([BUILTIN_CONTENT, tmp_path / "nope"])
    assert [p.message for p in problems] == ["no such file or folder"]


def test_a_folder_without_a_sources_file_can_use_our_sources(tmp_path: Path) -> None:
    (tmp_path / "extra.yaml").write_text(
        "lessons:\n" + GOOD_LESSON.replace("source: team", "source: bourke").replace("team-ship-small", "bourke-extra")
    )
    library = load_library([BUILTIN_CONTENT, tmp_path])
    assert library.by_id["bourke-extra"].source.speaker == "Daniel Bourke"


def test_an_empty_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text(textwrap.dedent("# nothing yet\n"))
    _, problems = check_content([BUILTIN_CONTENT, tmp_path])
    assert [str(p) for p in problems] == [f"{tmp_path / 'empty.yaml'}:1: expected a top-level 'lessons': list"]


@pytest.mark.parametrize(
    ("key", "link", "message"),
    [
        ("url", "http://wiki.example.org/ml", "'url' must be an https:// link"),
        ("url", "ftp://wiki.example.org/ml", "'url' must be an https:// link"),
        ("url", "wiki.example.org/ml", "'url' must be an https:// link"),
        ("url", "https://", "'url' must name a host"),
        ("url", "https://wiki.example.org/a page", "'url' must be one link without spaces"),
        ("url", "https://wiki.example.org/?t={seconds}", "'url' must be one link without spaces or braces"),
        ("url", "https://wiki.example.org/" + "x" * 500, "'url' is 525 characters; at most 512"),
        ("url", "[1, 2]", "'url' must be text"),
        ("timed_url", "https://video.example.org/v1", "'timed_url' must contain {seconds} once"),
        ("timed_url", "https://v.example.org/{seconds}?t={seconds}", "'timed_url' must contain {seconds} once"),
        ("timed_url", "http://video.example.org/v1?t={seconds}", "'timed_url' must be an https:// link"),
    ],
    ids=[
        "http",
        "ftp",
        "no-scheme",
        "no-host",
        "space",
        "braces",
        "too-long",
        "not-text",
        "no-offset",
        "two",
        "timed-http",
    ],
)
def test_a_bad_source_link_is_named_with_file_and_line(tmp_path: Path, key: str, link: str, message: str) -> None:
    value = link if link.startswith("[") else f'"{link}"'
    folder = write_content(tmp_path, GOOD_LESSON, TEAM_SOURCES + f"    {key}: {value}\n")
    _, problems = check_content([BUILTIN_CONTENT, folder])
    found = [str(p) for p in problems]
    assert any(p.startswith(f"{tmp_path / 'sources.yaml'}:8: ") and message in p for p in found), found


def test_a_timestamped_lesson_links_to_the_moment_its_quote_begins(tmp_path: Path) -> None:
    # Any kind of source may have a recording; only a podcast requires every lesson to have a time.
    sources = TEAM_SOURCES.replace("kind: essay", "kind: interview") + (
        "    url: https://podcast.example.org/episode-1\n"
        '    timed_url: "https://video.example.org/watch?v=abc&t={seconds}s"\n'
    )
    timed = GOOD_LESSON + '    timestamp: "1:02:03"\n'
    untimed = GOOD_LESSON.replace("team-ship-small", "team-no-time")
    library = load_library([write_content(tmp_path, timed + untimed, sources)])
    lesson = library.by_id["team-ship-small"]
    assert lesson.url == lesson.original_url == "https://video.example.org/watch?v=abc&t=3723s"
    assert lesson.to_dict()["url"] == lesson.url
    assert lesson.to_dict()["source"]["url"] == "https://podcast.example.org/episode-1"
    # Without a timestamp there is no moment to link to: the publication itself is the original.
    other = library.by_id["team-no-time"]
    assert other.url is None and other.original_url == "https://podcast.example.org/episode-1"
    assert "url" not in other.to_dict()


def test_every_shipped_source_links_to_its_original_over_https(library: Library) -> None:
    for source in library.sources.values():
        assert source.url is not None and source.url.startswith("https://"), source.id
    podcast = [lesson for lesson in library.lessons if lesson.source.kind is SourceKind.PODCAST]
    assert podcast and all(lesson.url and lesson.url.startswith("https://") for lesson in podcast)
