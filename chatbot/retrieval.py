"""Hybrid retrieval: dense (Chroma) + keyword (BM25) chunk search, fused and grouped per article.

Both searches are restricted to the caller's audience inside the search itself (a Chroma collection and a keyword
index built from public chunks only), never by filtering a truncated list afterwards.

Fusion is a weighted sum, per article, of the min-max-normalised best dense cosine, the BM25 score relative to the
query's best, and a reciprocal-rank term. Which signal deserves the weight depends on the knowledge base's shape:
on a manual (long articles, questions in the manual's own words) keyword matching wins (TV manual dev MRR@10: BM25
alone 0.78, dense alone 0.51); on an FAQ list (short entries, paraphrased questions) dense wins (StackFAQ dev: dense
alone 0.96, keyword alone 0.79, any keyword weight lowers it). So the weights follow the share of FAQ entries among
the audience's documents, between two profiles chosen on those two dev splits (docs/benchmarks.md, "Retrieval"):
no labels are needed, and a mixed help centre gets a mix. ``ANSWERDESK_FUSION`` pins one profile.

A Chinese question with an English-only embedder (MiniLM) is searched by keywords, whatever the profile, with a
dense weight just large enough to break a near tie: the model's vectors of Chinese text rank paragraphs poorly
(CMRC 2018 dev MRR@10: dense alone 0.34, the article profile 0.979, keywords alone or with dense 0.05 0.982), but
an FAQ entry whose question is the user's own words is still close, and should win a tie with the article that
says the same.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from chatbot.config import FUSION_PROFILES
from chatbot.embedders import Embedder, Vectors
from chatbot.keyword import KeywordHit, KeywordIndex, query_terms
from chatbot.language import detect_language
from chatbot.store import DenseHit, VectorStore
from chatbot.types import Audience, ScoredChunk, ScoredDocument


@dataclass(frozen=True)
class FusionWeights:
    dense: float = 0.3
    keyword: float = 1.0
    rrf: float = 0.5
    rrf_k: int = 60
    # A second chunk of the same article that also matches adds a little: the article is about the question.
    second_chunk: float = 0.0


# Chosen on the dev splits named above (grid over dense/keyword/rrf weights, best MRR@10 on each).
ARTICLE_WEIGHTS = FusionWeights(dense=0.1, keyword=1.0, rrf=0.25)
FAQ_WEIGHTS = FusionWeights(dense=1.0, keyword=0.0, rrf=0.0)
KEYWORD_WEIGHTS = FusionWeights(dense=0.05, keyword=1.0, rrf=0.0)


def weights_for_shape(faq_share: float) -> FusionWeights:
    """Interpolate between the article and FAQ profiles by the share of FAQ entries in the knowledge base."""
    share = min(1.0, max(0.0, faq_share))

    def mix(article: float, faq: float) -> float:
        return (1.0 - share) * article + share * faq

    return FusionWeights(
        dense=mix(ARTICLE_WEIGHTS.dense, FAQ_WEIGHTS.dense),
        keyword=mix(ARTICLE_WEIGHTS.keyword, FAQ_WEIGHTS.keyword),
        rrf=mix(ARTICLE_WEIGHTS.rrf, FAQ_WEIGHTS.rrf),
    )


@dataclass
class RetrievalResult:
    query: str
    audience: Audience
    query_tokens: list[str]
    query_vector: Vectors
    documents: list[ScoredDocument]
    dense_hits: list[DenseHit]
    keyword_hits: list[KeywordHit]
    timings_ms: dict[str, float] = field(default_factory=dict)


class HybridRetriever:
    def __init__(
        self,
        embedder: Embedder,
        store: VectorStore,
        keyword_index: KeywordIndex,
        weights: FusionWeights | str = "auto",
        candidates: int = 40,
    ) -> None:
        """``weights``: fixed weights, a profile name ("articles", "faq"), or "auto" (by the knowledge base's
        shape, looked up per search so that an ingest that changes the shape takes effect at once)."""
        self.embedder = embedder
        self.store = store
        self.keyword_index = keyword_index
        if isinstance(weights, str) and weights not in FUSION_PROFILES:
            raise ValueError(f"unknown fusion profile {weights!r}; expected one of {', '.join(FUSION_PROFILES)}")
        self.weights = weights
        self.candidates = candidates

    def weights_for(self, audience: Audience, query: str) -> FusionWeights:
        if not self.embedder.multilingual and detect_language(query) == "zh":
            return KEYWORD_WEIGHTS
        if isinstance(self.weights, FusionWeights):
            return self.weights
        if self.weights == "articles":
            return ARTICLE_WEIGHTS
        if self.weights == "faq":
            return FAQ_WEIGHTS
        return weights_for_shape(self.keyword_index.faq_share(audience))

    def retrieve(self, query: str, audience: Audience, k: int = 10) -> RetrievalResult:
        """The audience's best articles for ``query``, searched with its typos corrected to the knowledge base's
        own words (chatbot/spelling.py) and its everyday words the knowledge base never uses replaced by ones it
        does (chatbot/synonyms.py); ``RetrievalResult.query`` is the text searched."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        query = self.keyword_index.speller(audience).correct(query)
        query = self.keyword_index.synonyms(audience).apply(query)
        timings["spell"] = _ms_since(started)

        started = time.perf_counter()
        vector = self.embedder.encode_queries([query])[0]
        timings["embed"] = _ms_since(started)

        started = time.perf_counter()
        dense = self._dense_hits(vector, audience)
        timings["search"] = _ms_since(started)

        started = time.perf_counter()
        query_tokens = query_terms(query)
        keyword = self.keyword_index.search_tokens(query_tokens, self.candidates, audience)
        timings["keyword"] = _ms_since(started)

        started = time.perf_counter()
        documents = fuse(dense, keyword, self.weights_for(audience, query))[:k]
        timings["fuse"] = _ms_since(started)
        return RetrievalResult(query, audience, query_tokens, vector, documents, dense, keyword, timings)

    def _dense_hits(self, vector: Vectors, audience: Audience) -> list[DenseHit]:
        hits = []
        found = self.store.query_ids(vector, self.candidates, audience)
        chunks = self.keyword_index.chunks(chunk_id for chunk_id, _, _ in found)
        for (_, version, similarity), chunk in zip(found, chunks, strict=True):
            # A vector whose version is not the live one belongs to an ingest not yet committed (or already
            # replaced): ignore it. The audience check repeats the store's filter, as defence in depth.
            if chunk is None or chunk.version != version or (audience == "public" and chunk.audience != "public"):
                continue
            hits.append(DenseHit(chunk, similarity))
        return hits


def fuse(dense: Sequence[DenseHit], keyword: Sequence[KeywordHit], weights: FusionWeights) -> list[ScoredDocument]:
    chunks: dict[str, ScoredChunk] = {}
    for rank, hit in enumerate(dense):
        chunks[hit.chunk.id] = ScoredChunk(hit.chunk, 0.0, dense_score=hit.similarity, dense_rank=rank)
    for rank, kw_hit in enumerate(keyword):
        scored = chunks.setdefault(kw_hit.chunk.id, ScoredChunk(kw_hit.chunk, 0.0))
        scored.keyword_score = kw_hit.score
        scored.keyword_rank = rank
    if not chunks:
        return []

    dense_scores = [h.similarity for h in dense]
    dense_low = min(dense_scores) if dense_scores else 0.0
    dense_span = (max(dense_scores) - dense_low) if dense_scores else 0.0
    keyword_top = keyword[0].score if keyword else 0.0

    for scored in chunks.values():
        dense_part = 0.0
        if scored.dense_score is not None and dense_span > 0:
            dense_part = (scored.dense_score - dense_low) / dense_span
        keyword_part = (scored.keyword_score or 0.0) / keyword_top if keyword_top > 0 else 0.0
        rrf = sum(1.0 / (weights.rrf_k + r + 1) for r in (scored.dense_rank, scored.keyword_rank) if r is not None)
        scored.score = weights.dense * dense_part + weights.keyword * keyword_part + weights.rrf * rrf * weights.rrf_k

    by_document: dict[str, list[ScoredChunk]] = {}
    for scored in chunks.values():
        by_document.setdefault(scored.chunk.doc_id, []).append(scored)
    documents = []
    for doc_id, members in by_document.items():
        members.sort(key=lambda s: s.score, reverse=True)
        best = members[0]
        score = best.score + (weights.second_chunk * members[1].score if len(members) > 1 else 0.0)
        documents.append(
            ScoredDocument(
                doc_id=doc_id,
                title=best.chunk.title,
                url=best.chunk.url,
                kind=best.chunk.kind,
                version=best.chunk.version,
                score=score,
                chunks=members,
                dense_score=max((m.dense_score for m in members if m.dense_score is not None), default=0.0),
                keyword_score=max((m.keyword_score or 0.0 for m in members), default=0.0),
            )
        )
    documents.sort(key=lambda d: (-d.score, d.doc_id))
    return documents


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
