"""Which open gap a new question joins: chatbot.gaps.join decides, against the gaps in the database.

The web service has several gunicorn workers and restarts, so the join state of each gap lives in the ``gaps``
table (its mean vector, its count and token counts) and is read back for every assignment. That is cheap: only
open gaps of the question's audience are read, their stored means are parsed again only when they changed
(:func:`open_gaps`), and the decision is one matrix-vector product.

Only the online step runs here (join the most similar open gap of the same audience and community at cosine >=
``join_threshold`` to its centroid, else open a new gap), with the same configuration the Banking77 figures were
measured with. The regrouping that makes the gaps independent of arrival order needs every question's vector and
moves questions between gaps, so it is not part of a chat turn: web.gaps.consolidation runs it over the untouched
open gaps (``answerdesk gaps consolidate``, and in the background every ``GAP_CONSOLIDATE_EVERY`` captured questions).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
from sqlalchemy import Text, cast, select

from chatbot.gaps.config import GapConfig
from chatbot.gaps.evidence import QuestionVector
from chatbot.gaps.join import KeywordStats, QuestionGroup, add_question, choose_group, new_group
from web.db.models import GAP_OPEN_STATUSES, Gap, db

# The tuned configuration (Banking77 train, evals/clustering/tuning.py), for the join and the regrouping alike.
GAP_CONFIG = GapConfig()


@dataclass(frozen=True)
class OpenGap:
    """What the join reads of an open gap: its scope, size, mean vector and token counts, not the whole row."""

    id: int
    audience: str
    community: str | None
    count: int
    centroid: npt.NDArray[np.float64]  # read-only: shared by every turn of this process
    token_counts: Mapping[str, int]  # read-only, likewise


@dataclass(frozen=True)
class _Parsed:
    centroid_json: str  # the stored text the values below were parsed from
    tokens_json: str
    centroid: npt.NDArray[np.float64]
    token_counts: Mapping[str, int]


# Per process and audience: each open gap's stored JSON and what it parses to. Every captured question is compared
# with every open gap of its audience, and decoding their means (384 floats each) was most of a capture's cost: 84 ms
# of CPU at 1,000 open gaps. The text is still read each time, so a gap changed by any process (a join, a merge, a
# regrouping) is parsed again, and only open gaps are kept (about 11 KB each).
_parsed_lock = threading.Lock()
_parsed_by_audience: dict[str, dict[int, _Parsed]] = {}


def open_gaps(audience: str) -> list[OpenGap]:
    """The open gaps a question of ``audience`` may join, oldest first."""
    # The JSON columns as text (cast: some drivers decode JSON themselves), parsed below only when it changed.
    query = (
        select(Gap.id, Gap.community, Gap.count, cast(Gap.centroid, Text), cast(Gap.token_counts, Text))
        .where(Gap.status.in_(GAP_OPEN_STATUSES), Gap.audience == audience)
        .order_by(Gap.id)
    )
    rows = db.session.execute(query).all()
    with _parsed_lock:
        known = _parsed_by_audience.get(audience, {})
    parsed = {
        gap_id: _parse(known.get(gap_id), centroid or "[]", tokens or "{}") for gap_id, _, _, centroid, tokens in rows
    }
    with _parsed_lock:
        _parsed_by_audience[audience] = parsed  # gaps that closed since drop out
    return [
        OpenGap(gap_id, audience, community, count or 0, parsed[gap_id].centroid, parsed[gap_id].token_counts)
        for gap_id, community, count, _, _ in rows
    ]


def _parse(known: _Parsed | None, centroid_json: str, tokens_json: str) -> _Parsed:
    """``known`` if it was parsed from the same text, else the text parsed (as the JSON column would read it)."""
    if known is not None and known.centroid_json == centroid_json and known.tokens_json == tokens_json:
        return known
    centroid = np.asarray(json.loads(centroid_json), dtype=np.float64)
    centroid.flags.writeable = False
    return _Parsed(centroid_json, tokens_json, centroid, MappingProxyType(json.loads(tokens_json)))


@dataclass(frozen=True)
class Assignment:
    """The outcome: the id of the gap joined (None: open a new gap) and that gap's new clustering state."""

    gap_id: int | None
    centroid: list[float]  # mean of the member vectors (not normalised: its length tells the spread)
    token_counts: dict[str, int]


def assign(candidates: Sequence[OpenGap], question: QuestionVector) -> Assignment:
    usable = [gap for gap in candidates if len(gap.centroid) == question.vector.shape[0] and gap.count > 0]
    groups = [
        QuestionGroup(
            audience=gap.audience,
            community=gap.community,
            vector_sum=gap.centroid * gap.count,
            count=gap.count,
            tokens=Counter(gap.token_counts),
        )
        for gap in usable
    ]
    # No keyword statistics are stored: every word weighs the same (the join's keyword term is off by default).
    index = choose_group(question, groups, range(len(groups)), GAP_CONFIG, KeywordStats())
    group = groups[index] if index is not None else new_group(question)
    add_question(group, question, GAP_CONFIG.profile_tokens)
    return Assignment(
        gap_id=usable[index].id if index is not None else None,
        centroid=[float(x) for x in group.vector_sum / group.count],
        token_counts={token: int(n) for token, n in group.tokens.items()},
    )
