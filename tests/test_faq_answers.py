"""The FAQ fast path on an entry too long for one chunk: the answer is the entry's answer, never an empty "[1]".

A long entry is split after its question, so the chunk that matches the question best can hold the question alone
(the StackFAQ verification eval found 22 of 107 FAQ answers empty). Real model, real Chroma, real ingest.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.answering import build_answerer, same_entry
from chatbot.config import Settings
from chatbot.types import Chunk
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
