"""The everyday set: the sample help centre and questions as customers write them, bundled with the repository; and
two help centres of other domains and shapes with their own questions, in the same format: Kestrel (articles, a
short FAQ) and Parcelpoint (mostly an FAQ list)."""

from __future__ import annotations

from pathlib import Path

from evals.datasets.files import read_question_lines
from evals.datasets.types import DatasetUnavailable, EvalDataset, EvalQuestion

EVERYDAY_KB = Path(__file__).resolve().parents[2] / "examples" / "helpcenter"  # evals/datasets/everyday.py
EVERYDAY_QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "everyday.jsonl"
KESTREL_KB = Path(__file__).resolve().parents[1] / "data" / "kestrel"
KESTREL_QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "kestrel.jsonl"
PARCELPOINT_KB = Path(__file__).resolve().parents[1] / "data" / "parcelpoint"
PARCELPOINT_QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "parcelpoint.jsonl"
EVERYDAY_LABELS = frozenset({"abstain", "smalltalk", "handoff"})  # what ``expected`` holds when it is not a list
_EVERYDAY_KEYS = frozenset({"id", "question", "expected", "language", "audience", "split", "note"})


def _everyday_question(row: object, audiences: dict[str, str], kb: Path = EVERYDAY_KB) -> EvalQuestion:
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
            raise ValueError(f"document id(s) {', '.join(map(repr, missing))} are not in {kb}")
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


def read_everyday_questions(path: Path, audiences: dict[str, str], kb: Path = EVERYDAY_KB) -> list[EvalQuestion]:
    """The questions of ``path`` (everyday.jsonl), checked against the knowledge base's ``{doc id: audience}``.

    An answerable line becomes ``relevant`` = its expected documents; ``abstain`` becomes unanswerable; ``smalltalk``
    and ``handoff`` become unanswerable with ``meta["intent"]``. Every question carries ``meta["audience"]``. A bad
    line raises ValueError naming its line number."""
    return read_question_lines(path, lambda _line_no, row: _everyday_question(row, audiences, kb))


def load_everyday(data_dir: Path, seed: int) -> EvalDataset:
    # Neither the eval data folder nor the seed is used: the set ships with the repository, split included.
    return _load_bundled(
        "everyday",
        EVERYDAY_KB,
        EVERYDAY_QUESTIONS,
        "the sample help centre ({documents} documents) and {questions} questions as customers write them "
        "(answerable, abstain, smalltalk, handoff; en and zh)",
    )


def load_kestrel(data_dir: Path, seed: int) -> EvalDataset:
    # A help centre of another domain; its test part was written after the dev part was tuned on
    # (evals/data/kestrel/README.md).
    return _load_bundled(
        "kestrel",
        KESTREL_KB,
        KESTREL_QUESTIONS,
        "Kestrel Fibre, an unseen help centre of another domain ({documents} documents), and {questions} messages "
        "as customers write them, by a helper blind to the code (answerable, abstain, smalltalk, handoff)",
    )


def load_parcelpoint(data_dir: Path, seed: int) -> EvalDataset:
    # An FAQ-list help centre (evals/data/parcelpoint/README.md); its test part was written beside the dev part by
    # another blind helper, and is only measured.
    return _load_bundled(
        "parcelpoint",
        PARCELPOINT_KB,
        PARCELPOINT_QUESTIONS,
        "Parcelpoint, an unseen FAQ-list help centre of parcel delivery ({documents} documents), and {questions} "
        "messages as customers write them, by helpers blind to the code (answerable, abstain, smalltalk, handoff)",
    )


def _load_bundled(name: str, kb: Path, questions_file: Path, description: str) -> EvalDataset:
    from ingest.sources import load_path

    if not kb.is_dir() or not questions_file.is_file():
        raise DatasetUnavailable(f"the {name!r} data set needs {kb} and {questions_file}")
    loaded = load_path(kb)
    if loaded.failed:
        raise ValueError(f"{kb} did not load: {'; '.join(f'{f.path}: {f.error}' for f in loaded.failed)}")
    questions = read_everyday_questions(questions_file, {d.id: d.audience for d in loaded.documents}, kb)
    return EvalDataset(
        name,
        loaded.documents,
        questions,
        f"{name}: " + description.format(documents=len(loaded.documents), questions=len(questions)),
    )
