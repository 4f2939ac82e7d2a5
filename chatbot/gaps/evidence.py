"""A question as the gap rules see it: its (masked) text, its normalised query vector, its keyword tokens, its scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chatbot.embedders import Embedder
from chatbot.gaps.scope import Scope
from chatbot.keyword import tokenize

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class QuestionVector:
    """One question that became gap evidence. ``vector`` is the normalised embedding of ``text``; ``tokens`` come from
    :func:`chatbot.keyword.tokenize` (stemmed English, jieba words for Chinese). ``id`` (e.g. the message id) is how
    a gap lists and finds its members; without one the evals' simulation numbers arrivals ``#0, #1, ...``."""

    text: str
    vector: Vector
    tokens: tuple[str, ...]
    audience: str = "public"
    community: str | None = None
    id: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.audience, self.community)


def question_vector(
    text: str, vector: npt.ArrayLike, *, audience: str = "public", community: str | None = None, id: str | None = None
) -> QuestionVector:
    """The question ``text`` with its embedding ``vector`` (already computed) and its tokens."""
    return QuestionVector(
        text=text,
        vector=np.asarray(vector, dtype=np.float32),
        tokens=tuple(tokenize(text)),
        audience=audience,
        community=community,
        id=id,
    )


def build_question_vectors(
    texts: Sequence[str],
    embedder: Embedder,
    *,
    audience: str = "public",
    community: str | None = None,
    ids: Sequence[str] | None = None,
) -> list[QuestionVector]:
    """``texts`` embedded in one batch (one call per question is several times slower)."""
    if ids is not None and len(ids) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(ids)} ids")
    vectors = embedder.encode_queries(list(texts))
    return [
        question_vector(text, vector, audience=audience, community=community, id=ids[i] if ids is not None else None)
        for i, (text, vector) in enumerate(zip(texts, vectors, strict=True))
    ]
