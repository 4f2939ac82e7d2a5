"""answerdesk's hybrid retrieval as a LangChain retriever, for teams that build their own LangChain chains.

Each returned :class:`~langchain_core.documents.Document` is one knowledge-base article (or FAQ entry), ranked by
answerdesk's fused dense + keyword score. ``page_content`` holds the article's best-matching chunks in reading
order; ``metadata`` holds ``id``, ``title``, ``url``, ``version``, ``score``, ``chunk_ids``, ``audience``, ``kind``
and ``language``. The audience filter is applied inside both searches, as everywhere in answerdesk: the default
``audience="public"`` can never return an internal document; pass ``audience="internal"`` for employees only.

Usage (an LCEL chain; any LangChain chat model works in place of ``ChatOpenAI``)::

    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnablePassthrough
    from langchain_openai import ChatOpenAI

    from chatbot.config import load_settings
    from chatbot.lc_retriever import AnswerdeskRetriever

    retriever = AnswerdeskRetriever.from_settings(load_settings(), audience="public", k=4)

    def format_docs(docs):
        return "\\n\\n".join(f"[{i}] {d.metadata['title']}\\n{d.page_content}" for i, d in enumerate(docs, 1))

    prompt = ChatPromptTemplate.from_template(
        "Answer from these passages only, citing them as [n].\\n\\n{context}\\n\\nQuestion: {question}"
    )
    chain = (
        {"context": retriever | format_docs, "question": RunnablePassthrough()}
        | prompt
        | ChatOpenAI(model="gpt-4o-mini")
        | StrOutputParser()
    )
    print(chain.invoke("How do I request a refund?"))
"""

from __future__ import annotations

from typing import Literal, Self

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from chatbot.config import Settings
from chatbot.retrieval import HybridRetriever
from chatbot.runtime import Runtime, build_runtime
from chatbot.types import ScoredDocument


class AnswerdeskRetriever(BaseRetriever):
    """A LangChain ``BaseRetriever`` over answerdesk's :class:`~chatbot.retrieval.HybridRetriever`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: HybridRetriever
    """The hybrid (Chroma + BM25) retriever to search with."""
    audience: Literal["public", "internal"] = "public"
    """Whose question this is: ``public`` (customers) sees public documents only; ``internal`` sees everything."""
    k: int = Field(default=4, ge=1)
    """How many articles to return."""
    chunks_per_document: int = Field(default=2, ge=1)
    """How many of an article's best-matching chunks make up its ``page_content``."""

    @classmethod
    def from_runtime(cls, runtime: Runtime, *, audience: Literal["public", "internal"] = "public", k: int = 4) -> Self:
        """A retriever over an already built runtime (embedder, vector store, keyword index)."""
        retriever = HybridRetriever(runtime.embedder, runtime.store, runtime.keyword_index, runtime.settings.fusion)
        return cls(retriever=retriever, audience=audience, k=k)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, audience: Literal["public", "internal"] = "public", k: int = 4
    ) -> Self:
        """A retriever over the knowledge base that ``settings`` point at (loads the embedding model)."""
        return cls.from_runtime(build_runtime(settings), audience=audience, k=k)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.retriever.retrieve(query, self.audience, k=self.k)
        return [self._to_document(scored) for scored in result.documents]

    def _to_document(self, scored: ScoredDocument) -> Document:
        best = sorted(scored.chunks, key=lambda c: c.score, reverse=True)[: self.chunks_per_document]
        best.sort(key=lambda c: c.chunk.index)  # reading order
        first = best[0].chunk if best else None
        return Document(
            id=scored.doc_id,
            page_content="\n\n".join(c.chunk.text for c in best),
            metadata={
                "id": scored.doc_id,
                "title": scored.title,
                "url": scored.url,
                "version": scored.version,
                "score": scored.score,
                "chunk_ids": [c.chunk.id for c in best],
                "audience": first.audience if first else self.audience,
                "kind": scored.kind,
                "language": first.language if first else None,
            },
        )
