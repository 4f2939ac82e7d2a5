"""CMRC 2018 (Chinese Wikipedia paragraphs and questions), with a seeded share of paragraphs held out of the index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatbot.types import SourceDocument
from evals.datasets.files import read_json, required_file
from evals.datasets.splits import assign_splits, seeded_subset, without_documents
from evals.datasets.types import EvalDataset, EvalQuestion

CMRC_HELD_OUT = 0.15
ANSWER_SEPARATOR = "\u241f"  # joins several gold answers in one meta string ("SYMBOL FOR UNIT SEPARATOR")


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


def load_cmrc2018(data_dir: Path, seed: int) -> EvalDataset:
    articles = read_json(required_file(data_dir, "cmrc2018", "cmrc2018/cmrc2018_dev.json"))["data"]
    documents: list[SourceDocument] = []
    questions: list[EvalQuestion] = []
    for article in articles:
        for paragraph in article["paragraphs"]:
            document, asked = _cmrc_paragraph(str(article["title"]).strip(), paragraph)
            documents.append(document)
            questions.extend(asked)
    questions = assign_splits(questions, seed)  # before the hold-out, so splits follow paragraphs
    held_out = seeded_subset([d.id for d in documents], CMRC_HELD_OUT, f"{seed}:cmrc2018")
    return EvalDataset(
        "cmrc2018",
        [d for d in documents if d.id not in held_out],
        [without_documents(q, held_out) for q in questions],
        f"CMRC 2018 dev (Chinese): {len(documents) - len(held_out)} paragraphs indexed, {len(held_out)} held out "
        "so that their questions must be refused",
    )
