"""`answerdesk eval gap-verification` on a slice of StackFAQ (skipped without ../shared/data), and the support
check of web.gaps.resolve it measures. Real model, real SQLite and Chroma, the real chat and gaps API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chatbot.config import Settings
from chatbot.embedders import get_embedder
from chatbot.gaps.fit import answer_support
from evals.datasets import load_dataset
from evals.verification import CONDITIONS, derangement, evaluate_verification, stackfaq_threads

pytestmark = pytest.mark.slow

HELD_OUT = 5
KB_THREADS = 15
QUESTIONS_PER_THREAD = 5


@pytest.fixture(scope="module")
def result(eval_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not (eval_data / "stackfaq").is_dir():
        pytest.skip(f"needs {eval_data / 'stackfaq'}")
    dataset = load_dataset("stackfaq", eval_data)
    settings = Settings(data_dir=tmp_path_factory.mktemp("verification") / "var")
    return evaluate_verification(
        dataset, settings, held_out=HELD_OUT, kb_threads=KB_THREADS, questions_per_thread=QUESTIONS_PER_THREAD
    )


@pytest.mark.data
def test_a_true_fix_verifies_more_often_than_a_wrong_or_useless_one(result: dict[str, Any]) -> None:
    conditions = result["conditions"]
    assert set(conditions) == set(CONDITIONS)
    gaps = result["grouping"]["gaps"]
    assert gaps > 0 and all(scores["gaps"] == gaps for scores in conditions.values())
    true_fix = conditions["true_fix"]["gap_rate"]
    assert true_fix > conditions["wrong_fix"]["gap_rate"]
    # The gap's own title over an unrelated answer: the support check must keep it from verifying more often than
    # the right answer does.
    assert true_fix > conditions["title_echo"]["gap_rate"]
    # The rule before the support check is what the support check tightens: never more verified gaps with it.
    for scores in conditions.values():
        assert scores["verified"] <= scores["cite_rule"]["verified"]


@pytest.mark.data
def test_every_held_out_question_is_accounted_for(result: dict[str, Any]) -> None:
    capture = result["capture"]
    assert capture["asked"] == result["n"] == HELD_OUT * QUESTIONS_PER_THREAD
    assert capture["gap_evidence"] + capture["answered_confidently"] == capture["asked"]
    assert result["grouping"]["questions"] == capture["gap_evidence"]
    # Every gap question is replayed once per condition, and each resolve was undone before the next: a gap that
    # stayed closed would have refused the next resolve (409) and ended the run.
    for scores in result["conditions"].values():
        assert scores["questions"] == capture["gap_evidence"]
    assert result["config"]["kb_threads"] == KB_THREADS and len(result["config"]["held_out"]) == HELD_OUT


@pytest.mark.data
def test_stackfaq_threads_and_wrong_pairings(eval_data: Path) -> None:
    if not (eval_data / "stackfaq").is_dir():
        pytest.skip(f"needs {eval_data / 'stackfaq'}")
    threads = stackfaq_threads(load_dataset("stackfaq", eval_data))
    assert threads and all(t.question and t.answer and t.paraphrases for t in threads.values())
    keys = sorted(threads)[:7]
    wrong = derangement(keys, seed=3)
    assert sorted(wrong) == keys and sorted(wrong.values()) == keys
    assert all(key != other for key, other in wrong.items())


def test_answer_support_tells_an_answer_from_an_unrelated_text() -> None:
    embedder = get_embedder("minilm")
    question = "How do I reset my password?"
    related, unrelated, empty, chinese = answer_support(
        embedder,
        [
            (question, "Open Settings > Security and choose Reset password; we e-mail you a link. [1]"),
            (question, "Our office in Berlin is closed on public holidays. [1]"),
            (question, " [1]"),
            ("如何重置密码？", "打开设置，选择重置密码。 [1]"),
        ],
    )
    assert related is not None and unrelated is not None and related > unrelated
    assert empty == 0.0  # an answer with no text supports nothing
    assert chinese is None  # MiniLM cannot judge Chinese: left out of the check
    assert answer_support(embedder, []) == []
