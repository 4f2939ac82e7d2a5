"""Other phrasings of an FAQ question (``faq_alternatives``): searched by both indexes and the FAQ fast path, never
shown. On the sample help centre with the real model, a real Chroma and real SQLite: a paraphrase that abstained
against the FAQ alone is answered from it once a phrasing close to it is attached.

The entry is added to the shared sample knowledge base for the test and deleted afterwards (the other modules
only read it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chatbot.types import Answer, SourceDocument
from ingest.factory import build_pipeline
from tests.helpcenter_kb import SampleKB, sample_kb
from web import create_app
from web.db.models import Document, db

pytestmark = pytest.mark.slow

DOC_ID = "editor/faq#screen-reader"
QUESTION = "Can I use Lumo with a screen reader?"
ANSWER = (
    "Yes. Lumo works with NVDA, JAWS and VoiceOver: every page has labelled buttons and keyboard shortcuts, "
    "listed under Help > Keyboard shortcuts."
)
PHRASINGS = ("Is Lumo accessible for blind people?", "Does the app support visually impaired users?")
# Close to the second phrasing, far from the question's words: no FAQ match and an abstention without phrasings.
PARAPHRASE = "can visually impaired people use lumo"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleKB]:
    kb = sample_kb(tmp_path_factory)
    yield kb
    with create_app(kb.settings).app_context():
        build_pipeline(kb.runtime, db.session()).delete_documents([DOC_ID])


def store(kb: SampleKB, phrasings: tuple[str, ...]) -> int:
    """Sync the entry with these phrasings; its version."""
    document = SourceDocument(
        id=DOC_ID,
        title=QUESTION,
        text=f"{QUESTION}\n\n{ANSWER}",
        kind="faq",
        faq_question=QUESTION,
        faq_answer=ANSWER,
        faq_alternatives=phrasings,
    )
    with create_app(kb.settings).app_context():
        build_pipeline(kb.runtime, db.session()).sync_documents([document], source_root="editor")
        row = db.session.get(Document, DOC_ID)
        assert row is not None
        return row.current_version


def ask(kb: SampleKB, question: str) -> Answer:
    return kb.answerer.answer(question, [], audience="public")


def test_a_phrasing_answers_a_paraphrase_that_abstained_and_is_never_shown(kb: SampleKB) -> None:
    assert store(kb, ()) == 1
    assert ask(kb, QUESTION).writer == "faq"
    before = ask(kb, PARAPHRASE)
    assert before.is_gap, (before.answer, before.confidence)

    assert store(kb, PHRASINGS) == 2  # new phrasings are a new version
    after = ask(kb, PARAPHRASE)
    assert not after.is_gap and after.writer == "faq", (after.answer, after.confidence)
    assert [c.id for c in after.citations] == [DOC_ID] and after.citations[0].version == 2
    assert after.answer == f"{ANSWER} [1]"  # the answer, never a phrasing
    assert after.evidence["faq_similarity"] > 0.82

    # Search-only: the chunk's text is the entry's text; each phrasing is a vector of its own found as the chunk.
    chunks = [c for c in kb.runtime.store.all_chunks() if c.doc_id == DOC_ID]
    assert [c.text for c in chunks] == [f"{QUESTION}\n\n{ANSWER}"]
    keyword_chunk = kb.runtime.keyword_index.chunk(chunks[0].id)
    assert keyword_chunk is not None and keyword_chunk.alternatives == PHRASINGS
    vector = kb.runtime.embedder.encode_queries([PHRASINGS[0]])[0]
    hits = kb.runtime.store.query_ids(vector, 10, "public")
    assert hits[0][:2] == (chunks[0].id, 2) and hits[0][2] > 0.99
    assert len({chunk_id for chunk_id, _version, _similarity in hits}) == len(hits)  # each chunk once
    assert [h.doc_id for h in kb.runtime.keyword_index.search("blind people", 3, "public")][:1] == [DOC_ID]

    # Dropping the phrasings drops their vectors with the old version: the paraphrase abstains again.
    assert store(kb, ()) == 3
    assert ask(kb, PARAPHRASE).is_gap
    assert all(similarity < 0.99 for _id, _version, similarity in kb.runtime.store.query_ids(vector, 10, "public"))
