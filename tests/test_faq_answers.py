"""The FAQ fast path on an entry too long for one chunk: the answer is the entry's answer, never an empty "[1]".

A long entry is split after its question, so the chunk that matches the question best can hold the question alone
(the StackFAQ verification eval found 22 of 107 FAQ answers empty). Real model, real Chroma, real ingest.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from chatbot.answering import Answerer, build_answerer, same_entry
from chatbot.confidence import ConfidenceModel
from chatbot.config import Settings
from chatbot.types import Answer, Chunk, ScoredChunk, ScoredDocument
from ingest.factory import build_pipeline
from web import create_app
from web.db.engine import upgrade_database
from web.db.models import db
from web.services import get_runtime

pytestmark = pytest.mark.slow

LONG_QUESTION = "How do I move my whole company ledger from another bookkeeping tool?"
# One paragraph of ~300 word pieces: longer than a chunk, so the question ends up in a chunk of its own.
LONG_ANSWER = " ".join(
    f"Step {n}: export the ledger period {n} from the old tool as CSV, check the opening balances, and import it "
    f"under Settings > Import with the matching chart of accounts before you continue."
    for n in range(1, 9)
)


def test_a_long_faq_entry_is_answered_with_its_answer(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    entries = [
        {"id": "migrate", "question": LONG_QUESTION, "answer": LONG_ANSWER},
        {"id": "vat", "question": "Can I change the VAT rate of an invoice?", "answer": "Yes, open the invoice."},
        {"id": "logo", "question": "How do I add my logo to invoices?", "answer": "Upload it under Branding."},
    ]
    (kb / "faq.json").write_text(json.dumps(entries), encoding="utf-8")
    app = create_app(Settings(data_dir=tmp_path / "var"))
    upgrade_database(app)
    with app.app_context():
        runtime = get_runtime(app)
        build_pipeline(runtime, db.session()).sync_path(kb)
    chunks = sorted((c for c in runtime.store.all_chunks() if c.doc_id == "faq.json#migrate"), key=lambda c: c.index)
    assert len(chunks) > 1, "the entry must span several chunks for this test to mean anything"
    assert chunks[0].text.strip() == LONG_QUESTION  # the case that used to produce an empty answer

    answer = build_answerer(runtime).answer(LONG_QUESTION, [], audience="public")
    assert answer.writer == "faq" and not answer.is_gap
    assert answer.answer.startswith("Step 1: export the ledger period 1")
    # Quoted whole, over every chunk of the answer (about 220 words), and the chunks' overlap only once.
    assert "Step 8: export the ledger period 8" in answer.answer
    assert all(answer.answer.count(f"Step {n}:") == 1 for n in range(1, 9))
    assert answer.citations[0].id == "faq.json#migrate"
    assert answer.citations[0].chunk_id != chunks[0].id  # cites the chunk the answer text comes from


def test_an_entry_is_completed_only_with_the_version_and_audience_that_were_found() -> None:
    """An entry's other chunks come from the keyword index: one from another version (mid-ingest) or another
    audience must never be quoted beside the chunk the search found."""
    found = Chunk(id="faq#e::1", doc_id="faq#e", index=1, text="Part one.", title="Q", kind="faq", version=2)
    same = Chunk(id="faq#e::2", doc_id="faq#e", index=2, text="Part two.", title="Q", kind="faq", version=2)
    old = Chunk(id="faq#e::3", doc_id="faq#e", index=3, text="Old text.", title="Q", kind="faq", version=1)
    internal = Chunk(
        id="faq#e::4", doc_id="faq#e", index=4, text="Internal.", title="Q", kind="faq", version=2, audience="internal"
    )
    assert same_entry(found, [same, old, internal, None]) == [same]


class _LiveIndex:
    """The keyword index as an ingest that committed meanwhile left it: the entry's live chunks by id."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self._chunks = {chunk.id: chunk for chunk in chunks}

    def chunk_ids_of(self, doc_id: str) -> list[str]:
        return [chunk_id for chunk_id, chunk in self._chunks.items() if chunk.doc_id == doc_id]

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self._chunks.get(chunk_id)


def test_an_faq_answer_never_quotes_a_version_the_search_did_not_find() -> None:
    """A public entry's question was found (version 1), then an edit made the entry internal (version 2, now live in
    the keyword index) before the answer was composed. The found chunk holds the question alone, so the answer comes
    from the entry's other chunks: only those of the version and audience found may be quoted, never version 2's
    internal answer."""
    question = "Can I get a refund after 30 days?"
    found = Chunk(id="faq#late::0", doc_id="faq#late", index=0, text=question, title=question, kind="faq", version=1)
    internal = [
        Chunk(id="faq#late::0", doc_id="faq#late", index=0, text=question, title=question, kind="faq", version=2,
              audience="internal"),
        Chunk(id="faq#late::1", doc_id="faq#late", index=1, text="Staff may approve up to 500 EUR.", title=question,
              kind="faq", version=2, audience="internal"),
    ]  # fmt: skip
    document = ScoredDocument("faq#late", question, None, "faq", 1, 0.9, [ScoredChunk(found, 0.9)])
    answerer = Answerer(
        SimpleNamespace(keyword_index=_LiveIndex(internal)),  # type: ignore[arg-type]
        confidence_model=ConfidenceModel(weights={}, bias=0.0),
    )
    answer = Answer(question, "", False, None, 0.9, "en")
    answered = answerer._answer_from_faq(answer, document)
    assert "500 EUR" not in answer.answer
    assert not answered and not answer.citations  # nothing of version 1 to quote: the caller composes instead
