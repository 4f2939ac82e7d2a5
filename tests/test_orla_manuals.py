"""What a fifth knowledge base nothing was tuned on taught (round 38): Orla V5, a robot vacuum's manuals printed as
PDF files (evals/data/orla), ingested with the real model and asked its dev messages' cases. Before the PDF reader
used the page layout, answers quoted running footers, contents lines and one-line flattened tables."""

from __future__ import annotations

import re

import pytest

from tests.helpcenter_kb import REPO_ROOT, SampleKB, sample_kb

ORLA = REPO_ROOT / "evals" / "data" / "orla"
# What only a printed page holds: a running footer, chromium's date and address, a contents line's dot leaders.
PAGE_FURNITURE = re.compile(r"Page \d+ of \d+|file://|\d+/\d+/\d+, \d+:\d+|(?:\. ){3}")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> SampleKB:
    return sample_kb(tmp_path_factory, ORLA)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # Quoted "Orla V5 Robot Vacuum & Mop | User Manual 8 Troubleshooting Page 14 of 15OV5-UM-EN ..." first.
        ("it shows E4 what do i do", "**E4**\n- Problem: Main brush stuck\n- Solution: Remove the main brush guard"),
        # Was ". . . . 5 3.1 Assembling the station . . . . 5 3.2 Fitting the side brush . ." at 0.98.
        ("how do i assemble the station", "Slide the ramp into the front of the station base"),
        # Was one line of three tables run together, cut before the "Solid red" row on the next page.
        ("what does a solid red light mean", "**Solid red**: Battery below 15 %, returning to the station"),
        # A long troubleshooting table split into parts: the row asked about is in another part than the anchor.
        ("the station isnt emptying the robot", "**The station does not empty the dustbin**\n- Possible cause:"),
    ],
)
def test_answers_quote_the_manual_as_printed_without_page_furniture(kb: SampleKB, question: str, expected: str) -> None:
    answer = kb.answerer.answer(question, [], audience="public")
    assert not answer.is_gap, answer.answer
    assert expected in answer.answer
    assert not PAGE_FURNITURE.search(answer.answer), answer.answer


def test_the_word_a_code_is_reported_with_asks_for_no_second_passage(kb: SampleKB) -> None:
    # Round 42 (a grading): "shows" was the one word the E4 row did not say, and "Blinking red: Error. ... the app
    # shows its code" was glued under it.
    answer = kb.answerer.answer("it shows E4 what do i do", [], audience="public")
    assert "Main brush stuck" in answer.answer and "Blinking red" not in answer.answer, answer.answer
    assert len(answer.citations) == 1, answer.answer


def test_a_section_at_the_top_of_a_page_keeps_its_heading(kb: SampleKB) -> None:
    # The maintenance table was filed under "6.4 Multi-floor maps" (its heading ran into the page header), so "how
    # often should I replace the filter" was "I'm not sure" with the multi-floor excerpt.
    answer = kb.answerer.answer("how often should i replace the HEPA filter", [], audience="public")
    assert "Every 3–6 months" in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "expected", "not_expected"),
    [
        # Round 39: "I don't know" (0.40): the specifications table says "Dustbin capacity 450 mL". Searched as
        # "size or capacity or dimensions", it also quoted the station's dimensions under it.
        ("how big is the dustbin", "**Dustbin capacity**: 450 mL", "Dimensions"),
        # "I don't know" (0.01): the manual says "Noise level", never "loud".
        ("how loud is it", "58 dB(A)", None),
        # "I don't know" (0.03): the suction modes' "Typical runtime" column.
        ("how long does the battery last on max", "**Max**\n- Suction: 4000 Pa\n- Typical runtime: 80 min", "Quiet"),
        # "Choose the suction mode in the app before or during a clean." (no number).
        ("whats the suction power", "4000 Pa", None),
        # The first-charge steps (a heading saying "Charging"); the troubleshooting row names the symptom, and its
        # second cause is printed as a row whose first cell the problem spans.
        ("robot wont charge", "Wipe the charging contacts", None),
        ("robot wont charge", "The station has no power", None),
        # The E13 row and then the table of symbols, headed "Meaning".
        ("what does E13 mean", "**E13**\n- Problem: Station cannot empty the dustbin", "Symbol"),
    ],
)
def test_everyday_wording_finds_the_manuals_specifications_and_symptoms(
    kb: SampleKB, question: str, expected: str, not_expected: str | None
) -> None:
    answer = kb.answerer.answer(question, [], audience="public")
    assert not answer.is_gap, answer.answer
    assert expected in answer.answer, answer.answer
    if not_expected:
        assert not_expected not in answer.answer, answer.answer


@pytest.mark.parametrize(
    "question",
    [
        # Round 39: "Products sent without an RMA number ... are returned at your cost. Repairs usually take 7–10
        # working days" at 0.99: "cost" and a number, no price. The manuals state no price.
        "how much does the orla v5 cost",
        # "Undo the four screws of the battery cover" (0.66).
        "how much does a replacement battery cost",
    ],
)
def test_a_price_the_manuals_never_state_is_not_answered_with_another_number(kb: SampleKB, question: str) -> None:
    answer = kb.answerer.answer(question, [], audience="public")
    assert answer.is_gap, answer.answer
