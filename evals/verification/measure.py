"""The whole measurement: build the app, ask the held-out questions, then resolve every gap once per kind of fix."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from chatbot.config import Settings
from evals.datasets import DEFAULT_SEED, EvalDataset
from evals.verification.scoring import (
    CONDITIONS,
    FormedGap,
    condition_scores,
    grouping_scores,
    rate,
    support_sweep,
)
from evals.verification.service import fresh_service
from evals.verification.threads import choose_threads, derangement, nearest_other, stackfaq_threads

NAME = "gap-verification"
HELD_OUT_THREADS = 30


def evaluate_verification(
    dataset: EvalDataset,
    settings: Settings,
    held_out: int = HELD_OUT_THREADS,
    seed: int = DEFAULT_SEED,
    kb_threads: int | None = None,
    conditions: Sequence[str] = CONDITIONS,
    questions_per_thread: int | None = None,
) -> dict[str, Any]:
    """The whole measurement (evals/verification/__init__.py says what and why).

    ``kb_threads`` and ``questions_per_thread`` cut it down for CI."""
    started = time.perf_counter()
    threads = stackfaq_threads(dataset)
    held, kept = choose_threads(list(threads), held_out, kb_threads, seed)
    kept_set = set(kept)
    documents = [d for d in dataset.documents if d.id.split("#", 1)[0] in kept_set]
    stream = [(key, qid, text) for key in held for qid, text in threads[key].paraphrases[:questions_per_thread]]
    random.Random(seed + 2).shuffle(stream)
    wrong = derangement(held, seed)

    with fresh_service(settings, documents) as service:
        from web.services import get_answerer, get_runtime

        ingest_seconds = time.perf_counter() - started
        embedder = get_runtime(service.app).embedder
        near = nearest_other(held, np.asarray(embedder.encode_queries([threads[k].question for k in held])))
        threshold = get_answerer(service.app).threshold

        # -- capture
        thread_of_message: dict[int, str] = {}
        answers: list[dict[str, Any]] = []
        for visitor, (key, _qid, text) in enumerate(stream):
            answer = service.ask(text, visitor)
            thread_of_message[int(answer["message_id"])] = key
            answers.append(answer)
        online = service.open_gaps()
        regrouping = service.consolidate()
        gaps = [
            FormedGap(
                id=int(gap["id"]),
                title=str(gap["title"]),
                threads=[thread_of_message[int(q["message_id"])] for q in gap["questions"]],
                message_ids=[int(q["message_id"]) for q in gap["questions"]],
            )
            for gap in service.open_gaps()
        ]
        gaps = [g for g in gaps if g.threads]
        in_gaps = {m for g in gaps for m in g.message_ids}
        capture_seconds = time.perf_counter() - started - ingest_seconds

        # -- resolve each gap once per condition, undoing each resolve
        for gap in gaps:
            true, other, close = threads[gap.majority], threads[wrong[gap.majority]], threads[near[gap.majority]]
            fixes = {
                "true_fix": (true.question, true.answer),
                "wrong_fix": (close.question, close.answer),
                "title_echo": (gap.title, other.answer),
            }
            for condition in conditions:
                gap.results[condition] = service.resolve(gap.id, *fixes[condition])
                service.undo_resolve(gap.id)
        resolve_seconds = time.perf_counter() - started - ingest_seconds - capture_seconds

    answered = [a for a in answers if not a["is_gap"]]
    online_labels = [(thread_of_message[int(q["message_id"])], int(g["id"])) for g in online for q in g["questions"]]
    result: dict[str, Any] = {
        "dataset": NAME,
        "source": dataset.name,
        "n": len(stream),
        "held_out_threads": len(held),
        "capture": {
            "asked": len(answers),
            "abstained": len(answers) - len(answered),
            "answered": len(answered),
            "gap_evidence": len(in_gaps),
            "answered_confidently": sum(1 for a in answers if int(a["message_id"]) not in in_gaps),
            "evidence_rate": rate(len(in_gaps), len(answers)),
        },
        "grouping": {
            **grouping_scores([t for g in gaps for t in g.threads], [g.id for g in gaps for _ in g.threads]),
            "mean_gap_size": round(statistics.fmean(len(g.threads) for g in gaps), 2) if gaps else None,
            "single_question_gaps": sum(1 for g in gaps if len(g.threads) == 1),
        },
        "grouping_online": grouping_scores([t for t, _ in online_labels], [g for _, g in online_labels]),
        "conditions": {c: condition_scores(gaps, c) for c in conditions},
        "support_sweep": support_sweep(gaps),
        "gaps": [
            {
                "id": g.id,
                "title": g.title,
                "size": len(g.threads),
                "thread": g.majority,
                "purity": round(g.purity, 3),
                "results": g.results,
            }
            for g in gaps
        ],
        "config": {
            "seed": seed,
            "held_out": held,
            "kb_threads": len(kept),
            "questions_per_thread": questions_per_thread,
            "documents": len(documents),
            "embedder": settings.embedder,
            "threshold": threshold,
            "writer": "llm" if settings.llm != "none" else "extractive",
            "support_min": _support_min(embedder.name),
            "regrouping": {"moved": regrouping.get("moved"), "merged": regrouping.get("merged")},
            "seconds": {
                "ingest": round(ingest_seconds, 1),
                "capture": round(capture_seconds, 1),
                "resolve": round(resolve_seconds, 1),
            },
        },
    }
    return result


def _support_min(embedder: str) -> float | None:
    """The support bar the resolve flow applies with ``embedder`` (None: no support check)."""
    from chatbot.gaps.fit import SUPPORT_MIN

    return SUPPORT_MIN.get(embedder)
