"""The Samsung TV e-manual and the sets built on it: ``emanual``, ``clinc-oos`` and ``near-oos``."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from pathlib import Path

from chatbot.types import SourceDocument
from evals.datasets.files import read_json, required_file
from evals.datasets.splits import assign_splits, seeded_subset, without_documents
from evals.datasets.types import EvalDataset, EvalQuestion

CLINC_SAMPLE = 400
NEAR_OOS_REMOVED = 0.2
ACCEPTABLE_ANSWER_SHARE = 0.9

_PAGE_NUMBER = re.compile(r"^\s*-\s*\d+\s*-\s*$")


def _section_text(lines: Sequence[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip() and not _PAGE_NUMBER.match(line))


def _emanual_documents(data_dir: Path, dataset: str) -> list[SourceDocument]:
    corpus = read_json(required_file(data_dir, dataset, "emanual/smart_tv_remote_manual_corpus.json"))
    return [
        SourceDocument(id=str(key), title=str(section["title"]).strip(), text=_section_text(section["text"]))
        for key, section in corpus.items()
    ]


def _section_id(raw: object) -> str:
    # The file already uses "section_N"; bare numbers are accepted too so that the ids always match the corpus keys.
    text = str(raw).strip()
    return text if text.startswith("section_") else f"section_{int(text)}"


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

    path = required_file(data_dir, dataset, "emanual/smart_remote_QA_clean.jsonl")
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
    return assign_splits(questions, seed)


def load_emanual(data_dir: Path, seed: int) -> EvalDataset:
    documents = _emanual_documents(data_dir, "emanual")
    questions = _emanual_questions(data_dir, "emanual", seed)
    return EvalDataset(
        "emanual", documents, questions, "Samsung TV e-manual: 261 sections, 684 expert questions (Nandy et al. 2021)"
    )


def _clinc_oos_questions(data_dir: Path, seed: int) -> list[EvalQuestion]:
    rows = read_json(required_file(data_dir, "clinc-oos", "clinc150/clinc150_dev.json"))["oos_val"]
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
    return assign_splits(questions, seed)


def load_clinc_oos(data_dir: Path, seed: int) -> EvalDataset:
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


def load_near_oos(data_dir: Path, seed: int) -> EvalDataset:
    documents = _emanual_documents(data_dir, "near-oos")
    removed = seeded_subset([d.id for d in documents], NEAR_OOS_REMOVED, f"{seed}:near-oos")
    questions = [without_documents(q, removed) for q in _emanual_questions(data_dir, "near-oos", seed)]
    kept = [d for d in documents if d.id not in removed]
    refused = sum(q.unanswerable for q in questions)
    return EvalDataset(
        "near-oos",
        kept,
        questions,
        f"e-manual with {len(removed)} of {len(documents)} sections removed; {refused} questions lost every section",
    )
