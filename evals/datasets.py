"""Evaluation data sets: public data read in place from the eval data folder, turned into a knowledge base
(:class:`SourceDocument` list) plus labelled questions (:class:`EvalQuestion`).

Nothing is copied into the project: every loader reads ``Settings.eval_data`` (``ANSWERDESK_EVAL_DATA``, default
``../shared/data``) and raises :class:`DatasetUnavailable` naming the folder it needs when that is missing.

Sets (``DATASET_NAMES``):

- ``emanual``: 261 Samsung e-manual sections, 684 questions labelled with their section(s).
- ``stackfaq``: one FAQ entry per (thread, answer); crowd paraphrases as queries, relevant = every answer of the thread.
- ``clinc-oos``: the e-manual knowledge base; 400 sampled e-manual questions plus the CLINC150 ``oos_val`` queries,
  which must be refused.
- ``near-oos``: the e-manual with a seeded 20% of sections removed; questions whose sections are all gone become
  unanswerable. Harder than ``clinc-oos``: the refused questions are on topic.
- ``cmrc2018``: Chinese Wikipedia paragraphs and questions; a seeded 15% of paragraphs is held out of the index and
  their questions become unanswerable, so Chinese abstention is measured too.
- ``banking77-gaps``: no knowledge base; Banking77 test queries with their intent in ``meta["intent"]`` for measuring
  how well unanswered questions cluster into gaps.
- ``everyday``: the sample help centre (examples/helpcenter, loaded as ``answerdesk ingest`` loads it) and about 270
  questions written as customers type them (evals/data/everyday.jsonl): answerable ones labelled with every document
  that answers them, and ``abstain`` / ``smalltalk`` / ``handoff`` ones. Bundled with the repository, so it never
  needs the eval data folder; its dev/test split is written in the file.
- custom sets: :func:`load_custom` (a help-centre folder and a JSONL file of questions).

Dev/test split (deterministic for a seed, about 30% dev): a question's split is decided by a seeded SHA-256 hash of a
*group key*, never by Python's salted ``hash()``. Questions that have relevant documents are grouped by document:
documents named together in one question's ``relevant`` list are joined into one group (union-find), and the group's
key is its smallest id. So every question about a section lands in the same split as that section, and a threshold
calibrated on dev never sees a test section, even for the e-manual questions that list two sections because titles
repeat. Unanswerable questions are keyed by their own id. Derived sets (``clinc-oos``, ``near-oos``, ``cmrc2018``
hold-outs) decide splits *before* removing documents, so a question keeps its split whichever set it appears in.

``limit`` keeps N questions after a seeded shuffle, drawing answerable and unanswerable questions in proportion to
the full set, and returns them in the set's original order. The knowledge base is never cut.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import logging
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.errors import AnswerdeskError
from chatbot.keyword import has_cjk
from chatbot.types import SourceDocument

log = logging.getLogger(__name__)

DATASET_NAMES: tuple[str, ...] = (
    "emanual",
    "stackfaq",
    "clinc-oos",
    "near-oos",
    "cmrc2018",
    "banking77-gaps",
    "everyday",
)
DEFAULT_SEED = 13
DEV_FRACTION = 0.3
ANSWER_SEPARATOR = "\u241f"  # joins several gold answers in one meta string ("SYMBOL FOR UNIT SEPARATOR")

CLINC_SAMPLE = 400
NEAR_OOS_REMOVED = 0.2
CMRC_HELD_OUT = 0.15

_PAGE_NUMBER = re.compile(r"^\s*-\s*\d+\s*-\s*$")
_CUSTOM_KEYS = frozenset({"id", "question", "relevant", "answer", "unanswerable", "language"})


class DatasetUnavailable(AnswerdeskError):
    """The public data a data set is built from is not where the settings say."""

    code = "dataset_unavailable"
    status = 503


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    relevant: tuple[str, ...]  # relevant document ids (empty if unanswerable)
    answer: str | None = None  # reference answer
    unanswerable: bool = False
    language: str = "en"
    split: str = "test"  # "dev" or "test" (deterministic, seeded)
    meta: dict[str, str] = field(default_factory=dict)
    # Documents that answer the question too although its label does not name them (near-duplicate sections):
    # right for precision when answered, for answerdesk and every peer alike; MRR keeps the strict labels.
    acceptable: tuple[str, ...] = ()

    @property
    def correct_ids(self) -> frozenset[str]:
        """The documents whose citation makes an answer right."""
        return frozenset(self.relevant) | frozenset(self.acceptable)


@dataclass(frozen=True)
class EvalDataset:
    name: str
    documents: list[SourceDocument]  # the knowledge base to index (ids stable)
    questions: list[EvalQuestion]
    description: str

    def in_split(self, split: str) -> list[EvalQuestion]:
        return [q for q in self.questions if q.split == split]

    @property
    def answerable(self) -> list[EvalQuestion]:
        return [q for q in self.questions if not q.unanswerable]

    @property
    def unanswerable(self) -> list[EvalQuestion]:
        return [q for q in self.questions if q.unanswerable]


# --------------------------------------------------------------------------------------------------------------
# Public entry points


def load_dataset(
    name: str, data_dir: Path | None = None, seed: int = DEFAULT_SEED, limit: int | None = None
) -> EvalDataset:
    """Build the data set called ``name`` from ``data_dir`` (default: the ``ANSWERDESK_EVAL_DATA`` setting)."""
    try:
        loader = _LOADERS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASET_NAMES)}") from None
    if data_dir is None:
        from chatbot.config import load_settings

        data_dir = load_settings().eval_data
    dataset = loader(Path(data_dir), seed)
    return limit_questions(dataset, limit, seed)


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
    questions = _assign_splits(_read_custom_questions(questions_file, known), seed)
    description = f"custom: {len(loaded.documents)} documents from {kb_path}, questions from {questions_file}"
    if loaded.failed:
        description += f" ({len(loaded.failed)} files failed to load)"
    dataset = EvalDataset("custom", loaded.documents, questions, description)
    return limit_questions(dataset, limit, seed)


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


# --------------------------------------------------------------------------------------------------------------
# Splits


def _document_groups(relevant_lists: Iterable[Sequence[str]]) -> dict[str, str]:
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


def _assign_splits(questions: list[EvalQuestion], seed: int) -> list[EvalQuestion]:
    groups = _document_groups(q.relevant for q in questions)
    return [
        dataclasses.replace(q, split=split_of(groups[q.relevant[0]] if q.relevant else q.id, seed)) for q in questions
    ]


# --------------------------------------------------------------------------------------------------------------
# File access


def _require(data_dir: Path, dataset: str, relative: str) -> Path:
    path = data_dir / relative
    if not path.exists():
        folder = data_dir / relative.split("/")[0]
        raise DatasetUnavailable(f"the {dataset!r} data set needs {folder} (set ANSWERDESK_EVAL_DATA)")
    return path


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------------------------
# emanual and the sets derived from it


def _section_text(lines: Sequence[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip() and not _PAGE_NUMBER.match(line))


def _emanual_documents(data_dir: Path, dataset: str) -> list[SourceDocument]:
    corpus = _read_json(_require(data_dir, dataset, "emanual/smart_tv_remote_manual_corpus.json"))
    return [
        SourceDocument(id=str(key), title=str(section["title"]).strip(), text=_section_text(section["text"]))
        for key, section in corpus.items()
    ]


def _section_id(raw: object) -> str:
    # The file already uses "section_N"; bare numbers are accepted too so that the ids always match the corpus keys.
    text = str(raw).strip()
    return text if text.startswith("section_") else f"section_{int(text)}"


ACCEPTABLE_ANSWER_SHARE = 0.9


def _holding_sections(answer: str | None, section_words: dict[str, set[str]]) -> tuple[str, ...]:
    """Sections that hold >= 90% of the reference answer's distinct words (the data README's rule for the
    e-manual's near-duplicate sections)."""
    from evals.metrics import text_tokens

    words = set(text_tokens(answer or ""))
    if not words:
        return ()
    needed = ACCEPTABLE_ANSWER_SHARE * len(words)
    return tuple(sorted(doc_id for doc_id, present in section_words.items() if len(words & present) >= needed))


def _emanual_questions(data_dir: Path, dataset: str, seed: int) -> list[EvalQuestion]:
    from evals.metrics import text_tokens

    path = _require(data_dir, dataset, "emanual/smart_remote_QA_clean.jsonl")
    section_words = {d.id: set(text_tokens(f"{d.title} {d.text}")) for d in _emanual_documents(data_dir, dataset)}
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        relevant = tuple(dict.fromkeys(_section_id(s) for s in row["section_ids"]))
        answer = str(row["answer"]).strip() or None
        questions.append(
            EvalQuestion(
                id=str(row["qid"]),
                question=str(row["question"]).strip(),
                relevant=relevant,
                answer=answer,
                meta={"set": str(row["set"]), "qid": str(row["qid"])},
                acceptable=tuple(d for d in _holding_sections(answer, section_words) if d not in relevant),
            )
        )
    return _assign_splits(questions, seed)


def _load_emanual(data_dir: Path, seed: int) -> EvalDataset:
    documents = _emanual_documents(data_dir, "emanual")
    questions = _emanual_questions(data_dir, "emanual", seed)
    return EvalDataset(
        "emanual", documents, questions, "Samsung TV e-manual: 261 sections, 684 expert questions (Nandy et al. 2021)"
    )


def _clinc_oos_questions(data_dir: Path, seed: int) -> list[EvalQuestion]:
    rows = _read_json(_require(data_dir, "clinc-oos", "clinc150/clinc150_dev.json"))["oos_val"]
    questions = [
        EvalQuestion(
            id=f"clinc-oos_val-{i}",
            question=str(text).strip(),
            relevant=(),
            unanswerable=True,
            meta={"source": "clinc150/oos_val"},
        )
        for i, (text, _intent) in enumerate(rows)
    ]
    return _assign_splits(questions, seed)


def _load_clinc_oos(data_dir: Path, seed: int) -> EvalDataset:
    documents = _emanual_documents(data_dir, "clinc-oos")
    emanual = _emanual_questions(data_dir, "clinc-oos", seed)
    # Sorted indices keep the file's order: reports read better and ``limit`` draws from a stable list.
    picked = sorted(random.Random(f"{seed}:clinc-oos").sample(range(len(emanual)), min(CLINC_SAMPLE, len(emanual))))
    sample = [emanual[i] for i in picked]
    oos = _clinc_oos_questions(data_dir, seed)
    return EvalDataset(
        "clinc-oos",
        documents,
        sample + oos,
        f"e-manual KB; {len(sample)} e-manual questions + {len(oos)} CLINC150 out-of-scope queries to refuse",
    )


def _without_documents(question: EvalQuestion, removed: set[str]) -> EvalQuestion:
    """The question once ``removed`` documents are gone from the index: unanswerable if none of its remain."""
    remaining = tuple(d for d in question.relevant if d not in removed)
    acceptable = tuple(d for d in question.acceptable if d not in removed)
    if remaining == question.relevant:
        return dataclasses.replace(question, acceptable=acceptable)
    meta = {**question.meta, "removed": ",".join(d for d in question.relevant if d in removed)}
    return dataclasses.replace(
        question, relevant=remaining, unanswerable=not remaining, meta=meta, acceptable=acceptable
    )


def _seeded_subset(ids: Sequence[str], fraction: float, salt: str) -> set[str]:
    ordered = sorted(ids)
    return set(random.Random(salt).sample(ordered, round(len(ordered) * fraction)))


def _load_near_oos(data_dir: Path, seed: int) -> EvalDataset:
    documents = _emanual_documents(data_dir, "near-oos")
    removed = _seeded_subset([d.id for d in documents], NEAR_OOS_REMOVED, f"{seed}:near-oos")
    questions = [_without_documents(q, removed) for q in _emanual_questions(data_dir, "near-oos", seed)]
    kept = [d for d in documents if d.id not in removed]
    refused = sum(q.unanswerable for q in questions)
    return EvalDataset(
        "near-oos",
        kept,
        questions,
        f"e-manual with {len(removed)} of {len(documents)} sections removed; {refused} questions lost every section",
    )


# --------------------------------------------------------------------------------------------------------------
# stackfaq


def _is_blank(value: object) -> bool:
    # StackFAQ marks a paraphrase the crowd worker skipped with "*"; some are empty or null instead.
    return value is None or str(value).strip() in {"", "*"}


def _text_list(value: object) -> list[str]:
    """A field that is a string, a list of strings or null, as its non-blank strings."""
    items = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in items if not _is_blank(v)]


def _load_stackfaq(data_dir: Path, seed: int) -> EvalDataset:
    threads = _read_json(_require(data_dir, "stackfaq", "stackfaq/stackExchange-FAQ.json"))["root"]["qapair"]
    documents: list[SourceDocument] = []
    questions: list[EvalQuestion] = []
    for t, thread in enumerate(threads):
        title = str(thread["question"]).strip()
        answer_ids = []
        for k, answer in enumerate(_text_list(thread["answer"])):
            doc_id = f"t{t}#a{k}"
            answer_ids.append(doc_id)
            text = f"{title}\n\n{answer}"
            documents.append(
                SourceDocument(id=doc_id, title=title, text=text, kind="faq", faq_question=title, faq_answer=answer)
            )
        raw = thread.get("rephr")
        for j, paraphrase in enumerate(raw if isinstance(raw, list) else [raw]):
            if not _is_blank(paraphrase):
                questions.append(
                    EvalQuestion(id=f"t{t}#q{j}", question=str(paraphrase).strip(), relevant=tuple(answer_ids))
                )
    return EvalDataset(
        "stackfaq",
        documents,
        _assign_splits(questions, seed),
        f"StackFAQ: {len(documents)} answers of {len(threads)} threads, {len(questions)} paraphrased queries",
    )


# --------------------------------------------------------------------------------------------------------------
# cmrc2018


def _cmrc_paragraph(title: str, paragraph: dict[str, Any]) -> tuple[SourceDocument, list[EvalQuestion]]:
    doc_id = str(paragraph["id"])
    document = SourceDocument(id=doc_id, title=title, text=str(paragraph["context"]), language="zh")
    questions = []
    for qa in paragraph["qas"]:
        answers = [str(a["text"]).strip() for a in qa["answers"] if str(a["text"]).strip()]
        questions.append(
            EvalQuestion(
                id=str(qa["id"]),
                question=str(qa["question"]).strip(),
                relevant=(doc_id,),
                answer=answers[0] if answers else None,
                language="zh",
                meta={"answers": ANSWER_SEPARATOR.join(dict.fromkeys(answers))},
            )
        )
    return document, questions


def _load_cmrc2018(data_dir: Path, seed: int) -> EvalDataset:
    articles = _read_json(_require(data_dir, "cmrc2018", "cmrc2018/cmrc2018_dev.json"))["data"]
    documents: list[SourceDocument] = []
    questions: list[EvalQuestion] = []
    for article in articles:
        for paragraph in article["paragraphs"]:
            document, asked = _cmrc_paragraph(str(article["title"]).strip(), paragraph)
            documents.append(document)
            questions.extend(asked)
    questions = _assign_splits(questions, seed)  # before the hold-out, so splits follow paragraphs
    held_out = _seeded_subset([d.id for d in documents], CMRC_HELD_OUT, f"{seed}:cmrc2018")
    return EvalDataset(
        "cmrc2018",
        [d for d in documents if d.id not in held_out],
        [_without_documents(q, held_out) for q in questions],
        f"CMRC 2018 dev (Chinese): {len(documents) - len(held_out)} paragraphs indexed, {len(held_out)} held out "
        "so that their questions must be refused",
    )


# --------------------------------------------------------------------------------------------------------------
# banking77


def _load_banking77(data_dir: Path, seed: int) -> EvalDataset:
    path = _require(data_dir, "banking77-gaps", "banking77/test.csv")
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
        _assign_splits(questions, seed),
        f"Banking77 test: {len(questions)} support queries, 77 intents, no knowledge base (gap clustering)",
    )


# --------------------------------------------------------------------------------------------------------------
# custom JSONL


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
    questions = _read_question_lines(path, lambda line_no, row: _custom_question(line_no, row, known))
    if not questions:
        raise ValueError(f"{path} has no questions")
    return questions


def _read_question_lines(path: Path, parse: Callable[[int, object], EvalQuestion]) -> list[EvalQuestion]:
    """One question per non-blank JSON line; a bad line or a repeated id raises ValueError naming its line."""
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            question = parse(line_no, json.loads(line))
            if question.id in seen:
                raise ValueError(f"duplicate id {question.id!r}")
        except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
            raise ValueError(f"{path} line {line_no}: {exc}") from exc
        seen.add(question.id)
        questions.append(question)
    return questions


# --------------------------------------------------------------------------------------------------------------
# everyday: the sample help centre and questions as customers write them

EVERYDAY_KB = Path(__file__).resolve().parent.parent / "examples" / "helpcenter"
EVERYDAY_QUESTIONS = Path(__file__).resolve().parent / "data" / "everyday.jsonl"
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
    return _read_question_lines(path, lambda _line_no, row: _everyday_question(row, audiences))


def _load_everyday(data_dir: Path, seed: int) -> EvalDataset:
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


_LOADERS: dict[str, Callable[[Path, int], EvalDataset]] = {
    "emanual": _load_emanual,
    "stackfaq": _load_stackfaq,
    "clinc-oos": _load_clinc_oos,
    "near-oos": _load_near_oos,
    "cmrc2018": _load_cmrc2018,
    "banking77-gaps": _load_banking77,
    "everyday": _load_everyday,
}
