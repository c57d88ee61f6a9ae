"""Votes as the core sees them: the Wilson bound, what counts as clearly unhelpful, how it reorders
search results, the button payloads and the acknowledgement."""

from __future__ import annotations

import pytest

from bot.core.feedback import (
    NEAR_EQUAL,
    Member,
    Tally,
    Verdict,
    Vote,
    acknowledgement,
    decode_vote,
    demote_unhelpful,
    normalised_question,
    vote_payload,
    wilson_lower_bound,
)
from bot.core.grammar import decode_action
from bot.core.library import Library
from bot.core.replies import MAX_ACTION_PAYLOAD
from bot.errors import CommandError


def test_the_wilson_bound_matches_the_textbook_values() -> None:
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(5, 10) == pytest.approx(0.2366, abs=1e-4)
    assert wilson_lower_bound(10, 10) == pytest.approx(0.7225, abs=1e-4)
    assert wilson_lower_bound(1, 1) == pytest.approx(0.2065, abs=1e-4)


@pytest.mark.parametrize(
    ("up", "down", "clearly"),
    [
        (0, 1, False),  # one vote decides nothing
        (0, 3, False),  # nor three
        (0, 4, True),  # four and no 👍: the interval's low end passes one half
        (2, 6, False),
        (3, 17, True),
        (20, 20, False),  # divided: never "clearly"
        (10, 0, False),
    ],
)
def test_clearly_unhelpful_needs_enough_votes_and_a_clear_majority(up: int, down: int, clearly: bool) -> None:
    assert Tally(up, down).clearly_unhelpful is clearly


def test_a_clearly_unhelpful_lesson_moves_below_its_near_equals_only(library: Library) -> None:
    a, b, c, d = library.lessons[:4]
    scores = (0.70, 0.70 - NEAR_EQUAL / 2, 0.70 - NEAR_EQUAL * 2, 0.40)
    bad = {a.id: Tally(0, 9)}
    assert demote_unhelpful([a, b, c, d], scores, bad) == [b, a, c, d]  # below b, still above c
    assert demote_unhelpful([a, b, c, d], scores, {c.id: Tally(0, 9)}) == [a, b, c, d]  # nothing near below it
    mixed = {a.id: Tally(1, 2)}  # not clearly unhelpful: nothing moves, and the same list comes back
    lessons = [a, b, c, d]
    assert demote_unhelpful(lessons, scores, mixed) is lessons


def test_vote_payloads_fit_a_button_and_decode_back() -> None:
    payload = vote_payload(Verdict.DOWN, "eric-researchers-and-engineers-appreciate-each-other", "x " * 80)
    assert len(payload) <= MAX_ACTION_PAYLOAD and payload.startswith("vote|down|eric-researchers")
    assert decode_action(payload, user="u") == Vote(
        lesson_id="eric-researchers-and-engineers-appreciate-each-other",
        verdict=Verdict.DOWN,
        question=payload.split("|", 3)[3],
    )
    asked = vote_payload(Verdict.UP, "bourke-math-you-need", "Do I need MATH?!")
    assert asked == "vote|up|bourke-math-you-need|do i need math"
    assert decode_vote("up|bourke-math-you-need") == Vote(lesson_id="bourke-math-you-need", verdict=Verdict.UP)
    for forged in ("vote|sideways|x", "vote|up|", "vote|up", "vote|up|" + "x" * 100):
        with pytest.raises(CommandError, match="no longer valid"):
            decode_action(forged, user="u")


def test_a_recorded_question_is_its_folded_words_and_no_longer_than_it_may_be() -> None:
    assert normalised_question("  What's a GOOD Pizza-recipe?! ") == "what s a good pizza recipe"
    long = normalised_question("word " * 200)
    assert len(long) <= 300 and long.endswith("word")


def test_pseudonyms_differ_per_person_space_and_key_and_hide_the_id() -> None:
    ana = Member(platform="slack", workspace_id="T1", user_id="U0ANA")
    key = b"k" * 16
    assert ana.pseudonym(key) == ana.pseudonym(key) and len(ana.pseudonym(key)) == 64
    others = {
        Member(platform="slack", workspace_id="T2", user_id="U0ANA").pseudonym(key),
        Member(platform="discord", workspace_id="T1", user_id="U0ANA").pseudonym(key),
        Member(platform="slack", workspace_id="T1", user_id="U0BO").pseudonym(key),
        ana.pseudonym(b"another key....."),
    }
    assert ana.pseudonym(key) not in others and len(others) == 4
    assert "U0ANA" not in ana.pseudonym(key)


def test_the_acknowledgement_is_a_private_aside_saying_what_happened() -> None:
    up = Vote(lesson_id="x", verdict=Verdict.UP)
    down = Vote(lesson_id="x", verdict=Verdict.DOWN, question="kaggle")
    assert acknowledgement("T", up, None).aside
    assert acknowledgement("T", up, None).text.startswith("Noted: you found “T” helpful")
    assert "What you asked is kept" in acknowledgement("T", down, None).text
    assert "What you asked" not in acknowledgement("T", Vote(lesson_id="x", verdict=Verdict.DOWN), None).text
    assert acknowledgement("T", down, Verdict.UP).text.startswith("Changed your vote")
    assert acknowledgement("T", down, Verdict.DOWN).text.startswith("You had already marked")
