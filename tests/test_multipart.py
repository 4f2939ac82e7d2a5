"""Messages asking several things: where they split, and that each part gets its own answer."""

from __future__ import annotations

import pytest

from chatbot.answering import AnswerEvent
from chatbot.multipart import question_parts
from chatbot.types import Answer, Citation, SourceRef
from tests.helpcenter_kb import SampleKB, sample_kb


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        (
            "how do i add a user and what does it cost on business",
            ["how do i add a user", "what does it cost on business"],
        ),
        (
            "do you take amex, and can i switch to yearly billing",
            ["do you take amex", "can i switch to yearly billing"],
        ),
        ("Can I pay by card? Do you accept PayPal?", ["Can I pay by card", "Do you accept PayPal?"]),
        # One question: "and" joins two actions or two things, not two questions.
        ("how do i add and remove users", ["how do i add and remove users"]),
        ("what is the difference between plus and business", ["what is the difference between plus and business"]),
        # A part must name something: "and when" is no question of its own; nor is a greeting.
        ("Is there a way to see who viewed and when", ["Is there a way to see who viewed and when"]),
        ("hi, how do i reset my password", ["hi, how do i reset my password"]),
        # Nor is what goes on with the same question ("and have ..."), nor an auxiliary without a subject after it.
        (
            "How do I disable the did you mean feature and have google search for what I typed",
            ["How do I disable the did you mean feature and have google search for what I typed"],
        ),
        ("how can i log in and do my vat return", ["how can i log in and do my vat return"]),
        # An auxiliary before a noun phrase starts one too ("do" there is the verb, above).
        (
            "how do i void an invoice and does the number get reused later",
            ["how do i void an invoice", "does the number get reused later"],
        ),
        (
            "how many users can i add, and is there a limit on invoices",
            ["how many users can i add", "is there a limit on invoices"],
        ),
        # The "and" opening a part after a question mark is dropped: it reads as leaning on the part before.
        (
            "usb security keys for login need which plan? and how many spare one-time codes do i get",
            ["usb security keys for login need which plan", "how many spare one-time codes do i get"],
        ),
        ("how do i install it on iphone? and on android?", ["how do i install it on iphone? and on android?"]),
        # A clause before a comma is not a question of its own.
        ("If I downgrade, do I lose data?", ["If I downgrade, do I lose data?"]),
        ("退款多久到账，可以用支付宝吗", ["退款多久到账，可以用支付宝吗"]),
        # Nor is the customer's case told after the question (round 31: asked as a follow-up of the first part, "we're
        # on plus" got the lost-phone steps glued on).
        ("can i use my yubikey for 2fa? we're on plus", ["can i use my yubikey for 2fa? we're on plus"]),
        # ... nor what happened, told after it (round 41: "i only rode for 3 minutes", asked alone, got "If you report
        # a fault within the first 3 minutes of a ride, the whole ride is free" glued on).
        (
            "why is there a 10 euro charge on my card?? i only rode for 3 minutes",
            ["why is there a 10 euro charge on my card?? i only rode for 3 minutes"],
        ),
        # A first-person question after a question mark is a part.
        ("do you take amex? i can pay by sepa too?", ["do you take amex", "i can pay by sepa too?"]),
    ],
)
def test_a_message_splits_where_a_new_question_starts(message: str, parts: list[str]) -> None:
    assert question_parts(message) == parts


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> SampleKB:
    return sample_kb(tmp_path_factory)


@pytest.mark.slow
def test_each_part_is_answered_with_its_own_citation(kb: SampleKB) -> None:
    """Was the extra-user price alone (0.97), without the invite steps."""
    answer = kb.answerer.answer("how do i add a user and what does it cost on business", audience="public")
    assert not answer.is_gap
    assert [c.n for c in answer.citations] == [1, 2]
    assert "Invite user" in answer.answer and "€4" in answer.answer
    assert answer.answer.index("Invite user") < answer.answer.index("[1]") < answer.answer.index("€4")
    assert answer.answer.rstrip().endswith("[2]")


@pytest.mark.slow
def test_two_questions_each_documented_are_both_answered(kb: SampleKB) -> None:
    """Was "I'm not sure" (0.25): no single article answers both."""
    answer = kb.answerer.answer("do you take amex, and can i switch to yearly billing", audience="public")
    assert not answer.is_gap, answer.answer
    cited = {c.id for c in answer.citations}
    assert cited & {"billing/payment-methods.md", "faq/faq.csv#payment-methods"}
    assert cited & {"billing/change-plan.md", "faq/faq.csv#change-plan"}
    assert "American Express" in answer.answer and "annual" in answer.answer


@pytest.mark.slow
def test_a_part_opening_with_and_after_a_question_mark_is_answered_as_its_own_question(kb: SampleKB) -> None:
    """Its "and" made the second part a follow-up, searched with "security keys": the 2FA introduction was quoted
    instead of the backup codes (round 22)."""
    message = "usb security keys for login need which plan? and how many spare one-time codes do i get"
    answer = kb.answerer.answer(message, audience="public")
    assert not answer.is_gap, answer.answer
    assert "**Security key (FIDO2 / WebAuthn)**\n- Plans: Business" in answer.answer, answer.answer
    assert "10 backup codes" in answer.answer, answer.answer
    assert "protects your Lumo login" not in answer.answer


@pytest.mark.slow
def test_a_part_that_gets_an_earlier_part_s_passage_again_is_asked_alone(kb: SampleKB) -> None:
    """Asked as a follow-up of the scan steps, "does it work with no internet" got the scan steps again, and the
    offline half was left unanswered; asked alone, it gets the offline entry."""
    answer = kb.answerer.answer(
        "how do i scan receipts on my phone and does it work with no internet", audience="public"
    )
    assert not answer.is_gap, answer.answer
    assert "tap **Scan**" in answer.answer and "offline" in answer.answer
    assert answer.answer.index("tap **Scan**") < answer.answer.index("offline")
    assert len({c.chunk_id for c in answer.citations}) == len(answer.citations) == 2


@pytest.mark.slow
def test_a_message_whose_part_is_not_answered_confidently_is_answered_whole(
    kb: SampleKB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No part is quoted with a confidence it did not reach: with one part the help centre does not answer, the
    reply is the one the message gets as a single question."""
    message = "how do i add a user and do you have an office in tokyo"
    assert len(question_parts(message)) == 2
    assert not kb.answerer.answer("how do i add a user", audience="public").is_gap
    split = kb.answerer.answer(message, audience="public")
    monkeypatch.setattr("chatbot.answering.question_parts", lambda text: [text])
    whole = kb.answerer.answer(message, audience="public")
    assert (split.answer, split.is_gap, split.citations) == (whole.answer, whole.is_gap, whole.citations)


def _answered(question: str, doc_id: str) -> Answer:
    citation = Citation(1, doc_id, doc_id, None, 1, f"{doc_id}::0", 1.0)
    return Answer(question, f"From {doc_id}. [1]", False, None, 0.9, "en", citations=[citation])


@pytest.mark.parametrize(
    ("whole_doc", "answer_is_joined"),
    [
        # The message as one question found what one of its parts finds alone: the other part went unanswered.
        ("extra-users", True),
        # It found a passage neither part finds alone: one about both (a manual's section on the pair).
        ("both-together", False),
    ],
)
def test_a_passage_only_the_whole_message_finds_answers_it_whole(
    kb: SampleKB, monkeypatch: pytest.MonkeyPatch, whole_doc: str, answer_is_joined: bool
) -> None:
    message = "how do i add a user and what does it cost on business"
    joined = _answered(message, "invite-steps")
    joined.citations.append(Citation(2, "extra-users", "extra-users", None, 1, "extra-users::0", 1.0))
    answerer = kb.answerer
    monkeypatch.setattr(
        answerer,
        "_stream_question",
        lambda *a, **k: iter([AnswerEvent("answer", answer=_answered(message, whole_doc))]),
    )
    parts = [_answered("how do i add a user", "invite-steps"), _answered("what does it cost", "extra-users")]
    monkeypatch.setattr(answerer, "_answer_parts", lambda *a: parts)
    monkeypatch.setattr("chatbot.answering._joined", lambda *a: joined)
    reply = answerer.answer(message, audience="public")
    assert (reply is joined) == answer_is_joined
    assert reply.citations[0].id == ("invite-steps" if answer_is_joined else whole_doc)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("message", "whole", "added"),
    [
        # Was the renewal steps alone: the part about losing transactions is not confident on its own (0.19).
        (
            "how do i renew bank consent and do i lose transactions while its expired",
            "choose **Renew consent**",
            "No transactions are lost",
        ),
        ("how do i cancel my plan and do i get a refund", "Click **Cancel subscription**", "eligible for a refund"),
    ],
)
def test_a_part_the_whole_answer_leaves_out_gets_its_passage_of_the_same_article(
    kb: SampleKB, message: str, whole: str, added: str
) -> None:
    answer = kb.answerer.answer(message, audience="public")
    assert not answer.is_gap and whole in answer.answer and added in answer.answer, answer.answer
    assert answer.answer.index(whole) < answer.answer.index(added)
    assert [c.n for c in answer.citations] == [1]  # the same article, cited once
    assert answer.answer.rstrip().endswith("[1]")


@pytest.mark.slow
def test_a_part_the_whole_answer_says_already_gets_nothing_more(kb: SampleKB) -> None:
    # "how many users on plus" is answered by the extra-users entry the whole message gets ("The Plus plan
    # includes 3 users"): the users table is not added under it.
    answer = kb.answerer.answer("how many users on plus and can i pay for extra ones", audience="public")
    assert not answer.is_gap and "3 users" in answer.answer
    assert "| Plan |" not in answer.answer and len(answer.citations) == 1


def _cited(question: str, text: str, confidence: float, *cited: tuple[str, str]) -> Answer:
    citations = [Citation(n, doc, doc, None, 1, chunk, 1.0) for n, (doc, chunk) in enumerate(cited, start=1)]
    answer = Answer(question, text, False, None, confidence, "en", citations=citations)
    answer.sources = [SourceRef(doc, doc, 1.0) for doc, _chunk in cited]
    return answer


@pytest.mark.slow
def test_a_part_s_own_answer_is_added_with_its_citations_numbered_on(kb: SampleKB) -> None:
    whole = _cited("renew consent and export invoices", "Click Renew consent. [1]", 0.9, ("A", "A::0"))
    new_document = _cited("export invoices", "Go to Data > Export. [1]", 0.6, ("B", "B::3"))
    same_document = _cited("export invoices", "Export from the account card [1].", 0.7, ("A", "A::5"))
    parts = ["how do i renew consent", "can i export invoices"]
    added = kb.answerer._completed(whole, parts, [None, new_document], [], "public")
    assert added.answer == "Click Renew consent. [1]\n\nGo to Data > Export. [2]"
    assert [(c.n, c.id) for c in added.citations] == [(1, "A"), (2, "B")]
    assert added.confidence == 0.6 and [s.id for s in added.sources] == ["A", "B"]
    again = kb.answerer._completed(whole, parts, [None, same_document], [], "public")
    assert again.answer.endswith("Export from the account card [1].") and len(again.citations) == 1
    # A part the answer already says gets nothing more, and the answer is the whole one as it was.
    said = _cited("x", "Click Renew consent, or export invoices. [1]", 0.9, ("A", "A::0"))
    assert kb.answerer._completed(said, parts, [None, new_document], [], "public") is said
