"""Extractive composer mechanics on hand-made retrieval results (no model needed)."""

from __future__ import annotations

import re

from chatbot.composer import ExtractiveComposer
from chatbot.types import Chunk, ScoredChunk, ScoredDocument


def _document(doc_id: str, title: str, texts: list[str], kind: str = "article", score: float = 1.0) -> ScoredDocument:
    chunks = [
        ScoredChunk(Chunk(id=f"{doc_id}::{i}", doc_id=doc_id, index=i, text=t, title=title, kind=kind), score - i / 10)  # type: ignore[arg-type]
        for i, t in enumerate(texts)
    ]
    return ScoredDocument(doc_id, title, None, kind, 1, score, chunks)  # type: ignore[arg-type]


def _idf(term: str) -> float:
    return 1.0


def test_an_faq_chunk_with_only_its_question_is_skipped_for_the_next_article() -> None:
    faq = _document("faq.csv#1", "How do I export data?", ["How do I export data?"], kind="faq", score=2.0)
    article = _document("export.md", "Export", ["Go to Settings > Export and click Download to export your data."])
    composition = ExtractiveComposer().compose("How do I export data?", [faq, article], _idf)
    assert composition.citations and composition.citations[0].id == "export.md"
    assert "Settings > Export" in composition.text and composition.text.endswith("[1]")


def test_nothing_quotable_gives_an_empty_composition() -> None:
    faq = _document("faq.csv#1", "How do I export data?", ["How do I export data?"], kind="faq")
    assert ExtractiveComposer().compose("How do I export data?", [faq], _idf).text == ""


def test_a_how_to_question_gets_the_numbered_steps_from_step_one() -> None:
    intro = "Invoices can be sent by email. Sending invoices is free on every plan."
    steps = "1. Go to Invoices > New invoice.\n2. Choose a customer.\n3. Click Send invoice."
    article = _document("invoices.md", "Invoices", [intro, steps])
    text = ExtractiveComposer().compose("How do I send an invoice?", [article], _idf).text
    assert [int(n) for n in re.findall(r"^(\d+)\.", text, flags=re.MULTILINE)] == [1, 2, 3]
