"""Which open gap a new question joins, decided by chatbot.gaps.GapClusterer against the gaps in the database.

The clusterer keeps its state in memory; the web service has several gunicorn workers and restarts, so the state
lives in the ``gaps`` table instead (each gap's mean vector, its count and token counts) and a clusterer is
rebuilt from the candidate gaps for every assignment. That is cheap: only open gaps of the evidence's audience
are loaded, and the decision is one matrix-vector product.

Only the online step runs here (join the most similar open gap of the same audience and community at cosine >=
``join_threshold`` to its centroid, else open a new gap), with the same configuration the Banking77 figures were
measured with. The regrouping that makes the gaps independent of arrival order needs every question's vector and
moves questions between gaps, so it is not part of a chat turn: web.gaps.consolidation runs it over the untouched
open gaps (``answerdesk gaps consolidate``, and in the background every ``GAP_CONSOLIDATE_EVERY`` captured questions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chatbot.gaps import Gap as ClusterGap
from chatbot.gaps import GapClusterer, GapConfig
from chatbot.gaps import GapEvidence as ClusterEvidence
from web.db.models import Gap

# The clusterer's tuned configuration (Banking77); regrouping runs in web.gaps.consolidation, not per assignment.
ONLINE_CONFIG = GapConfig(consolidate_every=0)


@dataclass(frozen=True)
class Assignment:
    """The outcome: the gap row joined (None: open a new gap) and that gap's new clustering state."""

    gap: Gap | None
    centroid: list[float]  # mean of the member vectors (not normalised: its length tells the spread)
    token_counts: dict[str, int]


def assign(candidates: Sequence[Gap], evidence: ClusterEvidence) -> Assignment:
    usable = [row for row in candidates if len(row.centroid) == evidence.vector.shape[0] and row.count > 0]
    clusterer = GapClusterer(ONLINE_CONFIG)
    # Rebuilt from the stored means; exemplars and member ids are not needed for the join decision.
    clusterer.gaps = [
        ClusterGap(
            audience=row.audience,
            community=row.community,
            vector_sum=np.asarray(row.centroid, dtype=np.float64) * row.count,
            count=row.count,
            tokens=Counter(row.token_counts),
        )
        for row in usable
    ]
    index = clusterer.assign(evidence)
    state = clusterer.gaps[index]
    return Assignment(
        gap=usable[index] if index < len(usable) else None,
        centroid=[float(x) for x in state.vector_sum / state.count],
        token_counts={token: int(n) for token, n in state.tokens.items()},
    )


def merged_state(parts: Sequence[tuple[Sequence[float], dict[str, int], int]]) -> tuple[list[float], dict[str, int]]:
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
