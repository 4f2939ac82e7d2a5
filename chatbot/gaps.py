"""Knowledge-gap clustering: group unanswered questions into few, clean gaps, whatever order they arrive in.

Two parts:

- **Online join** (:meth:`GapClusterer.assign`): each new piece of evidence joins the open gap of its audience and
  community whose centroid is most similar (cosine, plus an optional keyword term), or opens a new gap. Cheap and
  order-dependent; it only has to be reasonable between regroupings.
- **Regrouping** (:func:`regroup`, run by :meth:`GapClusterer.consolidate` every ``consolidate_every`` assignments
  or more, and on demand): all questions of the open gaps of one scope are clustered again from scratch, so the
  result does not depend on the order they arrived in. Each question's vector is first averaged with its nearest
  neighbours (``neighbours``, only those at cosine >= ``neighbour_min_cosine``), which pulls paraphrases together and
  lets outliers lean towards their topic; then Ward's agglomerative clustering runs on these smoothed vectors and the
  tree is cut at a distance that depends on how many questions a topic typically has in the pool
  (:func:`cut_distance`). Ward's cost of merging two halves of one topic stays about the same as the topic grows,
  while the cost of merging two distinct topics grows with their size; a fixed cut therefore splits well-asked topics
  into ever more fragments of sub-phrasings. The typical topic size is estimated as the median number of close
  neighbours (cosine >= ``density_cosine``) of a question, and the cut grows with its square root. On Banking77
  train samples from 30 intents x 10 questions to 77 x 80 and 10 x 100 this gives 1.3 to 2.3 gaps per intent;
  a cut growing with the square root of the pool size gave 1.4 to 7.5 (4.5 for 15 intents x 40), a fixed cut
  0.7 to 4.3. Existing gaps keep their index where they keep most of their questions (:func:`plan_regrouping`).

Why not the earlier design (strict join plus Ward merges of whole gaps with guards): on a shuffled stream its early
consolidations merged small gaps of different topics cheaply and the mixed gaps then chained (Banking77 test,
shuffled: 34 gaps, purity 0.24). Merging whole gaps can never undo an impure join; regrouping the questions can.
What else was measured on Banking77 *train* (see ``evals/clustering.py``): average and complete linkage, k-means,
Louvain communities on k-nearest-neighbour graphs, keyword (TF-IDF) features mixed into the vectors, whitening,
pseudo-label refinement and moving members to their nearest centroid afterwards. None beat smoothed Ward at the
same number of gaps; all stay near V-measure 0.82 / purity 0.79 at two gaps per intent, which appears to be what
MiniLM's geometry allows for Banking77's finely split intents ("top up failed" / "top up reverted").

State kept per clusterer: every member's evidence (text, vector, tokens: what regrouping needs), and per gap the sum
of member vectors and the count (the centroid), capped token counts, a few exemplars (the members closest to the
centroid; the first is the representative question) and the ids of its members. Gaps an editor changed (``merge``,
``move``) are *pinned*: regrouping leaves them and their questions alone, as the web service does with gaps an
editor has touched. Everything is deterministic for a given input order (no randomness; ties go to the lowest index).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from chatbot.embedders import Embedder
from chatbot.keyword import tokenize

Vector = npt.NDArray[np.float32]
Scope = tuple[str, str | None]  # (audience, community): gaps of different scopes never share questions
GroupKey = TypeVar("GroupKey", bound=Hashable)


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
    """Chosen on Banking77 *train* (shuffled samples of test size); see ``evals/clustering.py`` for the figures."""

    # Online join: cosine to a gap's centroid needed to join it. Only decides what editors see between two
    # regroupings (regrouping starts from the questions, not from the gaps).
    join_threshold: float = 0.75
    keyword_weight: float = 0.0  # weight of IDF-weighted keyword overlap in the join score (0: measured no gain)
    # Regrouping.
    neighbours: int = 5  # nearest neighbours averaged into each question's vector before clustering
    neighbour_min_cosine: float = 0.5  # ... only neighbours at least this similar (a small pool has few real ones)
    # Ward cut distance = cut_scale x sqrt(1 + the median number of other questions at cosine >= density_cosine):
    # that median tracks how many questions a topic has in the pool, and Ward's cost of merging two topics grows
    # with the square root of it. With no close neighbours at all, two questions merge at smoothed cosine >= 0.68.
    density_cosine: float = 0.75
    cut_scale: float = 0.8
    max_regroup: int = 4000  # questions per scope one regrouping handles (memory grows with the square)
    consolidate_every: int = 100  # assignments between automatic regroupings (0: only when called) ...
    consolidate_growth: float = 0.25  # ... and at least this share of the open questions: O(log n) regroupings
    profile_tokens: int = 40  # token counts kept per gap (the rest are rare words of single questions)
    exemplars: int = 5  # members kept as representative candidates


# -- regrouping: a pure function of the vectors, shared with the web service ------------------------------------
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


def _normalised(matrix: npt.NDArray[np.float32]) -> Vector:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def token_profile(token_lists: Sequence[Sequence[str]], profile_tokens: int) -> Counter[str]:
    """Token counts of a gap, capped to the ``profile_tokens`` most common once it has twice as many."""
    counts: Counter[str] = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    return _capped(counts, profile_tokens)


def _capped(counts: Counter[str], profile_tokens: int) -> Counter[str]:
    if len(counts) > 2 * profile_tokens:
        return Counter(dict(counts.most_common(profile_tokens)))
    return counts


def representative_order(vectors: npt.NDArray[np.floating[Any]]) -> list[int]:
    """Row indices sorted by cosine to the rows' mean, most typical first (stable: ties keep row order)."""
    matrix = np.asarray(vectors, dtype=np.float64)
    centroid = matrix.sum(axis=0)
    norm = float(np.linalg.norm(centroid))
    scores = matrix @ (centroid / norm) if norm else np.zeros(len(matrix))
    return [int(i) for i in np.argsort(-scores, kind="stable")]


# -- the online clusterer ------------------------------------------------------------------------------------------
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
    pinned: bool = False  # changed by an editor: regrouping leaves it alone

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
    """Online clustering of gap evidence with periodic regrouping; indices returned by :meth:`assign` stay valid (a
    gap that disappeared in a merge or regrouping points at the gap that took its questions: :meth:`resolve`)."""

    def __init__(self, config: GapConfig | None = None) -> None:
        self.config = config or GapConfig()
        self.gaps: list[Gap] = []
        self._where: dict[str, int] = {}  # member id -> gap index
        self._evidence: dict[str, GapEvidence] = {}  # member id -> its evidence (regrouping needs the vectors)
        self._document_frequency: Counter[str] = Counter()  # for the keyword IDF: how many questions used a token
        self._seen = 0
        self._since_consolidation = 0

    # -- the online step ---------------------------------------------------------------------------------------
    def assign(self, evidence: GapEvidence) -> int:
        """Put ``evidence`` into the most similar open gap of its scope, or open a new gap; returns the gap index
        (after a regrouping this call triggered, the gap now holding the evidence)."""
        member_id = evidence.id if evidence.id is not None else f"#{self._seen}"
        if member_id in self._where:
            raise ValueError(f"evidence {member_id!r} is already in gap {self.resolve(self._where[member_id])}")
        target = self._best_gap(evidence)
        if target is None:
            target = self._new_gap(evidence.scope, evidence.vector.shape)
        self._add(target, evidence, member_id)
        self._document_frequency.update(set(evidence.tokens))
        self._seen += 1
        self._since_consolidation += 1
        if self._consolidation_due():
            self.consolidate()
        return self.gap_of(member_id)

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

    def _consolidation_due(self) -> bool:
        every = self.config.consolidate_every
        if not every:
            return False
        open_questions = sum(gap.count for gap in self.gaps if gap.live and gap.is_open and not gap.pinned)
        return self._since_consolidation >= max(every, self.config.consolidate_growth * open_questions)

    # -- bookkeeping ---------------------------------------------------------------------------------------------
    def _new_gap(self, scope: Scope, shape: tuple[int, ...]) -> int:
        self.gaps.append(Gap(scope[0], scope[1], np.zeros(shape, np.float64)))
        return len(self.gaps) - 1

    def _add(self, index: int, evidence: GapEvidence, member_id: str) -> None:
        gap = self.gaps[index]
        gap.vector_sum += evidence.vector
        gap.count += 1
        gap.tokens.update(evidence.tokens)
        gap.members.append(member_id)
        gap.exemplars.append(Exemplar(member_id, evidence.text, evidence.vector))
        self._where[member_id] = index
        self._evidence[member_id] = evidence
        self._tidy(gap)

    def _tidy(self, gap: Gap) -> None:
        """Keep the exemplars closest to the current centroid (first = representative) and cap the token counts,
        so a gap's summary stays the same size however many questions it collects."""
        centroid = gap.centroid
        # Stable sort: equal similarity keeps the earlier member first, so the result depends only on input order.
        gap.exemplars.sort(key=lambda e: -float(e.vector @ centroid))
        del gap.exemplars[self.config.exemplars :]
        gap.tokens = _capped(gap.tokens, self.config.profile_tokens)

    def _rebuild(self, index: int, member_ids: Sequence[str]) -> None:
        """Set gap ``index`` to exactly ``member_ids`` (in arrival order), recomputing its summary."""
        gap = self.gaps[index]
        members = [self._evidence[m] for m in member_ids]
        gap.members = list(member_ids)
        gap.count = len(members)
        if not members:
            gap.vector_sum = np.zeros_like(gap.vector_sum)
            gap.tokens, gap.exemplars = Counter(), []
            return
        vectors = np.stack([e.vector for e in members])
        gap.vector_sum = vectors.astype(np.float64).sum(axis=0)
        gap.tokens = token_profile([e.tokens for e in members], self.config.profile_tokens)
        best = representative_order(vectors)[: self.config.exemplars]
        gap.exemplars = [Exemplar(member_ids[i], members[i].text, members[i].vector) for i in best]
        for member_id in member_ids:
            self._where[member_id] = index

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

    # -- editor actions --------------------------------------------------------------------------------------------
    def merge(self, a: int, b: int) -> int:
        """Merge gap ``b`` into gap ``a`` (an editor's decision: ``a`` is pinned); returns ``a``. Gaps of different
        audiences or communities never merge: an internal question must not surface in a gap shown to another
        community."""
        a, b = self.resolve(a), self.resolve(b)
        if a == b:
            return a
        target, source = self.gaps[a], self.gaps[b]
        if target.scope != source.scope:
            raise ValueError(f"gap {a} ({target.scope}) and gap {b} ({source.scope}) belong to different scopes")
        self._absorb(a, b)
        target.pinned = True
        return a

    def _absorb(self, a: int, b: int) -> None:
        target, source = self.gaps[a], self.gaps[b]
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

    def move(self, member: GapEvidence, to: int) -> int:
        """Move ``member`` (found by its id) to gap ``to``; returns ``to``. Both gaps are pinned (an editor decided);
        the old gap forgets the member's vector and tokens; a gap left empty disappears from the live gaps."""
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
        source.pinned = target.pinned = True
        return to

    # -- regrouping ------------------------------------------------------------------------------------------------
    def consolidate(self) -> int:
        """Regroup the questions of the open, unpinned gaps of each scope (:func:`regroup`); returns how many gaps
        disappeared into others (a regrouping can also split a gap: the count of gaps may fall by less)."""
        self._since_consolidation = 0
        by_scope: dict[Scope, list[int]] = {}
        for index in self.open_gaps:
            if not self.gaps[index].pinned:
                by_scope.setdefault(self.gaps[index].scope, []).append(index)
        return sum(self._regroup_scope(indices) for indices in by_scope.values())

    def _regroup_scope(self, indices: list[int]) -> int:
        # Past the size limit, the newest gaps are regrouped (they hold the questions that arrived since the last
        # regrouping); older gaps keep their questions.
        chosen: list[int] = []
        total = 0
        for index in sorted(indices, reverse=True):
            if total + self.gaps[index].count > self.config.max_regroup and chosen:
                break
            chosen.append(index)
            total += self.gaps[index].count
        chosen.sort()
        member_ids = [m for index in chosen for m in self.gaps[index].members]
        if len(member_ids) < 2:
            return 0
        vectors = np.stack([self._evidence[m].vector for m in member_ids])
        plan = plan_regrouping([self._where[m] for m in member_ids], regroup(vectors, self.config))
        arrival = {m: i for i, m in enumerate(self._evidence)}  # dicts keep insertion (= arrival) order
        groups: dict[int, list[str]] = {}
        for member_id, label in zip(member_ids, plan.labels, strict=True):
            groups.setdefault(label, []).append(member_id)
        scope, shape = self.gaps[chosen[0]].scope, self.gaps[chosen[0]].vector_sum.shape
        home: dict[int, int] = {}
        for label, owner in plan.owners.items():
            home[label] = owner if owner is not None else self._new_gap(scope, shape)
        for label, index in home.items():
            self._rebuild(index, sorted(groups[label], key=arrival.__getitem__))
        for index, label in plan.absorbed.items():
            self._rebuild(index, [])
            self.gaps[index].merged_into = home[label]
        return len(plan.absorbed)

    # -- serialization -------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state (vectors as lists of floats)."""
        return {
            "config": self.config.__dict__,
            "seen": self._seen,
            "since_consolidation": self._since_consolidation,
            "document_frequency": dict(self._document_frequency),
            "evidence": [_evidence_to_dict(member_id, e) for member_id, e in self._evidence.items()],
            "gaps": [_gap_to_dict(gap) for gap in self.gaps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GapClusterer:
        clusterer = cls(GapConfig(**data["config"]))
        clusterer._seen = int(data["seen"])
        clusterer._since_consolidation = int(data["since_consolidation"])
        clusterer._document_frequency = Counter(data["document_frequency"])
        clusterer._evidence = {row["member_id"]: _evidence_from_dict(row) for row in data["evidence"]}
        clusterer.gaps = [_gap_from_dict(row) for row in data["gaps"]]
        for index, gap in enumerate(clusterer.gaps):
            for member_id in gap.members:
                clusterer._where[member_id] = index
        return clusterer


def _evidence_to_dict(member_id: str, evidence: GapEvidence) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "id": evidence.id,
        "text": evidence.text,
        "vector": evidence.vector.tolist(),
        "tokens": list(evidence.tokens),
        "audience": evidence.audience,
        "community": evidence.community,
    }


def _evidence_from_dict(row: dict[str, Any]) -> GapEvidence:
    return GapEvidence(
        text=row["text"],
        vector=np.asarray(row["vector"], dtype=np.float32),
        tokens=tuple(row["tokens"]),
        audience=row["audience"],
        community=row["community"],
        id=row["id"],
    )


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
        "pinned": gap.pinned,
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
        pinned=bool(row.get("pinned", False)),
    )
