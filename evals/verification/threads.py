"""The StackFAQ threads as this eval uses them: which are held out, and which wrong fix each one is given."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import click
import numpy as np

from evals.datasets import EvalDataset


@dataclass(frozen=True)
class Thread:
    key: str  # "t12"
    question: str  # the FAQ question (thread title)
    answer: str  # the thread's first answer: the FAQ an editor would write
    paraphrases: tuple[tuple[str, str], ...]  # (question id, text)


def stackfaq_threads(dataset: EvalDataset) -> dict[str, Thread]:
    """The threads of the ``stackfaq`` data set (documents ``t<i>#a<k>``, questions ``t<i>#q<j>``)."""
    first: dict[str, tuple[str, str]] = {}
    for document in dataset.documents:
        key = document.id.split("#", 1)[0]
        if key not in first and document.faq_question and document.faq_answer:
            first[key] = (document.faq_question, document.faq_answer)
    asked: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for question in dataset.questions:
        asked[question.id.split("#", 1)[0]].append((question.id, question.question))
    return {
        key: Thread(key, question, answer, tuple(asked[key]))
        for key, (question, answer) in first.items()
        if asked.get(key)
    }


def choose_threads(
    keys: Sequence[str], held_out: int, kb_threads: int | None, seed: int
) -> tuple[list[str], list[str]]:
    """(held-out threads, threads in the knowledge base), seeded; ``kb_threads`` None keeps every other thread."""
    order = sorted(keys, key=lambda k: (len(k), k))  # t2 before t10: the file's order, whatever the input's
    random.Random(seed).shuffle(order)
    if not 2 <= held_out < len(order):
        raise click.UsageError(f"--held-out must be between 2 and {len(order) - 1}")
    rest = order[held_out:]
    return sorted(order[:held_out]), sorted(rest if kb_threads is None else rest[:kb_threads])


def derangement(keys: Sequence[str], seed: int) -> dict[str, str]:
    """Each key mapped to another key (a seeded cyclic shift of a shuffle: nobody keeps their own)."""
    order = list(keys)
    random.Random(seed + 1).shuffle(order)
    return {key: order[(i + 1) % len(order)] for i, key in enumerate(order)}


def nearest_other(keys: Sequence[str], vectors: np.ndarray) -> dict[str, str]:
    """Each key mapped to the other key whose vector is closest (cosine)."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    return {key: keys[int(np.argmax(similarity[i]))] for i, key in enumerate(keys)}
