"""Which open gap a new question joins: chatbot.gaps.join decides, against the gaps in the database.

The web service has several gunicorn workers and restarts, so the join state of each gap lives in the ``gaps``
table (its mean vector, its count and token counts) and is read back for every assignment. That is cheap: only
open gaps of the question's audience are loaded, and the decision is one matrix-vector product.

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

from chatbot.gaps.config import GapConfig
from chatbot.gaps.evidence import QuestionVector
from chatbot.gaps.join import KeywordStats, QuestionGroup, add_question, choose_group, new_group
from web.db.models import Gap

# The tuned configuration (Banking77 train, evals/clustering/tuning.py), for the join and the regrouping alike.
GAP_CONFIG = GapConfig()


@dataclass(frozen=True)
class Assignment:
    """The outcome: the gap row joined (None: open a new gap) and that gap's new clustering state."""

    gap: Gap | None
    centroid: list[float]  # mean of the member vectors (not normalised: its length tells the spread)
    token_counts: dict[str, int]


def assign(candidates: Sequence[Gap], question: QuestionVector) -> Assignment:
    usable = [row for row in candidates if len(row.centroid) == question.vector.shape[0] and row.count > 0]
    groups = [
        QuestionGroup(
            audience=row.audience,
            community=row.community,
            vector_sum=np.asarray(row.centroid, dtype=np.float64) * row.count,
            count=row.count,
            tokens=Counter(row.token_counts),
        )
        for row in usable
    ]
    # No keyword statistics are stored: every word weighs the same (the join's keyword term is off by default).
    index = choose_group(question, groups, range(len(groups)), GAP_CONFIG, KeywordStats())
    group = groups[index] if index is not None else new_group(question)
    add_question(group, question, GAP_CONFIG.profile_tokens)
    return Assignment(
        gap=usable[index] if index is not None else None,
        centroid=[float(x) for x in group.vector_sum / group.count],
        token_counts={token: int(n) for token, n in group.tokens.items()},
    )
