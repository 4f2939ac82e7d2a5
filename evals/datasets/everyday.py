"""The everyday set: the sample help centre and questions as customers write them, bundled with the repository."""

from __future__ import annotations

from pathlib import Path

from evals.datasets.files import read_question_lines
from evals.datasets.types import DatasetUnavailable, EvalDataset, EvalQuestion

EVERYDAY_KB = Path(__file__).resolve().parents[2] / "examples" / "helpcenter"  # evals/datasets/everyday.py
EVERYDAY_QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "everyday.jsonl"
EVERYDAY_LABELS = frozenset({"abstain", "smalltalk", "handoff"})  # what ``expected`` holds when it is not a list
_EVERYDAY_KEYS = frozenset({"id", "question", "expected", "language", "audience", "split", "note"})


def _everyday_question(row: object, audiences: dict[str, str]) -> EvalQuestion:
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    if set(row) != _EVERYDAY_KEYS:
        raise ValueError(f"keys must be exactly {', '.join(sorted(_EVERYDAY_KEYS))}, got {', '.join(sorted(row))}")
    question, audience, split = row["question"], row["audience"], row["split"]
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' must be non-empty text")
    if row["language"] not in {"en", "zh"} or audience not in {"public", "internal"} or split not in {"dev", "test"}:
        raise ValueError("'language' must be en or zh, 'audience' public or internal, 'split' dev or test")
    expected = row["expected"]
    meta = {"audience": str(audience), "note": str(row["note"])}
    if isinstance(expected, str):
        if expected not in EVERYDAY_LABELS:
            raise ValueError(
                f"'expected' must be a list of document ids or one of {', '.join(sorted(EVERYDAY_LABELS))}"
            )
        if expected != "abstain":
            meta["intent"] = expected
        relevant: tuple[str, ...] = ()
    else:
        if not isinstance(expected, list) or not expected or not all(isinstance(e, str) for e in expected):
            raise ValueError("'expected' must be a non-empty list of document ids")
        missing = [e for e in expected if e not in audiences]
        if missing:
            raise ValueError(f"document id(s) {', '.join(map(repr, missing))} are not in {EVERYDAY_KB}")
        hidden = [e for e in expected if audience == "public" and audiences[e] != "public"]
        if hidden:
            raise ValueError(f"a public question expects internal document(s) {', '.join(map(repr, hidden))}")
        relevant = tuple(dict.fromkeys(expected))
    return EvalQuestion(
        id=str(row["id"]),
        question=question.strip(),
        relevant=relevant,
        unanswerable=not relevant,
        language=str(row["language"]),
        split=str(split),
        meta=meta,
    )


def read_everyday_questions(path: Path, audiences: dict[str, str]) -> list[EvalQuestion]:
    """The questions of ``path`` (everyday.jsonl), checked against the knowledge base's ``{doc id: audience}``.

    An answerable line becomes ``relevant`` = its expected documents; ``abstain`` becomes unanswerable; ``smalltalk``
    and ``handoff`` become unanswerable with ``meta["intent"]``. Every question carries ``meta["audience"]``. A bad
    line raises ValueError naming its line number."""
    return read_question_lines(path, lambda _line_no, row: _everyday_question(row, audiences))


def load_everyday(data_dir: Path, seed: int) -> EvalDataset:
    # Neither the eval data folder nor the seed is used: the set ships with the repository, split included.
    from ingest.sources import load_path

    if not EVERYDAY_KB.is_dir() or not EVERYDAY_QUESTIONS.is_file():
        raise DatasetUnavailable(f"the 'everyday' data set needs {EVERYDAY_KB} and {EVERYDAY_QUESTIONS}")
    loaded = load_path(EVERYDAY_KB)
    if loaded.failed:
        raise ValueError(
            f"the sample help centre did not load: {'; '.join(f'{f.path}: {f.error}' for f in loaded.failed)}"
        )
    questions = read_everyday_questions(EVERYDAY_QUESTIONS, {d.id: d.audience for d in loaded.documents})
    return EvalDataset(
        "everyday",
        loaded.documents,
        questions,
        f"everyday: the sample help centre ({len(loaded.documents)} documents) and {len(questions)} questions as "
        "customers write them (answerable, abstain, smalltalk, handoff; en and zh)",
    )
