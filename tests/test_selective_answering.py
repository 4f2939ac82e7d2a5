"""Precision when answered, the risk-coverage curve, and the thresholds read off a calibration (by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.confidence import OperatingPoints
from chatbot.retrieval import ARTICLE_WEIGHTS, FAQ_WEIGHTS, weights_for_shape
from evals.calibration import precision_curve, threshold_for_precision
from evals.datasets import EvalQuestion
from evals.metrics import precision_at_coverage, precision_when_answered, risk_coverage
from evals.runner import QuestionRun, at_coverage


def test_precision_when_answered_counts_only_answered_questions() -> None:
    assert precision_when_answered([True, True, False, True], [True, False, True, True]) == pytest.approx(2 / 3)
    assert precision_when_answered([False, False], [True, True]) is None


def test_precision_at_coverage_takes_the_most_confident_share() -> None:
    confidences = [0.9, 0.1, 0.8, 0.3, 0.7]
    correct = [True, True, False, False, True]
    # The 60% most confident: 0.9 (right), 0.8 (wrong), 0.7 (right).
    assert precision_at_coverage(confidences, correct, 0.6) == pytest.approx(2 / 3)
    assert precision_at_coverage(confidences, correct, 0.2) == 1.0
    assert precision_at_coverage(confidences, correct, 1.0) == pytest.approx(3 / 5)
    assert precision_at_coverage(confidences, correct, 0.0) is None
    with pytest.raises(ValueError):
        precision_at_coverage(confidences, correct, 1.5)


def test_risk_coverage_area_rewards_a_confidence_that_ranks_right_answers_first() -> None:
    correct = [True] * 5 + [False] * 5
    good = risk_coverage([1.0 - i / 10 for i in range(10)], correct)
    bad = risk_coverage([i / 10 for i in range(10)], correct)
    assert good["0.5"] == 1.0 and bad["0.5"] == 0.0
    assert good["1.0"] == bad["1.0"] == 0.5
    assert good["area"] is not None and bad["area"] is not None and good["area"] > bad["area"]


def _run(dataset: str, confidence: float, right: bool, unanswerable: bool = False) -> QuestionRun:
    question = EvalQuestion(
        id=f"{dataset}-{confidence}", question="q", relevant=() if unanswerable else ("d1",), unanswerable=unanswerable
    )
    return QuestionRun(
        question=question,
        dataset=dataset,
        ranked=["d1" if right else "d2"],
        confidence=confidence,
        is_gap=False,
        first_id="d1" if right else "d2",
    )


def test_a_run_is_right_when_its_first_citation_is_relevant_or_acceptable() -> None:
    twin = EvalQuestion(id="q", question="q", relevant=("d1",), acceptable=("d9",))
    assert QuestionRun(question=twin, dataset="x", ranked=[], confidence=1, is_gap=False, first_id="d9").correct
    out_of_scope = _run("x", 0.9, right=True, unanswerable=True)
    assert not out_of_scope.correct  # nothing is right for a question the knowledge base cannot answer


def test_peers_are_compared_at_the_same_coverage() -> None:
    runs = [_run("x", 0.9, True), _run("x", 0.8, False), _run("x", 0.2, True), _run("x", 0.1, True)]
    assert at_coverage(runs, 0.5) == 0.5
    assert at_coverage(runs, 1.0) == 0.75


def test_precision_curve_holds_every_knowledge_base_to_the_target() -> None:
    # emanual: 4 right at 0.9. stackfaq: 1 wrong at 0.9, 1 right at 0.95. The worst set sets the precision.
    runs = [_run("emanual", 0.9, True) for _ in range(4)] + [_run("stackfaq", 0.9, False), _run("stackfaq", 0.95, True)]
    curve = precision_curve([r.confidence for r in runs], runs, points=(0.5, 0.92, 0.99))
    assert curve[0] == (0.5, 0.5, 1.0)  # stackfaq answers 1 of 2 right; both sets answer everything
    assert curve[1] == (0.92, 1.0, 0.25)  # only stackfaq's right answer is left; emanual answers nothing
    assert curve[2] == (0.99, 1.0, 0.0)


def test_threshold_for_precision_is_the_lowest_cut_that_stays_above_the_target() -> None:
    curve = [(0.1, 0.6, 1.0), (0.2, 0.9, 0.8), (0.3, 0.8, 0.6), (0.4, 0.9, 0.4), (0.5, 0.95, 0.2)]
    # 0.2 reaches 0.9 but 0.3 falls back below 0.85: the cut that holds from there on up is 0.4.
    assert threshold_for_precision(curve, 0.85) == 0.4
    assert threshold_for_precision(curve, 0.99) == 0.5  # unreachable: the highest cut


def test_the_answerer_reads_the_same_threshold_from_a_calibration_file(tmp_path: Path) -> None:
    curve = [[0.1, 0.6, 1.0], [0.2, 0.9, 0.8], [0.3, 0.8, 0.6], [0.4, 0.9, 0.4], [0.5, 0.95, 0.2]]
    path = tmp_path / "calibration.json"
    scope = {"weights": {"coverage": 1.0}, "bias": 0.0, "threshold": 0.15}
    path.write_text(json.dumps({"threshold": 0.4, "scope": scope, "precision_curve": curve}))
    points = OperatingPoints.load(path)
    assert points.for_precision(0.85) == threshold_for_precision([tuple(p) for p in curve], 0.85) == 0.4
    assert points.for_precision(0.5) == 0.1
    assert points.scope == 0.15
    # An older file without a curve or scope model keeps its one threshold, and below it says "I don't know".
    path.write_text(json.dumps({"threshold": 0.19}))
    old = OperatingPoints.load(path)
    assert old.for_precision(0.95) == 0.19 and old.scope is None


def test_fusion_weights_follow_the_share_of_faq_entries() -> None:
    assert weights_for_shape(0.0) == ARTICLE_WEIGHTS
    assert weights_for_shape(1.0) == FAQ_WEIGHTS
    half = weights_for_shape(0.5)
    assert half.dense == pytest.approx((ARTICLE_WEIGHTS.dense + FAQ_WEIGHTS.dense) / 2)
    assert half.keyword == pytest.approx((ARTICLE_WEIGHTS.keyword + FAQ_WEIGHTS.keyword) / 2)
