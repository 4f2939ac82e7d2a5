"""The online join: a new question joins the most similar open gap of its scope, or opens a new gap.

Each new question is scored against the centroid of every candidate gap (cosine, plus an optional keyword term) and
joins the best one at or above ``join_threshold``; otherwise it opens a new gap. Cheap (one matrix-vector product)
and order-dependent: it only has to be reasonable between two regroupings (:mod:`chatbot.gaps.regroup`).

A gap's join state is its :class:`QuestionGroup`: the sum and count of its members' vectors (the centroid) and
capped token counts. The web service keeps the mean instead of the sum in its ``gaps`` table, so the updates it
makes when an editor merges gaps or moves a question are here in mean form (:func:`mean_with`, :func:`mean_without`,
:func:`merged_mean`). Everything is deterministic for a given input order (ties go to the older gap).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from chatbot.gaps.config import GapConfig
from chatbot.gaps.evidence import QuestionVector, Vector
from chatbot.gaps.scope import Scope, scope_conflict


@dataclass
class QuestionGroup:
    """What the join knows of a gap: its scope, the sum and count of its questions' vectors, their token counts."""

    audience: str
    community: str | None
    vector_sum: npt.NDArray[np.float64]
    count: int = 0
    tokens: Counter[str] = field(default_factory=Counter)

    @property
    def scope(self) -> Scope:
        return Scope(self.audience, self.community)

    @property
    def centroid(self) -> Vector:
        norm = float(np.linalg.norm(self.vector_sum))
        return (self.vector_sum / norm if norm else self.vector_sum).astype(np.float32)


@dataclass
class KeywordStats:
    """How many questions used each token, for the IDF weights of the keyword term (``keyword_weight``)."""

    seen: int = 0
    document_frequency: Counter[str] = field(default_factory=Counter)

    def idf(self, token: str) -> float:
        return math.log((self.seen + 1) / (self.document_frequency[token] + 1)) + 1

    def count(self, tokens: Sequence[str]) -> None:
        """Record one more question (after it joined: a question does not weigh its own words)."""
        self.document_frequency.update(set(tokens))
        self.seen += 1


def keyword_overlap(question: QuestionVector, group: QuestionGroup, keywords: KeywordStats) -> float:
    """Share of the question's IDF mass found in the group's token profile, centred on 0 (-0.5 .. 0.5) so that a
    group sharing none of the rare words is pushed away as much as one sharing all of them is pulled closer."""
    distinct = set(question.tokens)
    if not distinct:
        return 0.0
    idf = {token: keywords.idf(token) for token in distinct}
    found = sum(weight for token, weight in idf.items() if token in group.tokens)
    return found / sum(idf.values()) - 0.5


def join_score(question: QuestionVector, group: QuestionGroup, config: GapConfig, keywords: KeywordStats) -> float:
    """Cosine of ``question`` to the group's centroid, plus the keyword term."""
    score = float(group.centroid @ question.vector)
    if config.keyword_weight:
        score += config.keyword_weight * keyword_overlap(question, group, keywords)
    return score


def choose_group(
    question: QuestionVector,
    groups: Sequence[QuestionGroup],
    candidates: Sequence[int],
    config: GapConfig,
    keywords: KeywordStats,
) -> int | None:
    """The index (into ``groups``) of the group ``question`` joins, among ``candidates`` (the open ones) of its
    scope; None: it opens a new group."""
    allowed = [i for i in candidates if scope_conflict(question.scope, groups[i].scope) is None]
    if not allowed:
        return None
    sums = np.stack([groups[i].vector_sum for i in allowed])
    scores = (sums @ question.vector) / np.linalg.norm(sums, axis=1)
    if config.keyword_weight and question.tokens:
        overlap = [keyword_overlap(question, groups[i], keywords) for i in allowed]
        scores = scores + config.keyword_weight * np.asarray(overlap)
    best = int(np.argmax(scores))  # first maximum: ties go to the older group
    return allowed[best] if scores[best] >= config.join_threshold else None


def new_group(question: QuestionVector) -> QuestionGroup:
    """An empty group of the question's scope, for it to join."""
    return QuestionGroup(question.audience, question.community, np.zeros(question.vector.shape, np.float64))


def add_question(group: QuestionGroup, question: QuestionVector, profile_tokens: int) -> None:
    group.vector_sum += question.vector
    group.count += 1
    group.tokens.update(question.tokens)
    group.tokens = cap_profile(group.tokens, profile_tokens)


def remove_question(group: QuestionGroup, question: QuestionVector, profile_tokens: int) -> None:
    """The group forgets the question's vector and tokens (an editor moved it elsewhere)."""
    group.vector_sum -= question.vector
    group.count -= 1
    group.tokens.subtract(question.tokens)
    group.tokens = cap_profile(+group.tokens, profile_tokens)  # "+" drops the zero and negative counts


def absorb_group(target: QuestionGroup, source: QuestionGroup, profile_tokens: int) -> None:
    """Merge ``source`` into ``target``; ``source`` is left empty. The caller checks the scopes first."""
    target.vector_sum += source.vector_sum
    target.count += source.count
    target.tokens.update(source.tokens)
    target.tokens = cap_profile(target.tokens, profile_tokens)
    source.vector_sum = np.zeros_like(source.vector_sum)
    source.count, source.tokens = 0, Counter()


def cap_profile(counts: Counter[str], profile_tokens: int) -> Counter[str]:
    """The ``profile_tokens`` most common tokens once there are twice as many: a gap's summary stays the same size
    however many questions it collects."""
    if len(counts) > 2 * profile_tokens:
        return Counter(dict(counts.most_common(profile_tokens)))
    return counts


# -- the same updates on stored means (the web service keeps mean, count and tokens per gap) ----------------------
def mean_with(centroid: Sequence[float], count: int, vector: npt.NDArray[np.floating[Any]]) -> list[float]:
    """The mean of ``count`` vectors with ``vector`` added."""
    if count <= 0 or not centroid:
        return [float(x) for x in vector]
    if len(centroid) != vector.shape[0]:
        return list(centroid)  # a mean from another embedder: not comparable, left as it is
    mean = (np.asarray(centroid, dtype=np.float64) * count + vector) / (count + 1)
    return [float(x) for x in mean]


def mean_without(centroid: Sequence[float], count: int, vector: npt.NDArray[np.floating[Any]]) -> list[float]:
    """The mean of ``count`` vectors with ``vector`` taken out."""
    if count <= 1:
        return []
    if len(centroid) != vector.shape[0]:
        return list(centroid)  # a mean from another embedder: not comparable, left as it is
    mean = (np.asarray(centroid, dtype=np.float64) * count - vector) / (count - 1)
    return [float(x) for x in mean]


def merged_mean(parts: Sequence[tuple[Sequence[float], dict[str, int], int]]) -> tuple[list[float], dict[str, int]]:
    """Mean vector and token counts of gaps merged by an editor: ``parts`` are (centroid, token counts, count)."""
    usable = [(np.asarray(c, dtype=np.float64), n) for c, _, n in parts if len(c) and n > 0]
    tokens: Counter[str] = Counter()
    for _, counts, _ in parts:
        tokens.update(counts)
    if not usable or len({c.shape for c, _ in usable}) > 1:
        # Nothing to average, or vectors from two embedders: keep the biggest part's mean.
        best = max(usable, key=lambda p: p[1])[0] if usable else np.zeros(0)
        return [float(x) for x in best], dict(tokens)
    total = sum(n for _, n in usable)
    mean = np.zeros_like(usable[0][0])
    for centroid, n in usable:
        mean += centroid * n
    return [float(x) for x in mean / total], dict(tokens)
