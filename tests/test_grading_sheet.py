"""The grading sheet: what a person grading answers by hand needs beside each answer."""

from __future__ import annotations

from chatbot.types import SourceDocument
from evals.datasets import EvalQuestion
from evals.grading_sheet import sheet
from evals.runner import QuestionRun


def _run(question: str, answer: str, cited: str | None, is_gap: bool = False) -> QuestionRun:
    return QuestionRun(
        question=EvalQuestion(id=question, question=question, relevant=("pin",), answer="Settings > Change PIN."),
        dataset="emanual",
        ranked=[cited or "pin"],
        confidence=0.2 if is_gap else 0.9,
        is_gap=is_gap,
        answer=answer,
        cited=[cited] if cited else [],
        first_id=cited or "pin",
        reason="low_confidence" if is_gap else None,
    )


def test_a_sheet_shows_each_answer_beside_the_reference_and_the_labelled_page() -> None:
    documents = {
        "pin": SourceDocument(id="pin", title="Changing the PIN", text="Go to Settings > Change PIN and enter it."),
        "guide": SourceDocument(id="guide", title="Guide", text="The programme guide lists every channel."),
    }
    runs = [
        _run("How do I change the PIN?", "Go to Settings > Change PIN.", "pin"),
        _run("Where is the PIN?", "The programme guide lists every channel.", "guide"),
        _run("PIN reset?", "", None, is_gap=True),
    ]
    text = sheet(runs, documents)
    first, wrong, missed = text.split("\n---\n")[:3]
    assert first.startswith("## 1. How do I change the PIN?") and "reference answer: Settings > Change PIN." in first
    assert "Go to Settings > Change PIN and enter it." in first and "### guide" not in first
    # A first citation that is not labelled right shows the page it came from too.
    assert "first citation labelled: False" in wrong and "### guide (start)" in wrong
    assert "outcome: low_confidence" in missed and "(not answered)" in missed
