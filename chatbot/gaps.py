"""Knowledge-gap clustering: group unanswered questions into few, clean gaps as they arrive.

Online, single pass: each new piece of evidence joins the most similar *open* gap of its own audience and community,
or opens a new gap. A fixed join threshold has to be strict to keep gaps pure, and a strict threshold splits one
topic over many small gaps (the simplest version reaches purity 0.83 on Banking77 only with 538 gaps for 77 intents).
So joining is strict, and :meth:`GapClusterer.consolidate` (run every ``consolidate_every`` assignments and on demand)
merges gaps agglomeratively with Ward's criterion: the increase in within-gap spread a merge would cause. Ward lets a
small fragment fold into the topic it belongs to cheaply while two large gaps only merge when their centroids nearly
coincide; an extra guard keeps two *established* gaps apart unless their centroids are very close, because on
Banking77 most impure gaps came from merging two large neighbouring topics ("card arrival" and "card delivery
estimate"), which editors would rather see as two gaps. Measurements and the tuning are in ``evals/clustering.py``.

State per gap is small and serializable: the sum of member vectors and the count (the centroid), capped token
counts, a few exemplars (the members closest to the centroid; the first is the representative question) and the ids
of its members. Member vectors are not kept: ``move`` takes the evidence itself, which the caller stores anyway.
Everything is deterministic for a given input order (no randomness; ties go to the lowest gap index).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from chatbot.embedders import Embedder
from chatbot.keyword import tokenize

Vector = npt.NDArray[np.float32]
Scope = tuple[str, str | None]  # (audience, community): gaps of different scopes never share questions


@dataclass(frozen=True)
class GapEvidence:
    """One question that became gap evidence. ``vector`` is the normalised embedding of ``text``; ``tokens`` come from
    :func:`chatbot.keyword.tokenize` (stemmed English, jieba words for Chinese). ``id`` (e.g. the message id) is
    what :meth:`GapClusterer.move` finds the member by; without one the clusterer numbers arrivals ``#0, #1, ...``."""

    text: str
    vector: Vector
    tokens: tuple[str, ...]
    audience: str = "public"
    community: str | None = None
    id: str | None = None

    @property
    def scope(self) -> Scope:
        return (self.audience, self.community)


def build_evidence(
    texts: Sequence[str],
    embedder: Embedder,
    *,
    audience: str = "public",
    community: str | None = None,
    ids: Sequence[str] | None = None,
) -> list[GapEvidence]:
    """Evidence for ``texts``, embedded in one batch (one call per question is several times slower)."""
    if ids is not None and len(ids) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(ids)} ids")
    vectors = embedder.encode_queries(list(texts))
    return [
        GapEvidence(
            text=text,
            vector=np.asarray(vector, dtype=np.float32),
            tokens=tuple(tokenize(text)),
            audience=audience,
            community=community,
            id=ids[i] if ids is not None else None,
        )
        for i, (text, vector) in enumerate(zip(texts, vectors, strict=True))
    ]


@dataclass(frozen=True)
class GapConfig:
    """Chosen on Banking77 *train* (three order-preserving thirds, each about the size of the test set); see
    ``evals/clustering.py`` for what else was measured."""

    join_threshold: float = 0.85  # cosine to a gap's centroid needed to join it; strict, consolidation undoes splits
    keyword_weight: float = 0.0  # weight of IDF-weighted keyword overlap in the join score (0: measured no gain)
    merge_cost: float = 3.0  # largest Ward cost (n_a*n_b/(n_a+n_b) * |mean_a - mean_b|^2) consolidation accepts
    established_size: int = 10  # a gap this large is an established topic ...
    established_cosine: float = 0.92  # ... and merges with another such gap only at this centroid cosine
    # Ward alone would fold small gaps of unrelated topics together (two 5-question gaps at cosine 0.33 cost < 3);
    # 0.45 keeps them apart and cost Banking77 train ~5 extra gaps (0.55 cost ~20, 0.7 more than doubled them).
    min_merge_cosine: float = 0.45
    consolidate_every: int = 100  # assignments between automatic consolidations (0: only when called)
    profile_tokens: int = 40  # token counts kept per gap (the rest are rare words of single questions)
    exemplars: int = 5  # members kept as representative candidates


@dataclass
class Exemplar:
    id: str
    text: str
    vector: Vector


@dataclass
class Gap:
    """A group of questions about one missing piece of knowledge."""

    audience: str
    community: str | None
    vector_sum: npt.NDArray[np.float64]
    count: int = 0
    tokens: Counter[str] = field(default_factory=Counter)
    exemplars: list[Exemplar] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    is_open: bool = True  # resolved or dismissed gaps stop attracting new questions
    merged_into: int | None = None

    @property
    def scope(self) -> Scope:
        return (self.audience, self.community)

    @property
    def centroid(self) -> Vector:
        norm = float(np.linalg.norm(self.vector_sum))
        return (self.vector_sum / norm if norm else self.vector_sum).astype(np.float32)

    @property
    def representative(self) -> str:
        return self.exemplars[0].text if self.exemplars else ""

    @property
    def live(self) -> bool:
        return self.merged_into is None and self.count > 0


class GapClusterer:
    """Online clustering of gap evidence; indices returned by :meth:`assign` stay valid (a merged gap points at the
    gap it went into: :meth:`resolve`)."""

    def __init__(self, config: GapConfig | None = None) -> None:
        self.config = config or GapConfig()
        self.gaps: list[Gap] = []
        self._where: dict[str, int] = {}  # member id -> gap index
        self._document_frequency: Counter[str] = Counter()  # for the keyword IDF: how many questions used a token
        self._seen = 0
        self._since_consolidation = 0

    # -- the online step ---------------------------------------------------------------------------------------
    def assign(self, evidence: GapEvidence) -> int:
        """Put ``evidence`` into the most similar open gap of its scope, or open a new gap; returns the gap index."""
        member_id = evidence.id if evidence.id is not None else f"#{self._seen}"
        if member_id in self._where:
            raise ValueError(f"evidence {member_id!r} is already in gap {self.resolve(self._where[member_id])}")
        target = self._best_gap(evidence)
        if target is None:
            target = len(self.gaps)
            self.gaps.append(Gap(evidence.audience, evidence.community, np.zeros(evidence.vector.shape, np.float64)))
        self._add(target, evidence, member_id)
        self._document_frequency.update(set(evidence.tokens))
        self._seen += 1
        self._since_consolidation += 1
        if self.config.consolidate_every and self._since_consolidation >= self.config.consolidate_every:
            self.consolidate()
        return self.resolve(target)

    def similarity(self, evidence: GapEvidence, index: int) -> float:
        """The join score of ``evidence`` for gap ``index`` (cosine to the centroid plus the keyword term)."""
        gap = self.gaps[self.resolve(index)]
        score = float(gap.centroid @ evidence.vector)
        if self.config.keyword_weight:
            score += self.config.keyword_weight * self._keyword_overlap(evidence, gap)
        return score

    def _best_gap(self, evidence: GapEvidence) -> int | None:
        candidates = [i for i, gap in enumerate(self.gaps) if gap.live and gap.is_open and gap.scope == evidence.scope]
        if not candidates:
            return None
        sums = np.stack([self.gaps[i].vector_sum for i in candidates])
        scores = (sums @ evidence.vector) / np.linalg.norm(sums, axis=1)
        if self.config.keyword_weight and evidence.tokens:
            overlap = [self._keyword_overlap(evidence, self.gaps[i]) for i in candidates]
            scores = scores + self.config.keyword_weight * np.asarray(overlap)
        best = int(np.argmax(scores))  # first maximum: ties go to the older gap
        return candidates[best] if scores[best] >= self.config.join_threshold else None

    def _keyword_overlap(self, evidence: GapEvidence, gap: Gap) -> float:
        """Share of the evidence's IDF mass found in the gap's token profile, centred on 0 (-0.5 .. 0.5) so that a
        gap sharing none of the rare words is pushed away as much as one sharing all of them is pulled closer."""
        distinct = set(evidence.tokens)
        if not distinct:
            return 0.0
        idf = {t: math.log((self._seen + 1) / (self._document_frequency[t] + 1)) + 1 for t in distinct}
        found = sum(weight for token, weight in idf.items() if token in gap.tokens)
        return found / sum(idf.values()) - 0.5

    # -- bookkeeping ---------------------------------------------------------------------------------------------
    def _add(self, index: int, evidence: GapEvidence, member_id: str) -> None:
        gap = self.gaps[index]
        gap.vector_sum += evidence.vector
        gap.count += 1
        gap.tokens.update(evidence.tokens)
        gap.members.append(member_id)
        gap.exemplars.append(Exemplar(member_id, evidence.text, evidence.vector))
        self._where[member_id] = index
        self._tidy(gap)

    def _tidy(self, gap: Gap) -> None:
        """Keep the exemplars closest to the current centroid (first = representative) and cap the token counts,
        so a gap's state stays the same size however many questions it collects."""
        centroid = gap.centroid
        # Stable sort: equal similarity keeps the earlier member first, so the result depends only on input order.
        gap.exemplars.sort(key=lambda e: -float(e.vector @ centroid))
        del gap.exemplars[self.config.exemplars :]
        if len(gap.tokens) > 2 * self.config.profile_tokens:
            gap.tokens = Counter(dict(gap.tokens.most_common(self.config.profile_tokens)))

    def resolve(self, index: int) -> int:
        """The live gap that gap ``index`` is (or was merged into)."""
        while (parent := self.gaps[index].merged_into) is not None:
            index = parent
        return index

    def gap_of(self, member_id: str) -> int:
        return self.resolve(self._where[member_id])

    @property
    def open_gaps(self) -> list[int]:
        return [i for i, gap in enumerate(self.gaps) if gap.live and gap.is_open]

    @property
    def live_gaps(self) -> list[int]:
        return [i for i, gap in enumerate(self.gaps) if gap.live]

    def close(self, index: int) -> None:
        """Stop gap ``index`` attracting new questions (resolved, verified or dismissed)."""
        self.gaps[self.resolve(index)].is_open = False

    # -- editor actions and consolidation -----------------------------------------------------------------------
    def merge(self, a: int, b: int) -> int:
        """Merge gap ``b`` into gap ``a``; returns ``a``. Gaps of different audiences or communities never merge:
        an internal question must not surface in a gap shown to another community."""
        a, b = self.resolve(a), self.resolve(b)
        if a == b:
            return a
        target, source = self.gaps[a], self.gaps[b]
        if target.scope != source.scope:
            raise ValueError(f"gap {a} ({target.scope}) and gap {b} ({source.scope}) belong to different scopes")
        target.vector_sum += source.vector_sum
        target.count += source.count
        target.tokens.update(source.tokens)
        target.members.extend(source.members)
        target.exemplars.extend(source.exemplars)
        for member_id in source.members:
            self._where[member_id] = a
        source.merged_into = a
        source.vector_sum = np.zeros_like(source.vector_sum)  # the merged gap's state now lives in ``a``
        source.count, source.tokens, source.members, source.exemplars = 0, Counter(), [], []
        self._tidy(target)
        return a

    def move(self, member: GapEvidence, to: int) -> int:
        """Move ``member`` (found by its id) to gap ``to``; returns ``to``. Its old gap forgets its vector and tokens;
        a gap left empty disappears from the live gaps."""
        if member.id is None or member.id not in self._where:
            raise KeyError(f"evidence {member.id!r} is not in any gap")
        source_index, to = self.gap_of(member.id), self.resolve(to)
        if source_index == to:
            return to
        source, target = self.gaps[source_index], self.gaps[to]
        if source.scope != target.scope:
            raise ValueError(f"gap {to} ({target.scope}) is not in the scope of {member.id!r} ({source.scope})")
        source.vector_sum -= member.vector
        source.count -= 1
        source.tokens.subtract(member.tokens)
        source.tokens = +source.tokens  # drop the zero and negative counts subtract() leaves
        source.members.remove(member.id)
        source.exemplars = [e for e in source.exemplars if e.id != member.id]
        self._tidy(source)
        self._add(to, member, member.id)
        return to

    def consolidate(self) -> int:
        """Merge open gaps within each scope while the cheapest merge costs at most ``merge_cost`` (Ward); returns the
        number of merges."""
        self._since_consolidation = 0
        by_scope: dict[Scope, list[int]] = {}
        for index in self.open_gaps:
            by_scope.setdefault(self.gaps[index].scope, []).append(index)
        return sum(self._consolidate_scope(indices) for indices in by_scope.values())

    def _consolidate_scope(self, indices: list[int]) -> int:
        if len(indices) < 2:
            return 0
        costs = self._merge_costs(indices, indices)
        np.fill_diagonal(costs, np.inf)
        live = np.ones(len(indices), dtype=bool)
        merges = 0
        while True:
            flat = int(np.argmin(costs))  # first minimum in row-major order: deterministic
            i, j = divmod(flat, len(indices))
            if not costs[i, j] <= self.config.merge_cost:
                return merges
            i, j = min(i, j), max(i, j)  # the older gap keeps its index
            self.merge(indices[i], indices[j])
            merges += 1
            live[j] = False
            costs[j, :] = costs[:, j] = np.inf
            row = np.full(len(indices), np.inf)
            others = np.flatnonzero(live)
            # Only the grown gap's costs changed; merged-away gaps are empty and stay out.
            row[others] = self._merge_costs([indices[i]], [indices[k] for k in others])[0]
            row[i] = np.inf
            costs[i, :] = costs[:, i] = row

    def _merge_costs(self, rows: Sequence[int], columns: Sequence[int]) -> npt.NDArray[np.float64]:
        """Ward's merge cost between gaps, infinite where two established gaps are not close enough to merge."""
        sum_r, count_r = self._sums_counts(rows)
        sum_c, count_c = self._sums_counts(columns)
        mean_r, mean_c = sum_r / count_r[:, None], sum_c / count_c[:, None]
        sq_r, sq_c = (mean_r**2).sum(axis=1), (mean_c**2).sum(axis=1)
        distance = np.maximum(sq_r[:, None] + sq_c[None, :] - 2 * mean_r @ mean_c.T, 0.0)
        weight = count_r[:, None] * count_c[None, :] / (count_r[:, None] + count_c[None, :])
        costs: npt.NDArray[np.float64] = np.asarray(weight * distance, dtype=np.float64)
        cosine = (mean_r / np.sqrt(sq_r)[:, None]) @ (mean_c / np.sqrt(sq_c)[:, None]).T
        established = np.minimum(count_r[:, None], count_c[None, :]) >= self.config.established_size
        costs[established & (cosine < self.config.established_cosine)] = np.inf
        costs[cosine < self.config.min_merge_cosine] = np.inf
        return costs

    def _sums_counts(self, indices: Iterable[int]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        gaps = [self.gaps[i] for i in indices]
        return np.stack([g.vector_sum for g in gaps]), np.asarray([g.count for g in gaps], dtype=np.float64)

    # -- serialization -------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state (vectors as lists of floats)."""
        return {
            "config": self.config.__dict__,
            "seen": self._seen,
            "since_consolidation": self._since_consolidation,
            "document_frequency": dict(self._document_frequency),
            "gaps": [_gap_to_dict(gap) for gap in self.gaps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GapClusterer:
        clusterer = cls(GapConfig(**data["config"]))
        clusterer._seen = int(data["seen"])
        clusterer._since_consolidation = int(data["since_consolidation"])
        clusterer._document_frequency = Counter(data["document_frequency"])
        clusterer.gaps = [_gap_from_dict(row) for row in data["gaps"]]
        for index, gap in enumerate(clusterer.gaps):
            for member_id in gap.members:
                clusterer._where[member_id] = index
        return clusterer


def _gap_to_dict(gap: Gap) -> dict[str, Any]:
    return {
        "audience": gap.audience,
        "community": gap.community,
        "vector_sum": gap.vector_sum.tolist(),
        "count": gap.count,
        "tokens": dict(gap.tokens),
        "exemplars": [{"id": e.id, "text": e.text, "vector": e.vector.tolist()} for e in gap.exemplars],
        "members": list(gap.members),
        "is_open": gap.is_open,
        "merged_into": gap.merged_into,
    }


def _gap_from_dict(row: dict[str, Any]) -> Gap:
    return Gap(
        audience=row["audience"],
        community=row["community"],
        vector_sum=np.asarray(row["vector_sum"], dtype=np.float64),
        count=int(row["count"]),
        tokens=Counter(row["tokens"]),
        exemplars=[Exemplar(e["id"], e["text"], np.asarray(e["vector"], dtype=np.float32)) for e in row["exemplars"]],
        members=list(row["members"]),
        is_open=bool(row["is_open"]),
        merged_into=row["merged_into"],
    )
