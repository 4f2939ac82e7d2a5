"""Plain data classes that cross layers (ingest -> store -> retrieval -> answering -> web/evals)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Audience = Literal["public", "internal"]
DocumentKind = Literal["article", "faq"]


@dataclass(frozen=True)
class SourceDocument:
    """One logical document as loaded from a file: an article, or one FAQ entry of an FAQ file."""

    id: str
    title: str
    text: str
    kind: DocumentKind = "article"
    audience: Audience = "public"
    community: str | None = None
    tags: tuple[str, ...] = ()
    url: str | None = None
    owner: str | None = None
    language: str = "en"
    review_by: str | None = None
    source_path: str | None = None  # path relative to the source root, forward slashes
    # For FAQ entries: the question alone (``title`` holds it too) and the answer alone (``text`` is question + answer).
    faq_question: str | None = None
    faq_answer: str | None = None
    # For FAQ entries: other phrasings of the question (an FAQ file's ``alternatives``, or the questions of the gap
    # the entry closed). Search-only: matched by both indexes and the FAQ fast path, never quoted or cited.
    faq_alternatives: tuple[str, ...] = ()

    def metadata_fingerprint(self) -> dict[str, Any]:
        """Everything besides the text whose change must trigger a new version."""
        fingerprint: dict[str, Any] = {
            "title": self.title,
            "kind": self.kind,
            "audience": self.audience,
            "community": self.community,
            "tags": list(self.tags),
            "url": self.url,
            "owner": self.owner,
            "language": self.language,
            "review_by": self.review_by,
            "faq_question": self.faq_question,
            "faq_answer": self.faq_answer,
        }
        if self.faq_alternatives:  # only when set: the hash of every other document stays what it was
            fingerprint["faq_alternatives"] = list(self.faq_alternatives)
        return fingerprint


@dataclass(frozen=True)
class Chunk:
    """A token-sized piece of a document, the unit that is embedded and searched."""

    id: str  # "<doc id>::<n>"
    doc_id: str
    index: int
    text: str  # the passage itself, without title/heading prefix
    title: str
    heading_path: tuple[str, ...] = ()
    kind: DocumentKind = "article"
    audience: Audience = "public"
    community: str | None = None
    language: str = "en"
    url: str | None = None
    version: int = 1
    token_count: int = 0  # tiktoken cl100k_base tokens, for LLM budgets
    # An FAQ entry's other phrasings, on its first chunk: search-only (extra vectors in the vector store, extra
    # terms in the keyword index), never part of ``text`` or ``embedding_text``.
    alternatives: tuple[str, ...] = ()

    @property
    def heading_line(self) -> str:
        return " > ".join((self.title, *self.heading_path))

    @property
    def embedding_text(self) -> str:
        """What the embedder and the keyword index see: the title and heading path carry much of the signal."""
        return f"{self.heading_line}\n{self.text}"


def chunk_to_dict(chunk: Chunk) -> dict[str, Any]:
    data = asdict(chunk)
    data["heading_path"] = list(chunk.heading_path)
    if chunk.alternatives:
        data["alternatives"] = list(chunk.alternatives)
    else:
        del data["alternatives"]  # most chunks have none: keep the keyword corpus file as it was
    return data


def chunk_from_dict(data: dict[str, Any]) -> Chunk:
    return Chunk(
        **{
            **data,
            "heading_path": tuple(data.get("heading_path") or ()),
            "alternatives": tuple(data.get("alternatives") or ()),
        }
    )


@dataclass
class ScoredChunk:
    chunk: Chunk
    score: float
    dense_score: float | None = None  # cosine similarity
    keyword_score: float | None = None  # raw BM25
    dense_rank: int | None = None
    keyword_rank: int | None = None


@dataclass
class ScoredDocument:
    """A retrieved article: its best chunks and a fused score."""

    doc_id: str
    title: str
    url: str | None
    kind: DocumentKind
    version: int
    score: float
    chunks: list[ScoredChunk] = field(default_factory=list)
    dense_score: float = 0.0
    keyword_score: float = 0.0


@dataclass(frozen=True)
class Citation:
    n: int
    id: str
    title: str
    url: str | None
    version: int
    chunk_id: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "version": self.version,
            "chunk_id": self.chunk_id,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class SourceRef:
    id: str
    title: str
    score: float
    url: str | None = None
    # For an article suggested with "I'm not sure": its line closest to the question, as plain text, so the reader
    # can tell which suggestion is about what they asked. None everywhere else.
    excerpt: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "title": self.title, "score": round(self.score, 4), "url": self.url}
        if self.excerpt is not None:
            data["excerpt"] = self.excerpt
        return data


@dataclass(frozen=True)
class EmbeddedText:
    """A text and its normalised query vector, as the embedder made it for retrieval."""

    text: str
    vector: npt.NDArray[np.float32]


@dataclass
class Answer:
    question: str
    answer: str
    is_gap: bool
    reason: str | None
    confidence: float
    language: str
    citations: list[Citation] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    related: list[SourceRef] = field(default_factory=list)
    latency_ms: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict)
    writer: str = "extractive"
    evidence: dict[str, float] = field(default_factory=dict)  # the confidence features, for calibration and logs
    # "greeting" | "thanks" | "goodbye" | "handoff" | "rejection" when the message was conversation, not a question
    # (chatbot/intents.py), "clarify" when it asked about "it" and named nothing (chatbot/followups.py): a short
    # reply, no retrieval, never a gap. None for every answer to a question.
    intent: str | None = None
    # What retrieval embedded (the question, or a follow-up joined to the previous question): gap capture reuses
    # the vector when it records this very text, instead of running the model again. Not part of the reply.
    query_embedding: EmbeddedText | None = field(default=None, repr=False, compare=False)
    # A follow-up not answered because its answer would have been the previous one again, word for word: a part of
    # a message is then asked alone (Answerer._answer_parts). Not part of the reply.
    repeats_previous: bool = field(default=False, repr=False, compare=False)
    # A confident answer given as "I'm not sure" with its article first, because how it was found cannot be trusted
    # to be right as often as the confidence says (Answerer.stream, a story's second reading). Not part of the reply.
    suggested_instead: bool = field(default=False, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "is_gap": self.is_gap,
            "reason": self.reason,
            "confidence": round(self.confidence, 4),
            "language": self.language,
            "citations": [c.to_dict() for c in self.citations],
            "sources": [s.to_dict() for s in self.sources],
            "related": [r.to_dict() for r in self.related],
            "latency_ms": round(self.latency_ms, 2),
            "intent": self.intent,
        }
