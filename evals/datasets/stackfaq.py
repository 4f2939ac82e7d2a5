"""StackFAQ: one FAQ entry per (thread, answer); the crowd's paraphrases are the questions. ``stackfaq-oos`` is the
same list with a seeded fifth of its threads removed: their paraphrases must be refused (an FAQ list's own
out-of-scope questions: on topic, close to the entries left, and answered by none of them)."""

from __future__ import annotations

from pathlib import Path

from chatbot.types import SourceDocument
from evals.datasets.files import read_json, required_file
from evals.datasets.splits import assign_splits, seeded_subset, without_documents
from evals.datasets.types import EvalDataset, EvalQuestion

STACKFAQ_OOS_REMOVED = 0.2  # the share of threads removed, as near-oos removes a fifth of the manual's sections


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


def load_stackfaq_oos(data_dir: Path, seed: int) -> EvalDataset:
    full = load_stackfaq(data_dir, seed)
    threads = sorted({d.id.split("#")[0] for d in full.documents})
    removed_threads = seeded_subset(threads, STACKFAQ_OOS_REMOVED, f"{seed}:stackfaq-oos")
    removed = {d.id for d in full.documents if d.id.split("#")[0] in removed_threads}
    questions = [without_documents(q, removed) for q in full.questions]
    kept = [d for d in full.documents if d.id not in removed]
    refused = sum(q.unanswerable for q in questions)
    return EvalDataset(
        "stackfaq-oos",
        kept,
        questions,
        f"StackFAQ with {len(removed_threads)} of {len(threads)} threads removed; {refused} paraphrases to refuse",
    )
