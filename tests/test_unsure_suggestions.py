""" "I'm not sure" with suggestions (issue "Right when it answers", item 4), over the real sample help centre: each
suggested article comes with its line closest to the question, so a reader can tell which one is about what they
asked; a confident answer and a plain "I don't know" carry none."""

from __future__ import annotations

import pytest

from chatbot.types import Answer
from tests.helpcenter_kb import SampleKB, sample_kb

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> SampleKB:
    return sample_kb(tmp_path_factory)


def ask(kb: SampleKB, question: str) -> Answer:
    return kb.answerer.answer(question, [], audience="public")


def test_a_suggested_article_shows_its_line_closest_to_the_question(kb: SampleKB) -> None:
    answer = ask(kb, "my ipad is stuck on ios 15, will the lumo app run on it")
    assert answer.reason == "low_confidence", (answer.reason, answer.answer)
    excerpts = {ref.id: ref.excerpt for ref in answer.related}
    assert excerpts.get("faq/faq.csv#mobile-requirements") == (
        "The app needs iOS or iPadOS 16 or later, or Android 10 or later."
    ), excerpts
    for ref in answer.related:
        assert ref.excerpt is None or ("**" not in ref.excerpt and not ref.excerpt.startswith(("-", "*"))), ref
    assert answer.to_dict()["related"][0]["excerpt"] == answer.related[0].excerpt


def test_public_suggestions_quote_public_articles_only(kb: SampleKB) -> None:
    """The excerpts come from the suggested articles, which the audience filter chose: nothing internal."""
    answer = ask(kb, "i'm the owner and lost my 2fa + all backup codes. what questions are you going to ask me?")
    assert answer.is_gap and answer.related
    assert all(not ref.id.startswith("internal/") for ref in answer.related), answer.related


def test_a_confident_answer_and_i_dont_know_carry_no_excerpt(kb: SampleKB) -> None:
    confident = ask(kb, "How do I request a refund?")
    assert not confident.is_gap
    assert all("excerpt" not in source for source in confident.to_dict()["sources"])
    unknown = ask(kb, "hey, do you sell garden furniture")
    assert unknown.reason == "no_match", (unknown.reason, unknown.answer)
    assert all(ref.excerpt is None for ref in unknown.related)
