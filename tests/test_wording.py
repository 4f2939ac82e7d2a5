"""Clipping customer text for lists and headings (web/wording.py) and gap titles (web/gaps/titles.py); what the bot
did with a question, in one statement (web/wording.py)."""

from __future__ import annotations

from web.gaps.titles import MAX_GAP_TITLE_CHARS, gap_title, is_title_of
from web.wording import answer_outcome, clipped

SPAM = " ".join(["refund"] * 286)  # 2,001 characters: the QA report's spam question


def test_short_text_is_kept_on_one_line() -> None:
    assert clipped("How do I\n  reset my password?", 140) == "How do I reset my password?"


def test_long_text_is_cut_between_words_with_an_ellipsis() -> None:
    shown = clipped(SPAM, 140)
    assert len(shown) <= 140 and shown.endswith("refund…") and SPAM.startswith(shown[:-1])


def test_a_run_without_spaces_is_cut_where_the_room_ends() -> None:
    assert clipped("a" * 1800, 140) == "a" * 139 + "…"
    assert clipped("退款" * 500, 10) == "退款退款退款退款退" + "…"


def test_gap_titles_are_capped_and_still_recognised() -> None:
    title = gap_title(SPAM)
    assert len(title) <= MAX_GAP_TITLE_CHARS and title.endswith("…")
    assert gap_title("Do you ship to Iceland?") == "Do you ship to Iceland?"
    # A moved or deleted question takes its title with it, whether the title was stored clipped or whole (before).
    assert is_title_of(title, SPAM) and is_title_of(SPAM, SPAM)
    assert not is_title_of(title, "refund please")


def test_an_answer_says_its_confidence_and_a_non_answer_says_why_without_a_number() -> None:
    """ "Confidence 0.96 · low confidence" read as a contradiction: "I'm not sure" also follows a confident match
    that does not say what was asked, so a non-answer is not shown with the number it was not decided on."""
    assert answer_outcome(False, None, 0.9612) == "Answered with confidence 0.96"
    assert answer_outcome(False, None, None) == "Answered"
    unsure = answer_outcome(True, "low_confidence", 0.96)
    assert unsure == "Not sure: suggested articles to read instead of answering" and "0.96" not in unsure
    assert answer_outcome(True, "no_match", 0.1).startswith("Not answered: nothing in the knowledge base matched")
    assert answer_outcome(True, "empty_index", None) == "Not answered: the knowledge base was empty"
    assert answer_outcome(True, "llm_declined", 0.7) == "Not answered: the articles found did not hold the answer"
    assert answer_outcome(True, None, 0.5) == answer_outcome(True, "something_new", 0.5) == "Not answered"
