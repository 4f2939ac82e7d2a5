"""Evaluation data sets built from ../shared/data (skipped without it) and the baselines that run on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.baselines import BM25Baseline, DenseBaseline, LangChainNaiveBaseline
from evals.datasets import (
    DatasetUnavailable,
    EvalDataset,
    load_custom,
    load_dataset,
)
from evals.metrics import retrieval_metrics


@pytest.fixture(scope="module")
def emanual(eval_data: Path) -> EvalDataset:
    return load_dataset("emanual", eval_data)


def _sections_by_split(dataset: EvalDataset) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"dev": set(), "test": set()}
    for question in dataset.questions:
        found[question.split].update(question.relevant)
    return found


def test_missing_data_names_the_folder(tmp_path: Path):
    with pytest.raises(DatasetUnavailable, match=r"emanual.*ANSWERDESK_EVAL_DATA"):
        load_dataset("emanual", tmp_path)
    with pytest.raises(ValueError, match="unknown data set"):
        load_dataset("nope", tmp_path)


@pytest.mark.data
def test_emanual_documents_and_questions(emanual: EvalDataset):
    assert len(emanual.documents) == 261
    assert len(emanual.questions) == 684
    ids = {d.id for d in emanual.documents}
    assert len(ids) == 261
    assert all(q.relevant and set(q.relevant) <= ids for q in emanual.questions)
    assert all(q.answer for q in emanual.questions)
    section = next(d for d in emanual.documents if d.id == "section_12")
    assert section.title == "Updating the TV automatically"
    assert "- " not in section.text.split("automatically")[0]  # no "- 12 -" page numbers left


@pytest.mark.data
def test_splits_are_deterministic_and_keep_sections_apart(eval_data: Path, emanual: EvalDataset):
    again = load_dataset("emanual", eval_data)
    assert [q.split for q in again.questions] == [q.split for q in emanual.questions]
    dev_share = len(emanual.in_split("dev")) / len(emanual.questions)
    assert 0.15 < dev_share < 0.45
    sections = _sections_by_split(emanual)
    assert sections["dev"] and sections["test"]
    assert not sections["dev"] & sections["test"]
    other_seed = load_dataset("emanual", eval_data, seed=14)
    assert [q.split for q in other_seed.questions] != [q.split for q in emanual.questions]


@pytest.mark.data
def test_near_oos_removes_a_fifth_and_marks_exactly_the_orphans(eval_data: Path, emanual: EvalDataset):
    near = load_dataset("near-oos", eval_data)
    kept = {d.id for d in near.documents}
    assert len(emanual.documents) - len(kept) == round(0.2 * len(emanual.documents))
    assert len(near.questions) == len(emanual.questions)
    for full, cut in zip(emanual.questions, near.questions, strict=True):
        remaining = tuple(s for s in full.relevant if s in kept)
        twins = tuple(s for s in full.acceptable if s in kept)  # near-duplicate sections answer it too
        assert cut.unanswerable == (not remaining and not twins)
        assert cut.relevant == remaining and cut.acceptable == twins
        assert cut.split == full.split  # splits are decided before sections are removed
    assert any(q.unanswerable for q in near.questions)
    # Some questions lose their labelled section but keep a twin: answerable, not orphans.
    assert any(not q.relevant and q.acceptable and not q.unanswerable for q in near.questions)


@pytest.mark.data
def test_limit_is_seeded_and_proportional(eval_data: Path):
    first = load_dataset("clinc-oos", eval_data, limit=50)
    second = load_dataset("clinc-oos", eval_data, limit=50)
    assert [q.id for q in first.questions] == [q.id for q in second.questions]
    assert len(first.questions) == 50
    assert sum(q.unanswerable for q in first.questions) == 10  # 100 of 500 refused in the full set
    assert len(first.documents) == 261


@pytest.mark.data
def test_clinc_oos_has_both_classes(eval_data: Path):
    dataset = load_dataset("clinc-oos", eval_data)
    refused = dataset.unanswerable
    assert len(dataset.answerable) == 400
    assert len(refused) == 100
    assert all(not q.relevant for q in refused)


@pytest.mark.data
def test_cmrc2018_is_chinese_with_held_out_paragraphs(eval_data: Path):
    dataset = load_dataset("cmrc2018", eval_data)
    assert dataset.documents and all(d.language == "zh" for d in dataset.documents)
    assert len(dataset.documents) == 848 - round(0.15 * 848)
    ids = {d.id for d in dataset.documents}
    assert all(set(q.relevant) <= ids for q in dataset.questions)
    held_out = dataset.unanswerable
    assert held_out and all(not q.relevant and q.meta["removed"] not in ids for q in held_out)
    assert all(q.answer and q.answer in q.meta["answers"] for q in dataset.questions)


@pytest.mark.data
def test_stackfaq_and_banking77(eval_data: Path):
    faq = load_dataset("stackfaq", eval_data)
    assert len(faq.documents) == 719 and len(faq.questions) == 1249
    assert all(d.kind == "faq" and d.faq_answer for d in faq.documents)
    banking = load_dataset("banking77-gaps", eval_data)
    assert banking.documents == []
    assert len({q.meta["intent"] for q in banking.questions}) == 77


@pytest.mark.data
def test_stackfaq_oos_removes_whole_threads_and_refuses_exactly_their_paraphrases(eval_data: Path):
    full = load_dataset("stackfaq", eval_data)
    cut = load_dataset("stackfaq-oos", eval_data)
    kept = {d.id for d in cut.documents}
    threads = {d.id.split("#")[0] for d in full.documents}
    removed = threads - {doc_id.split("#")[0] for doc_id in kept}
    assert len(removed) == round(0.2 * len(threads))
    # A thread goes with all of its answers: none of a removed thread's entries stays behind.
    assert all(d.id.split("#")[0] not in removed for d in cut.documents)
    assert len(cut.questions) == len(full.questions)
    for before, after in zip(full.questions, cut.questions, strict=True):
        assert after.unanswerable == (before.id.split("#")[0] in removed)
        assert after.split == before.split  # both splits hold refused questions, decided before the removal
    assert {q.split for q in cut.questions if q.unanswerable} == {"dev", "test"}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_custom_loader_reads_questions_and_reports_bad_lines(tmp_path: Path):
    kb = tmp_path / "kb"
    _write(kb / "refunds.md", "---\nid: refunds\ntitle: Refunds\n---\nRefunds are possible within 30 days.\n")
    good = [
        {"question": "Can I get my money back?", "relevant": ["refunds"], "answer": "Within 30 days."},
        {"question": "Do you sell cars?", "relevant": [], "unanswerable": True},
    ]
    questions = _write(tmp_path / "q.jsonl", "\n".join(json.dumps(row) for row in good) + "\n")
    dataset = load_custom(kb, questions)
    assert [d.id for d in dataset.documents] == ["refunds"]
    assert [q.unanswerable for q in dataset.questions] == [False, True]
    assert dataset.questions[0].relevant == ("refunds",)

    bad = _write(tmp_path / "bad.jsonl", json.dumps(good[0]) + "\n\n" + '{"question": "x", "relevant": "refunds"}\n')
    with pytest.raises(ValueError, match="line 3"):
        load_custom(kb, bad)
    unknown = _write(tmp_path / "unknown.jsonl", '{"question": "x", "relevant": ["nope"]}\n')
    with pytest.raises(ValueError, match=r"line 1: .*'nope'"):
        load_custom(kb, unknown)


@pytest.mark.data
def test_bm25_baseline_clears_a_quality_floor(emanual: EvalDataset):
    baseline = BM25Baseline(emanual.documents)
    questions = emanual.questions[:40]
    rankings = [baseline.rank(q.question) for q in questions]
    metrics = retrieval_metrics(rankings, [set(q.relevant) for q in questions])
    assert metrics["hit@5"] > 0.5
    assert all(len(r) == len(set(r)) <= 10 for r in rankings)
    assert len(baseline.latencies_ms) == 40
    assert baseline.top_score(questions[-1].question) > 0  # served by the same search, not timed twice
    assert len(baseline.latencies_ms) == 40


_TOY_DOCUMENTS = [
    ("refunds", "Refunds", "You can get your money back within 30 days of payment."),
    ("password", "Reset your password", "Open the login page and click Forgot password to get a reset link."),
    ("plans", "Plans and prices", "The Plus plan costs 12 EUR a month for five users."),
]


@pytest.mark.slow
@pytest.mark.parametrize("builder", [DenseBaseline, LangChainNaiveBaseline])
def test_vector_baselines_rank_the_matching_document_first(builder):
    from chatbot.types import SourceDocument

    documents = [SourceDocument(id=i, title=t, text=x) for i, t, x in _TOY_DOCUMENTS]
    baseline = builder(documents)
    try:
        assert baseline.rank("I forgot my password")[0] == "password"
        assert sorted(baseline.rank("how much does the plus plan cost")) == sorted(d[0] for d in _TOY_DOCUMENTS)
        assert 0.0 < baseline.top_score("I forgot my password") <= 1.0
    finally:
        baseline.close()
