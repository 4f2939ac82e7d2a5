"""A custom set: any help-centre folder ``answerdesk ingest`` reads, and a JSONL file of labelled questions."""

from __future__ import annotations

import logging
from pathlib import Path

from chatbot.keyword import has_cjk
from evals.datasets.files import read_question_lines
from evals.datasets.splits import DEFAULT_SEED, assign_splits, limit_questions
from evals.datasets.types import DatasetUnavailable, EvalDataset, EvalQuestion

log = logging.getLogger(__name__)

_CUSTOM_KEYS = frozenset({"id", "question", "relevant", "answer", "unanswerable", "language"})


def load_custom(kb_path: Path, questions_file: Path, seed: int = DEFAULT_SEED, limit: int | None = None) -> EvalDataset:
    """A help-centre folder (anything ``answerdesk ingest`` reads) and a JSONL file of labelled questions.

    Each line: ``{"question": str, "relevant": [doc ids], "answer"?: str, "unanswerable"?: bool, "id"?: str,
    "language"?: "en" | "zh"}``. ``unanswerable`` defaults to "relevant is empty". A bad line raises ValueError
    naming its line number; so does a relevant id that is not a document of the knowledge base.
    """
    from ingest.sources import load_path

    loaded = load_path(kb_path)
    for failed in loaded.failed:
        log.warning("custom knowledge base: %s not loaded: %s", failed.path, failed.error)
    known = {d.id for d in loaded.documents}
    questions = assign_splits(_read_custom_questions(questions_file, known), seed)
    description = f"custom: {len(loaded.documents)} documents from {kb_path}, questions from {questions_file}"
    if loaded.failed:
        description += f" ({len(loaded.failed)} files failed to load)"
    dataset = EvalDataset("custom", loaded.documents, questions, description)
    return limit_questions(dataset, limit, seed)


def _custom_question(line_no: int, row: object, known: set[str]) -> EvalQuestion:
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    unknown = sorted(set(row) - _CUSTOM_KEYS)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(_CUSTOM_KEYS))}")
    question = row.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' must be non-empty text")
    relevant = row.get("relevant", [])
    if not isinstance(relevant, list) or not all(isinstance(r, str) and r for r in relevant):
        raise ValueError("'relevant' must be a list of document ids")
    missing = [r for r in relevant if r not in known]
    if missing:
        raise ValueError(f"relevant id(s) {', '.join(map(repr, missing))} are not documents of the knowledge base")
    unanswerable = row.get("unanswerable", not relevant)
    if not isinstance(unanswerable, bool) or unanswerable == bool(relevant):
        raise ValueError("'unanswerable' must be true exactly when 'relevant' is empty")
    answer = row.get("answer")
    if answer is not None and not isinstance(answer, str):
        raise ValueError("'answer' must be text")
    language = row.get("language") or ("zh" if has_cjk(question) else "en")
    if language not in {"en", "zh"}:
        raise ValueError("'language' must be 'en' or 'zh'")
    return EvalQuestion(
        id=str(row.get("id") or f"line-{line_no}"),
        question=question.strip(),
        relevant=tuple(dict.fromkeys(relevant)),
        answer=answer.strip() if answer and answer.strip() else None,
        unanswerable=unanswerable,
        language=language,
    )


def _read_custom_questions(path: Path, known: set[str]) -> list[EvalQuestion]:
    if not path.is_file():
        raise DatasetUnavailable(f"no such questions file: {path}")
    questions = read_question_lines(path, lambda line_no, row: _custom_question(line_no, row, known))
    if not questions:
        raise ValueError(f"{path} has no questions")
    return questions
