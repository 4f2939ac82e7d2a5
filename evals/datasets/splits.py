"""How a set's questions are divided: the seeded dev/test split, ``limit``, and documents held out of the index.

Dev/test split (deterministic for a seed, about 30% dev): a question's split is decided by a seeded SHA-256 hash of a
*group key*, never by Python's salted ``hash()``. Questions that have relevant documents are grouped by document:
documents named together in one question's ``relevant`` list are joined into one group (union-find), and the group's
key is its smallest id. So every question about a section lands in the same split as that section, and a threshold
calibrated on dev never sees a test section, even for the e-manual questions that list two sections because titles
repeat. Unanswerable questions are keyed by their own id. Derived sets (``clinc-oos``, ``near-oos``, ``cmrc2018``
hold-outs) decide splits *before* removing documents, so a question keeps its split whichever set it appears in.

``limit`` keeps N questions after a seeded shuffle, drawing answerable and unanswerable questions in proportion to
the full set, and returns them in the set's original order. The knowledge base is never cut. :func:`sample_split`
takes a split first and then the limit, so that ``--limit N`` evaluates N questions of the chosen split.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Iterable, Sequence

from evals.datasets.types import EvalDataset, EvalQuestion

DEFAULT_SEED = 13
DEV_FRACTION = 0.3


def split_of(key: str, seed: int = DEFAULT_SEED) -> str:
    """Return "dev" or "test" (about DEV_FRACTION dev) by a seeded SHA-256: stable across processes and Pythons."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return "dev" if int.from_bytes(digest[:8], "big") / 2**64 < DEV_FRACTION else "test"


def limit_questions(dataset: EvalDataset, limit: int | None, seed: int = DEFAULT_SEED) -> EvalDataset:
    """Keep ``limit`` questions drawn by a seeded shuffle, answerable/unanswerable in proportion, original order."""
    if limit is None or limit >= len(dataset.questions):
        return dataset
    if limit < 0:
        raise ValueError(f"limit must be zero or more, got {limit}")
    rng = random.Random(f"{seed}:limit")
    answerable = [i for i, q in enumerate(dataset.questions) if not q.unanswerable]
    unanswerable = [i for i, q in enumerate(dataset.questions) if q.unanswerable]
    rng.shuffle(answerable)
    rng.shuffle(unanswerable)
    take_unanswerable = min(len(unanswerable), round(limit * len(unanswerable) / len(dataset.questions)))
    take_answerable = min(len(answerable), limit - take_unanswerable)
    kept = sorted(answerable[:take_answerable] + unanswerable[:take_unanswerable])
    questions = [dataset.questions[i] for i in kept]
    return dataclasses.replace(dataset, questions=questions)


def sample_split(dataset: EvalDataset, split: str, limit: int | None, seed: int = DEFAULT_SEED) -> EvalDataset:
    """The questions of ``split`` ("dev", "test"; "all": every question), then ``limit`` of them as
    :func:`limit_questions` draws them. The limit counts the questions evaluated: cut before the split, a limit of
    40 left about 24 test questions. The split of a question does not depend on the limit, nor the draw on anything
    but the seed and the split's questions, so the sample is the same on every run."""
    questions = dataset.questions if split == "all" else dataset.in_split(split)
    return limit_questions(dataclasses.replace(dataset, questions=questions), limit, seed)


def document_groups(relevant_lists: Iterable[Sequence[str]]) -> dict[str, str]:
    """Map each document id to its group key: ids that share a question are one group, keyed by the smallest id."""
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]  # path halving keeps the trees flat
            item = parent[item]
        return item

    for ids in relevant_lists:
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])
        if ids:
            find(ids[0])
    members: dict[str, list[str]] = {}
    for item in list(parent):
        members.setdefault(find(item), []).append(item)
    return {item: min(group) for group in members.values() for item in group}


def assign_splits(questions: list[EvalQuestion], seed: int) -> list[EvalQuestion]:
    """The questions with their dev/test split, decided by document group (module docstring)."""
    groups = document_groups(q.relevant for q in questions)
    return [
        dataclasses.replace(q, split=split_of(groups[q.relevant[0]] if q.relevant else q.id, seed)) for q in questions
    ]


# -- hold-outs: documents removed from the index so that their questions must be refused --------------------------
def seeded_subset(ids: Sequence[str], fraction: float, salt: str) -> set[str]:
    ordered = sorted(ids)
    return set(random.Random(salt).sample(ordered, round(len(ordered) * fraction)))


def without_documents(question: EvalQuestion, removed: set[str]) -> EvalQuestion:
    """The question once ``removed`` documents are gone from the index: unanswerable if none of its documents
    remain, neither a labelled one nor one that answers it too (``acceptable``: the e-manual's near-duplicate
    sections, which the data README counts as answering). A question whose twin section is still there is
    answerable, and an answer citing the twin is right, as in every other precision figure."""
    remaining = tuple(d for d in question.relevant if d not in removed)
    acceptable = tuple(d for d in question.acceptable if d not in removed)
    if remaining == question.relevant:
        return dataclasses.replace(question, acceptable=acceptable)
    meta = {**question.meta, "removed": ",".join(d for d in question.relevant if d in removed)}
    return dataclasses.replace(
        question, relevant=remaining, unanswerable=not remaining and not acceptable, meta=meta, acceptable=acceptable
    )
