"""What a fourth help centre nothing was tuned on taught (round 37): Vela, e-scooter and e-bike sharing, published as
web pages with an FAQ page (evals/data/vela), ingested with the real model and asked its dev messages' cases."""

from __future__ import annotations

import pytest

from tests.helpcenter_kb import REPO_ROOT, SampleKB, sample_kb

VELA = REPO_ROOT / "evals" / "data" / "vela"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> SampleKB:
    return sample_kb(tmp_path_factory, VELA)


def test_the_faq_page_is_read_as_entries_and_titles_lose_the_site_name(kb: SampleKB) -> None:
    # faq.html was one article of thirteen question sections; every <title> ends in " – Vela Help Centre".
    entries = {doc_id for doc_id, row in kb.catalogue.items() if row.kind == "faq"}
    assert len(entries) == 13 and "faq.html#i-left-something-on-a-vehicle-what-can-i-do" in entries
    assert "faq.html" not in kb.catalogue
    assert kb.catalogue["account/delete-account.html"].title == "Deleting your account and your data"
    assert kb.catalogue["faq.html#do-i-need-a-helmet"].title == "Do I need a helmet?"


def test_an_faq_question_found_in_other_words_is_answered_from_its_entry(kb: SampleKB) -> None:
    # Was "I'm not sure" with the account article first: the question was a heading inside a long chunk.
    answer = kb.answerer.answer("can my girlfriend ride on the scooter with me", [], audience="public")
    assert not answer.is_gap, answer.answer
    assert [c.id for c in answer.citations][:1] == ["faq.html#can-two-people-ride-one-scooter"]
    assert "one rider per vehicle" in answer.answer


def test_a_support_number_is_the_contact_entry_not_a_list_that_mentions_it(kb: SampleKB) -> None:
    # Was the "I can't end my ride" list, the number in its third bullet (0.94).
    answer = kb.answerer.answer("support phone number", [], audience="public")
    assert [c.id for c in answer.citations][:1] == ["faq.html#how-do-i-contact-support"], answer.answer
    assert "+351 21 123 4567" in answer.answer


def test_changing_ones_own_phone_number_is_not_asking_for_the_support_number(kb: SampleKB) -> None:
    # Was the support number inside the "I can't end my ride" list at 0.92.
    answer = kb.answerer.answer("got a new sim card, how to change phone number on my account", [], "public")
    assert [c.id for c in answer.citations][:1] == ["getting-started/create-account.html"], answer.answer
    assert "Account details" in answer.answer


def test_an_faq_entry_found_by_a_word_of_its_answer_is_only_suggested(kb: SampleKB) -> None:
    # Was answered at 0.89 from "Can I ride in the rain?" ("brakes work less well on wet roads").
    answer = kb.answerer.answer("brakes not working", [], audience="public")
    assert answer.is_gap and answer.reason == "low_confidence", answer.answer
    assert "safety/reporting-a-problem.html" in [s.id for s in answer.sources][:3]


@pytest.mark.parametrize(
    ("question", "says", "not_said"),
    [
        # Was the steps to add a payment method ("... or choose Apple Pay, Google Pay or PayPal"): read as "yes".
        ("can i pay with paypal in rotterdam", "PayPal (Lisbon, Porto and Valencia)", "Add payment method"),
        # Was the steps to apply for the discount, which only students in Lisbon and Porto get.
        ("im a student in valencia, do i get a discount", "Lisbon and Porto", "Upload a photo"),
    ],
)
def test_a_yes_no_question_about_one_city_gets_where_it_holds(
    kb: SampleKB, question: str, says: str, not_said: str
) -> None:
    # Round 41, a grading of the dev answers: the cities are what the prices table compares.
    answer = kb.answerer.answer(question, [], audience="public")
    assert not answer.is_gap and says in answer.answer and not_said not in answer.answer, answer.answer
