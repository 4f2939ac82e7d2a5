"""A grading sheet: a seeded sample of a data set's answerable dev questions, with what a grader needs.

ANSWER-QUALITY grading is done by reading answers, not by a metric. This writes, for each sampled question,
answerdesk's outcome and answer text beside the labelled documents (their start) and the reference answer, so that
a person can label each answer Good / Acceptable / Poor / Wrong / Missed (evals/graded/ keeps the graded sheets):

    python -m evals.grading_sheet emanual --n 32 --seed 2026 > var/emanual-sheet.md

The same seed draws the same questions, so a sheet can be re-graded after an answering change.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence

import click

from chatbot.answering import build_answerer
from chatbot.config import load_settings
from chatbot.types import SourceDocument
from evals.datasets import load_dataset
from evals.runner import QuestionRun, index_dataset, run_answerdesk

DOCUMENT_START_CHARS = 1500


def sheet(runs: Sequence[QuestionRun], documents: dict[str, SourceDocument]) -> str:
    """The Markdown sheet of ``runs``: one section per question."""
    parts: list[str] = []
    for n, run in enumerate(runs, start=1):
        question = run.question
        outcome = "answered" if run.answered else (run.reason or run.outcome)
        lines = [
            f"## {n}. {question.question}",
            "",
            f"- outcome: {outcome} (confidence {run.confidence:.2f}); cited: {run.cited[:2]}",
            f"- labelled documents: {sorted(question.correct_ids)}; first citation labelled: {run.correct}",
        ]
        if question.answer:
            lines.append(f"- reference answer: {question.answer}")
        lines += ["", "### answerdesk's answer", "", run.answer if run.answered else "(not answered)", ""]
        shown = [question.relevant[0]] if question.relevant else []
        if run.cited and run.cited[0] not in question.correct_ids:
            shown.append(run.cited[0])
        for doc_id in shown:
            document = documents.get(doc_id)
            if document is not None:
                lines += [f"### {doc_id} (start)", "", document.text[:DOCUMENT_START_CHARS], ""]
        parts.append("\n".join([*lines, "---", ""]))
    return "\n".join(parts)


@click.command()
@click.argument("dataset")
@click.option("--n", "count", default=32, show_default=True, help="Questions to sample.")
@click.option("--seed", default=2026, show_default=True, help="Sampling seed (the same seed, the same questions).")
def main(dataset: str, count: int, seed: int) -> None:
    """Write a grading sheet of DATASET's answerable dev questions to standard output."""
    settings = load_settings()
    data = load_dataset(dataset, settings.eval_data)
    answerer = build_answerer(index_dataset(data, settings))
    answerable = [q for q in data.in_split("dev") if not q.unanswerable]
    picked = random.Random(seed).sample(answerable, min(count, len(answerable)))
    runs = run_answerdesk(answerer, dataset, picked)
    sys.stdout.write(sheet(runs, {d.id: d for d in data.documents}))


if __name__ == "__main__":
    main()
