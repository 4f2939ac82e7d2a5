"""The gap pipeline in memory: a stream of questions joined online and regrouped on a schedule, as the web service
would group them, without a database. The evals (scoring, tuning) and tests/test_gaps.py run it.

It uses the same rules as the web service (:mod:`chatbot.gaps`: the join, the regrouping, the scope rule); what is
only here is the bookkeeping the database does in the service: every member's :class:`QuestionVector` (regrouping
needs the vectors), per gap its members and a few exemplars (the members closest to the centroid; the first is the
representative question), gaps that were merged away (``merged_into``, so that indices stay valid), the regrouping
schedule and a JSON form of the state. Gaps an editor changed (``merge``, ``move``) are *pinned*: regrouping leaves
them and their questions alone, as the web service does with gaps an editor has touched. Everything is
deterministic for a given input order (no randomness; ties go to the lowest index).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from chatbot.gaps.config import GapConfig
from chatbot.gaps.evidence import QuestionVector, Vector
from chatbot.gaps.join import (
    KeywordStats,
    QuestionGroup,
    absorb_group,
    add_question,
    choose_group,
    join_score,
    remove_question,
)
from chatbot.gaps.regroup import plan_regrouping, regroup, representative_order, token_profile
from chatbot.gaps.scope import Scope, require_same_scope


@dataclass(frozen=True)
class SimulationConfig:
    """What only the simulation decides (the web service regroups every ANSWERDESK_GAP_CONSOLIDATE_EVERY questions
    and keeps every question in its database)."""

    consolidate_every: int = 100  # assignments between automatic regroupings (0: only when called) ...
    consolidate_growth: float = 0.25  # ... and at least this share of the open questions: O(log n) regroupings
    exemplars: int = 5  # members kept as representative candidates


@dataclass
class Exemplar:
    id: str
    text: str
    vector: Vector


@dataclass
class SimulatedGap(QuestionGroup):
    """A gap of the simulation: its join state plus what the service keeps in its database."""

    exemplars: list[Exemplar] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    is_open: bool = True  # resolved or dismissed gaps stop attracting new questions
    merged_into: int | None = None
    pinned: bool = False  # changed by an editor: regrouping leaves it alone

    @property
    def representative(self) -> str:
        return self.exemplars[0].text if self.exemplars else ""

    @property
    def live(self) -> bool:
        return self.merged_into is None and self.count > 0


class GapSimulation:
    """Questions grouped into gaps as they arrive, with periodic regrouping; indices returned by :meth:`assign` stay
    valid (a gap that disappeared in a merge or regrouping points at the gap that took its questions:
    :meth:`resolve`)."""

    def __init__(self, config: GapConfig | None = None, simulation: SimulationConfig | None = None) -> None:
        self.config = config or GapConfig()
        self.simulation = simulation or SimulationConfig()
        self.gaps: list[SimulatedGap] = []
        self._where: dict[str, int] = {}  # member id -> gap index
        self._questions: dict[str, QuestionVector] = {}  # member id -> its question (regrouping needs the vectors)
        self._keywords = KeywordStats()
        self._since_consolidation = 0

    # -- the online step ---------------------------------------------------------------------------------------
    def assign(self, question: QuestionVector) -> int:
        """Put ``question`` into the most similar open gap of its scope, or open a new gap; returns the gap index
        (after a regrouping this call triggered, the gap now holding the question)."""
        member_id = question.id if question.id is not None else f"#{self._keywords.seen}"
        if member_id in self._where:
            raise ValueError(f"question {member_id!r} is already in gap {self.resolve(self._where[member_id])}")
        target = choose_group(question, self.gaps, self.open_gaps, self.config, self._keywords)
        if target is None:
            self.gaps.append(SimulatedGap(question.audience, question.community, np.zeros(question.vector.shape)))
            target = len(self.gaps) - 1
        self._add(target, question, member_id)
        self._keywords.count(question.tokens)
        self._since_consolidation += 1
        if self._consolidation_due():
            self.consolidate()
        return self.gap_of(member_id)

    def similarity(self, question: QuestionVector, index: int) -> float:
        """The join score of ``question`` for gap ``index`` (cosine to the centroid plus the keyword term)."""
        return join_score(question, self.gaps[self.resolve(index)], self.config, self._keywords)

    def _consolidation_due(self) -> bool:
        every = self.simulation.consolidate_every
        if not every:
            return False
        open_questions = sum(gap.count for gap in self.gaps if gap.live and gap.is_open and not gap.pinned)
        return self._since_consolidation >= max(every, self.simulation.consolidate_growth * open_questions)

    # -- bookkeeping ---------------------------------------------------------------------------------------------
    def _add(self, index: int, question: QuestionVector, member_id: str) -> None:
        gap = self.gaps[index]
        add_question(gap, question, self.config.profile_tokens)
        gap.members.append(member_id)
        gap.exemplars.append(Exemplar(member_id, question.text, question.vector))
        self._where[member_id] = index
        self._questions[member_id] = question
        self._sort_exemplars(gap)

    def _sort_exemplars(self, gap: SimulatedGap) -> None:
        """Keep the exemplars closest to the current centroid (first = representative), so a gap's summary stays
        the same size however many questions it collects."""
        centroid = gap.centroid
        # Stable sort: equal similarity keeps the earlier member first, so the result depends only on input order.
        gap.exemplars.sort(key=lambda e: -float(e.vector @ centroid))
        del gap.exemplars[self.simulation.exemplars :]

    def _rebuild(self, index: int, member_ids: Sequence[str]) -> None:
        """Set gap ``index`` to exactly ``member_ids`` (in arrival order), recomputing its summary."""
        gap = self.gaps[index]
        members = [self._questions[m] for m in member_ids]
        gap.members = list(member_ids)
        gap.count = len(members)
        if not members:
            gap.vector_sum = np.zeros_like(gap.vector_sum)
            gap.tokens, gap.exemplars = Counter(), []
            return
        vectors = np.stack([q.vector for q in members])
        gap.vector_sum = vectors.astype(np.float64).sum(axis=0)
        gap.tokens = token_profile([q.tokens for q in members], self.config.profile_tokens)
        best = representative_order(vectors)[: self.simulation.exemplars]
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
        """Merge gap ``b`` into gap ``a`` (an editor's decision: ``a`` is pinned); returns ``a``. Refused across
        scopes (:mod:`chatbot.gaps.scope`: :class:`~chatbot.gaps.scope.ScopeMismatch`)."""
        a, b = self.resolve(a), self.resolve(b)
        if a == b:
            return a
        target, source = self.gaps[a], self.gaps[b]
        require_same_scope(source.scope, target.scope)
        target.members.extend(source.members)
        target.exemplars.extend(source.exemplars)
        for member_id in source.members:
            self._where[member_id] = a
        absorb_group(target, source, self.config.profile_tokens)
        source.merged_into = a
        source.members, source.exemplars = [], []  # the merged gap's state now lives in ``a``
        self._sort_exemplars(target)
        target.pinned = True
        return a

    def move(self, member: QuestionVector, to: int) -> int:
        """Move ``member`` (found by its id) to gap ``to``; returns ``to``. Both gaps are pinned (an editor decided);
        the old gap forgets the member's vector and tokens; a gap left empty disappears from the live gaps. Refused
        across scopes, as :meth:`merge` is."""
        if member.id is None or member.id not in self._where:
            raise KeyError(f"question {member.id!r} is not in any gap")
        source_index, to = self.gap_of(member.id), self.resolve(to)
        if source_index == to:
            return to
        source, target = self.gaps[source_index], self.gaps[to]
        require_same_scope(source.scope, target.scope)
        remove_question(source, member, self.config.profile_tokens)
        source.members.remove(member.id)
        source.exemplars = [e for e in source.exemplars if e.id != member.id]
        self._sort_exemplars(source)
        self._add(to, member, member.id)
        source.pinned = target.pinned = True
        return to

    # -- regrouping ------------------------------------------------------------------------------------------------
    def consolidate(self) -> int:
        """Regroup the questions of the open, unpinned gaps of each scope (:func:`chatbot.gaps.regroup.regroup`);
        returns how many gaps disappeared into others (a regrouping can also split a gap: the count of gaps may
        fall by less)."""
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
        vectors = np.stack([self._questions[m].vector for m in member_ids])
        plan = plan_regrouping([self._where[m] for m in member_ids], regroup(vectors, self.config))
        arrival = {m: i for i, m in enumerate(self._questions)}  # dicts keep insertion (= arrival) order
        groups: dict[int, list[str]] = {}
        for member_id, label in zip(member_ids, plan.labels, strict=True):
            groups.setdefault(label, []).append(member_id)
        first = self.gaps[chosen[0]]
        home: dict[int, int] = {}
        for label, owner in plan.owners.items():
            if owner is None:
                self.gaps.append(SimulatedGap(first.audience, first.community, np.zeros_like(first.vector_sum)))
                owner = len(self.gaps) - 1
            home[label] = owner
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
            "config": asdict(self.config),
            "simulation": asdict(self.simulation),
            "seen": self._keywords.seen,
            "since_consolidation": self._since_consolidation,
            "document_frequency": dict(self._keywords.document_frequency),
            "questions": [_question_to_dict(member_id, q) for member_id, q in self._questions.items()],
            "gaps": [_gap_to_dict(gap) for gap in self.gaps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GapSimulation:
        simulation = cls(GapConfig(**data["config"]), SimulationConfig(**data["simulation"]))
        simulation._keywords = KeywordStats(int(data["seen"]), Counter(data["document_frequency"]))
        simulation._since_consolidation = int(data["since_consolidation"])
        simulation._questions = {row["member_id"]: _question_from_dict(row) for row in data["questions"]}
        simulation.gaps = [_gap_from_dict(row) for row in data["gaps"]]
        for index, gap in enumerate(simulation.gaps):
            for member_id in gap.members:
                simulation._where[member_id] = index
        return simulation


def _question_to_dict(member_id: str, question: QuestionVector) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "id": question.id,
        "text": question.text,
        "vector": question.vector.tolist(),
        "tokens": list(question.tokens),
        "audience": question.audience,
        "community": question.community,
    }


def _question_from_dict(row: dict[str, Any]) -> QuestionVector:
    return QuestionVector(
        text=row["text"],
        vector=np.asarray(row["vector"], dtype=np.float32),
        tokens=tuple(row["tokens"]),
        audience=row["audience"],
        community=row["community"],
        id=row["id"],
    )


def _gap_to_dict(gap: SimulatedGap) -> dict[str, Any]:
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


def _gap_from_dict(row: dict[str, Any]) -> SimulatedGap:
    return SimulatedGap(
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
