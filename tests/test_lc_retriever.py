"""answerdesk's hybrid retrieval as a LangChain retriever, on the ingested sample help centre (no LLM)."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from pydantic import ValidationError

from chatbot.lc_retriever import AnswerdeskRetriever
from tests.helpcenter_kb import SampleKB, sample_kb

pytestmark = pytest.mark.slow

PUBLIC_REFUND_DOCS = {
    "faq/faq.csv#request-refund",
    "billing/refunds.md",
    "faq/faq.csv#refund-window",
    "faq/faq.csv#refund-time",
    "zh/refunds.md",
}
INTERNAL_QUESTIONS = [
    "How much can a Tier 2 agent refund without manager sign-off?",
    "What is the escalation phone extension?",
    "What is known issue KI-231?",
]
METADATA_KEYS = {"id", "title", "url", "version", "score", "chunk_ids", "audience", "kind", "language"}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> SampleKB:
    return sample_kb(tmp_path_factory)


@pytest.fixture(scope="module")
def retriever(kb: SampleKB) -> AnswerdeskRetriever:
    return AnswerdeskRetriever.from_settings(kb.settings)


def test_is_a_langchain_retriever_with_a_safe_default(retriever: AnswerdeskRetriever) -> None:
    assert isinstance(retriever, BaseRetriever)
    assert retriever.audience == "public"
    assert retriever.k == 4
    with pytest.raises(ValidationError):
        AnswerdeskRetriever(retriever=retriever.retriever, audience="everyone")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        AnswerdeskRetriever(retriever=retriever.retriever, k=0)


def test_invoke_returns_public_refund_articles(kb: SampleKB, retriever: AnswerdeskRetriever) -> None:
    documents = retriever.invoke("How do I request a refund?")
    assert 1 <= len(documents) <= retriever.k
    assert all(isinstance(d, Document) for d in documents)
    ids = [d.metadata["id"] for d in documents]
    assert len(set(ids)) == len(ids)  # one Document per article
    assert ids[0] in PUBLIC_REFUND_DOCS
    assert len(set(ids) & PUBLIC_REFUND_DOCS) >= 2, ids
    scores = [d.metadata["score"] for d in documents]
    assert scores == sorted(scores, reverse=True)
    for document in documents:
        metadata = document.metadata
        assert set(metadata) == METADATA_KEYS
        row = kb.catalogue[metadata["id"]]
        assert document.id == row.id
        assert metadata["title"] == row.title
        assert metadata["version"] == row.version >= 1
        assert metadata["audience"] == row.audience == "public"
        assert metadata["chunk_ids"] and all(c.startswith(f"{row.id}::") for c in metadata["chunk_ids"])
        # page_content is the text of those chunks, in reading order.
        texts = {c.id: c.text for c in kb.chunks[row.id]}
        assert document.page_content == "\n\n".join(texts[c] for c in metadata["chunk_ids"])
        indexes = [int(c.rsplit("::", 1)[1]) for c in metadata["chunk_ids"]]
        assert indexes == sorted(indexes)


@pytest.mark.parametrize("question", INTERNAL_QUESTIONS)
def test_public_audience_never_returns_internal_documents(
    kb: SampleKB, retriever: AnswerdeskRetriever, question: str
) -> None:
    for k in (retriever.k, 30):
        documents = AnswerdeskRetriever(retriever=retriever.retriever, k=k).invoke(question)  # default audience
        assert 1 <= len(documents) <= k
        for document in documents:
            assert document.metadata["audience"] == "public"
            assert kb.audience(document.metadata["id"]) == "public", document.metadata["id"]
            assert "4411" not in document.page_content and "KI-231" not in document.page_content


@pytest.mark.parametrize("question", INTERNAL_QUESTIONS)
def test_internal_audience_finds_the_internal_documents(
    kb: SampleKB, retriever: AnswerdeskRetriever, question: str
) -> None:
    internal = AnswerdeskRetriever(retriever=retriever.retriever, audience="internal")
    documents = internal.invoke(question)
    assert kb.audience(documents[0].metadata["id"]) == "internal"
    assert documents[0].metadata["audience"] == "internal"


def test_from_runtime_and_async(kb: SampleKB) -> None:
    retriever = AnswerdeskRetriever.from_runtime(kb.runtime, k=2)
    documents = asyncio.run(retriever.ainvoke("How do I connect Stripe?"))
    assert len(documents) == 2
    assert documents[0].metadata["id"] == "integrations/stripe.md"


def test_composes_in_an_lcel_chain_without_an_llm(retriever: AnswerdeskRetriever) -> None:
    def format_docs(documents: list[Document]) -> str:
        return "\n\n".join(
            f"[{n}] {d.metadata['title']} ({d.metadata['id']})\n{d.page_content}" for n, d in enumerate(documents, 1)
        )

    def fake_prompt(inputs: dict[str, str]) -> str:
        return f"Question: {inputs['question']}\n\nPassages:\n{inputs['context']}"

    chain = {"context": retriever | RunnableLambda(format_docs), "question": RunnablePassthrough()} | RunnableLambda(
        fake_prompt
    )
    prompt = chain.invoke("How do I request a refund?")
    assert prompt.startswith("Question: How do I request a refund?")
    assert "[1] " in prompt and "Request refund" in prompt
    assert "internal/" not in prompt

    batch = chain.batch(["How do I connect Stripe?", "What is the escalation phone extension?"])
    assert "integrations/stripe.md" in batch[0]
    assert "4411" not in batch[1] and "internal/" not in batch[1]
