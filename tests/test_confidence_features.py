"""Confidence evidence on hand-made retrievals: a copy of the best article agrees with it, it does not compete."""

from __future__ import annotations

import numpy as np

from chatbot.confidence import confidence_features
from chatbot.keyword import KeywordHit
from chatbot.retrieval import RetrievalResult
from chatbot.store import DenseHit
from chatbot.types import Chunk, ScoredChunk, ScoredDocument

PIN_TEXT = "Settings General System Manager Change PIN. Enter a PIN, then enter it again to confirm it."
RESET_TEXT = "Settings Support Self Diagnosis Reset Smart Hub. Enter the PIN to reset Smart Hub."


def _chunk(doc_id: str, title: str, text: str) -> Chunk:
    return Chunk(id=f"{doc_id}::0", doc_id=doc_id, index=0, text=text, title=title)


def _retrieval(second_title: str, second_text: str) -> RetrievalResult:
    """The PIN page first, then a second page (scored almost as high, first in the dense search), then a page on
    resetting Smart Hub well below."""
    pages = [
        (_chunk("pin-a", "Changing the PIN", PIN_TEXT), 1.50, 0.60),
        (_chunk("pin-b", second_title, second_text), 1.49, 0.61),
        (_chunk("reset", "Resetting Smart Hub", RESET_TEXT), 1.00, 0.40),
    ]
    documents = [
        ScoredDocument(c.doc_id, c.title, None, "article", 1, score, [ScoredChunk(c, score, dense_score=dense)], dense)
        for c, score, dense in pages
    ]
    dense_hits = [DenseHit(c, dense) for c, _score, dense in sorted(pages, key=lambda p: -p[2])]
    keyword_hits = [KeywordHit(c, score * 4) for c, score, _dense in pages]
    return RetrievalResult(
        "How do I change the PIN?", "public", ["chang", "pin"], np.zeros(4), documents, dense_hits, keyword_hits
    )


def _idf(term: str) -> float:
    return 1.0


def test_a_copy_of_the_best_page_is_not_its_rival() -> None:
    """The same page filed twice (same title, same text): the leads are over the next different page, and the
    dense search ranking the copy first still agrees with the answer."""
    copied = confidence_features(_retrieval("Changing the PIN", PIN_TEXT), _idf)
    assert copied["margin"] > 0.3  # (1.50 - 1.00) / 1.50, against the Smart Hub page
    assert copied["dense_agrees"] == 1.0 and copied["keyword_agrees"] == 1.0
    assert copied["dense_margin"] > 0.15 and copied["keyword_margin"] > 0.3


def test_a_different_page_with_the_same_title_or_the_same_text_is_a_rival() -> None:
    for title, text in (("Changing the PIN", RESET_TEXT), ("Parental controls", PIN_TEXT)):
        rival = confidence_features(_retrieval(title, text), _idf)
        assert rival["margin"] < 0.01 and rival["dense_agrees"] == 0.0 and rival["keyword_margin"] < 0.01


def _single_page(question: str, text: str) -> RetrievalResult:
    chunk = _chunk("users", "Users and permissions", text)
    document = ScoredDocument("users", chunk.title, None, "article", 1, 1.0, [ScoredChunk(chunk, 1.0, 0.5)], 0.5)
    return RetrievalResult(
        question, "public", [], np.zeros(4), [document], [DenseHit(chunk, 0.5)], [KeywordHit(chunk, 4.0)]
    )


def test_a_passage_naming_the_asked_action_in_another_word_covers_it() -> None:
    """ "Remove user" answers "how do I delete a user": the verb is neither missing nor an uncovered rare word
    (the right section was "I'm not sure", 0.10, on the sample help centre)."""
    said_otherwise = confidence_features(_single_page("how do i delete a user", "Click Remove user."), _idf)
    assert said_otherwise["action_missing"] == 0.0
    assert said_otherwise["coverage"] == 1.0 and said_otherwise["missing_rare"] == 0.0
    elsewhere = confidence_features(_single_page("how do i delete a user", "Click Invite user."), _idf)
    assert elsewhere["action_missing"] == 1.0 and elsewhere["coverage"] < 1.0
