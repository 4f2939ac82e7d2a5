"""StackFAQ: one FAQ entry per (thread, answer); the crowd's paraphrases are the questions."""

from __future__ import annotations

from pathlib import Path

from chatbot.types import SourceDocument
from evals.datasets.files import read_json, required_file
from evals.datasets.splits import assign_splits
from evals.datasets.types import EvalDataset, EvalQuestion


def _is_blank(value: object) -> bool:
    # StackFAQ marks a paraphrase the crowd worker skipped with "*"; some are empty or null instead.
    return value is None or str(value).strip() in {"", "*"}


def _text_list(value: object) -> list[str]:
    """A field that is a string, a list of strings or null, as its non-blank strings."""
    items = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in items if not _is_blank(v)]


def load_stackfaq(data_dir: Path, seed: int) -> EvalDataset:
    threads = read_json(required_file(data_dir, "stackfaq", "stackfaq/stackExchange-FAQ.json"))["root"]["qapair"]
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
        assign_splits(questions, seed),
        f"StackFAQ: {len(documents)} answers of {len(threads)} threads, {len(questions)} paraphrased queries",
    )
