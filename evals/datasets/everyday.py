"""The everyday set: the sample help centre and questions as customers write them, bundled with the repository; and
three help centres of other domains and shapes with their own questions, in the same format: Kestrel (articles, a
short FAQ), Parcelpoint (mostly an FAQ list) and Vela (web pages, as a help-centre site publishes them)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from evals.datasets.files import read_question_lines
from evals.datasets.types import DatasetUnavailable, EvalDataset, EvalQuestion

EVERYDAY_KB = Path(__file__).resolve().parents[2] / "examples" / "helpcenter"  # evals/datasets/everyday.py
EVERYDAY_QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "everyday.jsonl"
KESTREL_KB = Path(__file__).resolve().parents[1] / "data" / "kestrel"
KESTREL_QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "kestrel.jsonl"
PARCELPOINT_KB = Path(__file__).resolve().parents[1] / "data" / "parcelpoint"
PARCELPOINT_QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "parcelpoint.jsonl"
VELA_KB = Path(__file__).resolve().parents[1] / "data" / "vela"
VELA_QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "vela.jsonl"
EVERYDAY_LABELS = frozenset({"abstain", "smalltalk", "handoff"})  # what ``expected`` holds when it is not a list
_EVERYDAY_KEYS = frozenset({"id", "question", "expected", "language", "audience", "split", "note"})
# A phrase a right answer must contain (a number, the key instruction): where an article is a long manual, citing it
# says little, so the eval also reports the share of answers that hold the fact (meta "answers", as CMRC's spans).
_OPTIONAL_KEYS = frozenset({"fact"})
ORLA_KB = Path(__file__).resolve().parents[1] / "data" / "orla"
ORLA_QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "orla.jsonl"


def _everyday_question(row: object, audiences: dict[str, str], kb: Path = EVERYDAY_KB) -> EvalQuestion:
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    if not _EVERYDAY_KEYS <= set(row) <= _EVERYDAY_KEYS | _OPTIONAL_KEYS:
        raise ValueError(
            f"keys must be exactly {', '.join(sorted(_EVERYDAY_KEYS))} (and optionally "
            f"{', '.join(sorted(_OPTIONAL_KEYS))}), got {', '.join(sorted(row))}"
        )
    question, audience, split = row["question"], row["audience"], row["split"]
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' must be non-empty text")
    language_code = isinstance(row["language"], str) and re.fullmatch(r"[a-z]{2}", row["language"])
    if not language_code or audience not in {"public", "internal"} or split not in {"dev", "test"}:
        raise ValueError(
            "'language' must be a two-letter code (en, zh, ...), 'audience' public or internal, 'split' dev or test"
        )
    expected = row["expected"]
    meta = {"audience": str(audience), "note": str(row["note"])}
    fact = row.get("fact")
    if fact is not None:
        if not isinstance(fact, str) or not fact.strip():
            raise ValueError("'fact' must be non-empty text or null")
        meta["answers"] = fact.strip()
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


def load_vela(data_dir: Path, seed: int) -> EvalDataset:
    # A help centre published as a website (evals/data/vela/README.md): HTML pages with their header, navigation
    # and footer, written with its messages by a helper blind to the code; its test part by another one, unread.
    return _load_bundled(
        "vela",
        VELA_KB,
        VELA_QUESTIONS,
        "Vela, an unseen help centre of e-scooter and e-bike sharing published as web pages ({documents} documents), "
        "and {questions} messages as customers write them, by helpers blind to the code (answerable, abstain)",
    )


def load_orla(data_dir: Path, seed: int) -> EvalDataset:
    # Product manuals published as PDF files (evals/data/orla/README.md): running headers and footers, a table of
    # contents, tables, two columns. Each message names the phrase a right answer holds.
    return _load_bundled(
        "orla",
        ORLA_KB,
        ORLA_QUESTIONS,
        "Orla V5, an unseen robot vacuum's manuals printed as PDF files ({documents} documents), and {questions} "
        "messages as customers write them, each with the phrase a right answer holds, by helpers blind to the code",
    )


def load_other_product(data_dir: Path, seed: int) -> EvalDataset:
    """The sample help centre asked its own customers' questions and another product's: Kestrel's (home broadband)
    and Parcelpoint's (parcel delivery) answerable messages, which it must not answer. Each message keeps its own
    set's dev/test split. Products of other kinds than an accounting app: an easier test than a rival of the same
    kind, and a noisy one, since a general question ("forgot my password") is answered rightly by any help centre
    that has the article: the figures are a floor on separation, not a precision of refusals."""
    own = load_everyday(data_dir, seed)
    customers = [q for q in own.questions if q.relevant]
    others = [
        replace(
            q,
            id=f"{name}:{q.id}",
            relevant=(),
            unanswerable=True,
            meta={**q.meta, "audience": "public", "product": name},
        )
        for name, loader in (("kestrel", load_kestrel), ("parcelpoint", load_parcelpoint))
        for q in loader(data_dir, seed).questions
        if q.relevant  # their abstain, small-talk and hand-off messages say nothing of their product
    ]
    return EvalDataset(
        "other-product",
        own.documents,
        customers + others,
        f"other-product: the sample help centre ({len(own.documents)} documents), {len(customers)} of its customers' "
        f"questions and {len(others)} questions of another product's customers (Kestrel, Parcelpoint) to refuse",
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
