"""Regrouping: all questions of the open gaps of one scope clustered again from scratch, whatever order they came in.

Each question's vector is first averaged with its nearest neighbours (``neighbours``, only those at cosine >=
``neighbour_min_cosine``), which pulls paraphrases together and lets outliers lean towards their topic; then Ward's
agglomerative clustering runs on these smoothed vectors and the tree is cut at a distance that depends on how many
questions a topic typically has in the pool (:func:`cut_distance`). Ward's cost of merging two halves of one topic
stays about the same as the topic grows, while the cost of merging two distinct topics grows with their size; a
fixed cut therefore splits well-asked topics into ever more fragments of sub-phrasings. The typical topic size is
estimated as the median number of close neighbours (cosine >= ``density_cosine``) of a question, and the cut grows
with its square root. On Banking77 train samples from 30 intents x 10 questions to 77 x 80 and 10 x 100 this gives
1.3 to 2.3 gaps per intent; a cut growing with the square root of the pool size gave 1.4 to 7.5 (4.5 for 15 intents
x 40), a fixed cut 0.7 to 4.3. Existing gaps keep their id where they keep most of their questions
(:func:`plan_regrouping`).

What else was measured on Banking77 *train* (evals/clustering/tuning.py): average and complete linkage, k-means,
Louvain communities on k-nearest-neighbour graphs, keyword (TF-IDF) features mixed into the vectors, whitening,
pseudo-label refinement and moving members to their nearest centroid afterwards. None beat smoothed Ward at the
same number of gaps; all stay near V-measure 0.82 / purity 0.79 at two gaps per intent, which appears to be what
MiniLM's geometry allows for Banking77's finely split intents ("top up failed" / "top up reverted").

The callers run it per scope (:mod:`chatbot.gaps.scope`) and leave alone the gaps an editor changed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from chatbot.gaps.config import GapConfig
from chatbot.gaps.evidence import Vector
from chatbot.gaps.join import cap_profile

GroupKey = TypeVar("GroupKey", bound=Hashable)


def smoothed_vectors(vectors: npt.NDArray[np.floating[Any]], config: GapConfig | None = None) -> Vector:
    """Each vector plus its ``neighbours`` nearest neighbours at cosine >= ``neighbour_min_cosine``, normalised."""
    config = config or GapConfig()
    matrix = np.asarray(vectors, dtype=np.float32)
    k = min(config.neighbours, len(matrix) - 1)
    if k <= 0:
        return _normalised(matrix)
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    weights = (np.take_along_axis(similarity, nearest, axis=1) >= config.neighbour_min_cosine).astype(np.float32)
    return _normalised(matrix + np.einsum("nk,nkd->nd", weights, matrix[nearest]))


def cut_distance(vectors: npt.NDArray[np.floating[Any]], config: GapConfig | None = None) -> float:
    """Where :func:`regroup` cuts the Ward tree for this pool of questions. Identical questions count once in the
    median, so one question asked a thousand times does not make every other topic look large."""
    config = config or GapConfig()
    distinct = np.unique(np.asarray(vectors, dtype=np.float32), axis=0)
    similarity = distinct @ distinct.T
    neighbours = (similarity >= config.density_cosine).sum(axis=1) - 1  # minus the question itself
    return config.cut_scale * math.sqrt(1.0 + float(np.median(neighbours)))


def regroup(vectors: npt.NDArray[np.floating[Any]], config: GapConfig | None = None) -> list[int]:
    """The group of each vector (normalised embeddings, one row per question), numbered by first occurrence.
    Does not depend on the order of the rows beyond exact ties."""
    from sklearn.cluster import AgglomerativeClustering

    config = config or GapConfig()
    if len(vectors) < 2:
        return [0] * len(vectors)
    ward = AgglomerativeClustering(n_clusters=None, distance_threshold=cut_distance(vectors, config), linkage="ward")
    raw = ward.fit_predict(smoothed_vectors(vectors, config).astype(np.float64))
    numbering: dict[int, int] = {}
    return [numbering.setdefault(int(label), len(numbering)) for label in raw]


@dataclass(frozen=True)
class Regrouping(Generic[GroupKey]):
    """How regrouped questions map onto the groups (gaps) they were in."""

    labels: list[int]  # new group of each question
    owners: dict[int, GroupKey | None]  # new group -> the old group that lives on as it (None: a new group)
    absorbed: dict[GroupKey, int]  # old group that no longer exists -> the new group that took most of its questions


def plan_regrouping(previous: Sequence[GroupKey], labels: Sequence[int]) -> Regrouping[GroupKey]:
    """Match new groups to old ones so that as few questions as possible change gap: greedily, the largest overlap
    first (ties: the old group seen first, then the lower label). Each old group lives on as at most one new group."""
    if len(previous) != len(labels):
        raise ValueError(f"{len(previous)} old groups but {len(labels)} labels")
    overlap: Counter[tuple[GroupKey, int]] = Counter(zip(previous, labels, strict=True))
    first_seen = {key: i for i, key in reversed(list(enumerate(previous)))}
    ranked = sorted(overlap.items(), key=lambda item: (-item[1], first_seen[item[0][0]], item[0][1]))
    owners: dict[int, GroupKey | None] = dict.fromkeys(sorted(set(labels)))
    kept: set[GroupKey] = set()
    for (key, label), _ in ranked:
        if owners[label] is None and key not in kept:
            owners[label] = key
            kept.add(key)
    absorbed: dict[GroupKey, int] = {}
    for (key, label), _ in ranked:
        if key not in kept and key not in absorbed:
            absorbed[key] = label  # ranked by overlap: the first label met holds most of the group's questions
    return Regrouping(list(labels), owners, absorbed)


def token_profile(token_lists: Sequence[Sequence[str]], profile_tokens: int) -> Counter[str]:
    """Token counts of a regrouped gap, capped as the join caps them (:func:`chatbot.gaps.join.cap_profile`)."""
    counts: Counter[str] = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    return cap_profile(counts, profile_tokens)


def representative_order(vectors: npt.NDArray[np.floating[Any]]) -> list[int]:
    """Row indices sorted by cosine to the rows' mean, most typical first (stable: ties keep row order)."""
    matrix = np.asarray(vectors, dtype=np.float64)
    centroid = matrix.sum(axis=0)
    norm = float(np.linalg.norm(centroid))
    scores = matrix @ (centroid / norm) if norm else np.zeros(len(matrix))
    return [int(i) for i in np.argsort(-scores, kind="stable")]


def _normalised(matrix: npt.NDArray[np.float32]) -> Vector:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms > 0, norms, 1.0), dtype=np.float32)
