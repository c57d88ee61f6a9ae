"""Reply -> embed + buttons: Discord's limits for every lesson, and user text that cannot ping."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.adapters.discord.render import CUSTOM_ID_TEMPLATE, neutralise, render_embed, render_view
from bot.core.commands import CommandEngine
from bot.core.daily import Daily
from bot.core.grammar import parse
from bot.core.library import Library
from bot.core.replies import Action, ActionKind, Field, Reply
from tests.adapters.discord.limits import component_problems, embed_problems, link_buttons, mentions_in

NASTY = ["@everyone", "@here", "<@123456789012345678>", "<@&123456789012345678>", "**bold**", "`x`", "> q", "||s||"]


def body_of(reply: Reply) -> dict[str, Any]:
    """The message body discord.py would send for `reply`."""
    view = render_view(reply)
    return {"embeds": [render_embed(reply).to_dict()], "components": view.to_components() if view else []}


def test_every_lesson_fits_discords_limits(engine: CommandEngine, library: Library) -> None:
    for lesson in library.lessons:
        reply = engine.run(lesson.title)
        assert reply.lesson == lesson
        body = body_of(reply)
        assert not embed_problems(body["embeds"][0]), lesson.id
        assert not component_problems(body["components"]), lesson.id
        shared = body_of(engine.press(f"share|{lesson.id}", user="Ada"))
        assert not embed_problems(shared["embeds"][0]), lesson.id
        for sent in (body, shared):  # the link to the original, with buttons or alone
            assert not component_problems(sent["components"]), lesson.id
            [link] = link_buttons(sent)
            assert link["url"] == lesson.original_url and "custom_id" not in link, lesson.id


def test_component_problems_catches_a_link_button_against_discords_rules() -> None:
    row = body_of(Reply(title="t", text="x", actions=()))["components"]
    assert row == []
    link = {"type": 2, "style": 5, "label": "Read the original", "url": "https://example.org/a"}
    assert not component_problems([{"type": 1, "components": [link]}])
    for bad in ({**link, "custom_id": "mltip:x"}, {**link, "url": "http://example.org/a"}, {**link, "url": None}):
        assert component_problems([{"type": 1, "components": [bad]}]), bad


@pytest.mark.parametrize("query", ["topics", "sources", "help"])
def test_listings_render_as_fields_within_limits(engine: CommandEngine, query: str) -> None:
    reply = engine.run(query)
    embed = render_embed(reply).to_dict()
    shown = [(neutralise(f.name), neutralise(f.value)) for f in reply.fields]  # our words, inert as any
    assert [(f["name"], f["value"]) for f in embed["fields"]] == shown
    assert not embed_problems(embed)
    assert render_view(reply) is None  # listings have no buttons


def test_a_lesson_embed_has_title_advice_quote_speaker_and_source(engine: CommandEngine) -> None:
    reply = engine.run("kaggle")
    assert reply.lesson is not None
    embed = render_embed(reply).to_dict()
    assert embed["title"] == reply.lesson.title
    assert embed["description"].startswith(reply.lesson.text)
    assert f"> “{reply.lesson.quote}”" in embed["description"]  # a block quote
    assert embed["author"]["name"] == f"{reply.lesson.source.speaker} — {reply.lesson.source.role}"
    assert reply.lesson.source.title in embed["footer"]["text"]


def test_a_podcast_lesson_footer_says_where_the_quote_starts(library: Library, engine: CommandEngine) -> None:
    lesson = next(x for x in library.lessons if x.timestamp)
    embed = render_embed(engine.run(lesson.title)).to_dict()
    assert embed["footer"]["text"].endswith(f", at {lesson.timestamp}")


def test_oversized_replies_are_cut_to_every_limit() -> None:
    reply = Reply(
        title="T" * 1000,
        text="x" * 10_000,
        note="n" * 5000,
        shared_by="s" * 3000,
        fields=tuple(Field(name="f" * 300, value="v" * 2000) for _ in range(40)),
        actions=(Action(kind=ActionKind.ANOTHER, label="L" * 200, payload="another|~|" + "p" * 200),),
    )
    body = body_of(reply)
    assert not embed_problems(body["embeds"][0])
    assert not component_problems(body["components"])
    assert body["embeds"][0]["title"].endswith("…")


def test_user_text_in_a_note_or_a_name_cannot_mention_or_format() -> None:
    nasty = " ".join(NASTY)
    reply = Reply(title="t", text="x", note=f"Nothing close to “{nasty}”", shared_by=nasty)
    body = body_of(reply)
    assert not mentions_in(body), body
    assert "\\*\\*bold\\*\\*" in body["embeds"][0]["description"]


def test_a_masked_link_in_user_text_does_not_become_a_link() -> None:
    reply = Reply(title="t", text="x", note="Nothing close to “[free nitro](https://evil.example)”")
    assert "\\[free nitro](" in render_embed(reply).to_dict()["description"]


def test_button_custom_ids_carry_the_payload_back() -> None:
    action = Action(kind=ActionKind.ANOTHER, label="Another", payload="another|3|a query | with bars\nand a newline")
    view = render_view(Reply(title="t", text="x", actions=(action,)))
    assert view is not None
    [row] = view.to_components()
    match = CUSTOM_ID_TEMPLATE.fullmatch(row["components"][0]["custom_id"])
    assert match is not None and match["payload"] == action.payload


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.lists(st.one_of(st.text(max_size=40), st.sampled_from(NASTY)), max_size=6).map(" ".join))
def test_any_query_renders_within_limits_and_without_mentions(engine: CommandEngine, query: str) -> None:
    # "daily ..." is the tip of the day (test_daily.py); this engine has no database, so it rightly
    # raises that the tip of the day is not available here.
    assume(not isinstance(parse(query), Daily))
    body = body_of(engine.run(query))
    assert not embed_problems(body["embeds"][0])
    assert not component_problems(body["components"])
    assert not mentions_in(body)
