"""The command engine: grammar, replies, and the Another / Share buttons."""

from __future__ import annotations

from typing import ClassVar

import pytest

from bot.core.commands import CommandEngine
from bot.core.daily import Daily
from bot.core.grammar import Help, ListSources, ListTopics, RandomTip, Search, Share, decode_action, parse
from bot.core.limits import MAX_QUESTION_CHARS, MAX_QUESTION_WORDS
from bot.core.replies import MAX_ACTION_PAYLOAD, ActionKind, Visibility
from bot.errors import CommandError


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", RandomTip()),
        ("   ", RandomTip()),
        ("/mltip", RandomTip()),
        ("topics", ListTopics()),
        ("/mltip SOURCES", ListSources()),
        ("help", Help()),
        ("is kaggle worth it", Search(query="is kaggle worth it")),
        ("/mltip   help me  choose", Search(query="help me choose")),
        ("me", Daily(args=("status",), personal=True)),
        ("me 08:00 Europe/Berlin", Daily(args=("08:00", "Europe/Berlin"), personal=True)),
        ("ME 9am weekdays", Daily(args=("9am", "weekdays"), personal=True)),
        ("me 7.30pm", Daily(args=("7.30pm",), personal=True)),
        ("me Noon", Daily(args=("Noon",), personal=True)),
        ("me 9", Daily(args=("9",), personal=True)),  # the command, so the reply says how to write a time
        ("me pause exams", Daily(args=("pause", "exams"), personal=True)),
        ("me OFF", Daily(args=("OFF",), personal=True)),
        ("me skip", Daily(args=("skip",), personal=True)),
        ("me help", Daily(args=("help",), personal=True)),
        ("me too, is kaggle worth it", Search(query="me too, is kaggle worth it")),
        ("me and my manager disagree on papers", Search(query="me and my manager disagree on papers")),
        ("me 2nd job offer", Search(query="me 2nd job offer")),
    ],
)
def test_grammar(text: str, command: object) -> None:
    assert parse(text) == command


def test_a_question_that_starts_with_me_is_answered_as_a_question(engine: CommandEngine) -> None:
    reply = engine.run("me too, is kaggle worth it")  # no database, no invocation: a plain search
    assert reply.lesson is not None and reply.lesson.id == "iglovikov-kaggle-worth-it"


def test_a_question_gets_its_best_lesson_with_buttons(engine: CommandEngine) -> None:
    reply = engine.run("is kaggle worth it")
    assert reply.lesson is not None and reply.lesson.id == "iglovikov-kaggle-worth-it"
    assert reply.title == reply.lesson.title and reply.quote == reply.lesson.quote
    assert reply.attribution and reply.attribution.startswith("Vladimir Iglovikov (")
    kinds = [ActionKind.ANOTHER, ActionKind.SHARE, ActionKind.HELPFUL, ActionKind.NOT_HELPFUL]
    assert [a.kind for a in reply.actions] == kinds
    assert [a.label for a in reply.actions[2:]] == ["👍 Helpful", "👎 Not helpful"]
    assert reply.visibility is Visibility.PRIVATE


def test_another_walks_down_the_matches_then_says_there_are_no_more(engine: CommandEngine) -> None:
    expected = engine.best("kaggle")
    assert len(expected) > 1
    seen, notes = [], []
    reply = engine.run("kaggle")
    for _ in expected:
        assert reply.lesson is not None
        seen.append(reply.lesson.id)
        notes.append(reply.note)
        reply = engine.press(reply.actions[0].payload, user="ana")
    assert seen == [lesson.id for lesson in expected]
    assert notes[0] is None and notes[1] == f"Lesson 2 of {len(expected)} close to “kaggle”"
    assert reply.lesson is None and reply.title == "No more lessons on that"
    assert reply.note == f"That was the last of the {len(expected)} lessons close to “kaggle”."
    assert [a.label for a in reply.actions] == ["Show me a random lesson"]
    assert engine.press(reply.actions[0].payload, user="ana").lesson is not None


def test_another_after_a_random_lesson_gives_a_different_one(engine: CommandEngine) -> None:
    first = engine.run("")
    for _ in range(20):
        again = engine.press(first.actions[0].payload, user="ana")
        assert again.lesson != first.lesson


def test_share_posts_the_same_lesson_to_the_channel_with_the_sharer(engine: CommandEngine) -> None:
    reply = engine.run("papers")
    shared = engine.press(reply.actions[1].payload, user="Ana")
    assert shared.lesson == reply.lesson
    assert shared.visibility is Visibility.CHANNEL and shared.shared_by == "Ana"
    assert "Shared by Ana" in shared.plain_text


@pytest.mark.parametrize("question", ["xyzzy plugh", "what's a good pizza recipe", "will it rain tomorrow in london"])
def test_nothing_close_says_so_lists_the_topics_and_offers_a_random_lesson_as_a_button(
    engine: CommandEngine, question: str
) -> None:
    reply = engine.run(question)
    assert reply.lesson is None and reply.title == "I don't have a lesson on that"
    assert reply.note == f"None of my lessons is close to “{question}”."
    assert "learning, career, research" in reply.text and "/mltip topics" in reply.text
    [button] = reply.actions
    assert button.kind is ActionKind.ANOTHER and button.label == "Show me a random lesson"
    assert button.payload == "another|~|" and len(button.payload) <= MAX_ACTION_PAYLOAD
    assert decode_action(button.payload, user="x") == RandomTip()
    random_one = engine.press(button.payload, user="ana")
    assert random_one.lesson is not None and random_one.note is None


def test_refusals_are_counted_once_per_question_per_platform(engine: CommandEngine) -> None:
    counted: list[str] = []
    engine.on_unanswered = counted.append
    engine.run("what's a good pizza recipe", platform="slack")
    engine.run("what's a good pizza recipe", platform="discord")  # the cached reply still counts
    engine.run("is kaggle worth it", platform="slack")
    reply = engine.run("kaggle", platform="slack")
    while reply.lesson is not None:  # walking past the last match is not a refusal
        reply = engine.press(reply.actions[0].payload, user="ana", platform="slack")
    assert counted == ["slack", "discord"]


def test_listings(engine: CommandEngine) -> None:
    topics = engine.run("topics")
    assert "kaggle" in [f.name for f in topics.fields] and not topics.actions
    sources = engine.run("sources")
    assert {f.name for f in sources.fields} >= {"Aleksa Gordić", "Mihail Eric", "Daniel Bourke"}
    assert "/mltip topics" in [f.name for f in engine.run("help").fields]


def test_help_points_to_the_home_tab_the_shortcut_and_installing_for_yourself(engine: CommandEngine) -> None:
    beyond = next(f.value for f in engine.run("help").fields if f.name == "Beyond /mltip")
    assert "Home tab" in beyond and "Find a lesson for this" in beyond and "install mltip for yourself" in beyond


def test_button_payloads_fit_every_platform_even_for_long_questions(engine: CommandEngine) -> None:
    reply = engine.run(("kaggle " * 100)[:MAX_QUESTION_CHARS])
    assert reply.lesson is not None
    for action in reply.actions:
        assert len(action.payload) <= MAX_ACTION_PAYLOAD
    assert engine.press(reply.actions[0].payload, user="x").lesson is not None


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "another",
        "another|x|y",
        "share|",
        "bogus|1|q",
        "another|3|  ",
        "another|²|kaggle",
        "another|١|kaggle",
        "another|" + "9" * 5000 + "|kaggle",
        "another|1|" + "kaggle " * 20,
    ],
)
def test_a_payload_that_is_not_ours_is_refused_politely(payload: str) -> None:
    with pytest.raises(CommandError, match="no longer valid"):
        decode_action(payload, user="x")


def test_sharing_a_lesson_that_no_longer_exists_is_refused_politely(engine: CommandEngine) -> None:
    with pytest.raises(CommandError, match="no longer available"):
        engine.handle(Share(lesson_id="gone", shared_by="x"))


def test_the_same_seed_gives_the_same_random_lessons(library: object) -> None:
    import random

    from bot.core.library import Library

    assert isinstance(library, Library)
    a = CommandEngine(library, rng=random.Random(1))
    b = CommandEngine(library, rng=random.Random(1))
    assert [a.run("").lesson for _ in range(5)] == [b.run("").lesson for _ in range(5)]


def test_answers_are_remembered_per_question_and_the_cache_is_bounded(engine: CommandEngine) -> None:
    from bot.core import commands

    assert engine.best("Kaggle!") is engine.best("kaggle")  # same words, same cached answer
    for n in range(commands.SEARCH_CACHE_SIZE + 5):
        engine.best(f"question {n}")
    assert len(engine._best) == commands.SEARCH_CACHE_SIZE


def test_daily_is_parsed_and_handed_to_the_daily_handler(engine: CommandEngine) -> None:
    from bot.core.daily import Daily, Invocation
    from bot.core.platform import Platform

    assert parse("/mltip daily 09:00 Europe/Berlin weekdays") == Daily(args=("09:00", "Europe/Berlin", "weekdays"))
    where = Invocation(
        platform=Platform.SLACK, workspace_id="T1", channel_id="C1", user_id="U1", user_name="a", can_manage=True
    )
    with pytest.raises(CommandError, match="not available"):
        engine.run("daily status", invocation=where)  # no handler configured

    class Recorder:
        seen: ClassVar[list[tuple[Daily, Invocation]]] = []

        def handle(self, command: Daily, invocation: Invocation) -> object:
            self.seen.append((command, invocation))
            return engine.run("help")

    engine.daily = Recorder()  # type: ignore[assignment]
    assert engine.run("daily status", invocation=where).title == "How to use /mltip"
    assert Recorder.seen == [(Daily(args=("status",)), where)]


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("x" * (MAX_QUESTION_CHARS + 1), "501 characters"),
        ("kaggle " * 80, "559 characters"),
        ("a " * (MAX_QUESTION_WORDS + 1), "101 words"),
        ("daily pause " + "x" * MAX_QUESTION_CHARS, "512 characters"),
        ("  " + "x" * 20_000_000 + "  ", "20,000,000 characters"),
    ],
)
def test_an_over_long_text_is_refused_saying_the_caps(text: str, size: str) -> None:
    with pytest.raises(CommandError, match=f"^That is too long for /mltip: {size}, and it takes at most 500 "):
        parse(text)


def test_text_at_the_caps_is_read() -> None:
    assert parse("x" * MAX_QUESTION_CHARS) == Search(query="x" * MAX_QUESTION_CHARS)
    assert parse("  " + "a " * MAX_QUESTION_WORDS) == Search(query=" ".join(["a"] * MAX_QUESTION_WORDS))
