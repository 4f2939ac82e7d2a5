"""Banking77 test queries with their intents and no knowledge base: every question is a gap (gap clustering)."""

from __future__ import annotations

import csv
from pathlib import Path

from evals.datasets.files import required_file
from evals.datasets.splits import assign_splits
from evals.datasets.types import EvalDataset, EvalQuestion


def load_banking77(data_dir: Path, seed: int) -> EvalDataset:
    path = required_file(data_dir, "banking77-gaps", "banking77/test.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    questions = [
        EvalQuestion(
            id=f"banking77-test-{i}",
            question=row["text"].strip(),
            relevant=(),
            unanswerable=True,  # there is no knowledge base: every question is a gap
            meta={"intent": row["category"].strip()},
        )
        for i, row in enumerate(rows)
    ]
    return EvalDataset(
        "banking77-gaps",
        [],
        assign_splits(questions, seed),
        f"Banking77 test: {len(questions)} support queries, 77 intents, no knowledge base (gap clustering)",
    )
