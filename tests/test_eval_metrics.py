"""Evaluation metrics against small examples computed by hand."""

from __future__ import annotations

import math
import time

import pytest

from evals.metrics import (
    abstention_metrics,
    answer_rate,
    auroc,
    best_threshold,
    citation_precision,
    clustering_metrics,
    contains_any_span,
    hit_at_k,
    ndcg_at_k,
    percentiles,
    reciprocal_rank,
    refusal_rate,
    retrieval_metrics,
    rouge_l_f1,
    text_tokens,
    threshold_for_answer_rate,
    token_f1,
)


def test_hit_at_k_counts_distinct_ids():
    assert hit_at_k(["b", "a", "c"], {"a"}, 1) == 0.0
    assert hit_at_k(["b", "a", "c"], {"a"}, 2) == 1.0
    # Two chunks of document b take one rank, not two.
    assert hit_at_k(["b", "b", "a"], {"a"}, 2) == 1.0
    assert hit_at_k([], {"a"}, 5) == 0.0


def test_reciprocal_rank():
    assert reciprocal_rank(["b", "a", "c"], {"a"}) == 0.5
    assert reciprocal_rank(["b", "b", "a"], {"a"}) == 0.5
    assert reciprocal_rank(["b", "a"], {"a"}, k=1) == 0.0
    assert reciprocal_rank(["b", "c"], {"a"}) == 0.0


def test_ndcg_binary_relevance():
    expected = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["b", "a", "c"], {"a", "c"}) == pytest.approx(expected)
    assert ndcg_at_k(["a", "c", "b"], {"a", "c"}) == pytest.approx(1.0)
    assert ndcg_at_k(["a", "a", "c"], {"a", "c"}) == pytest.approx(1.0)  # duplicates do not earn gain twice
    assert ndcg_at_k(["a"], set()) == 0.0


def test_retrieval_metrics_average_answerable_questions_only():
    result = retrieval_metrics([["a", "x"], ["x", "b"], ["z"]], [{"a"}, {"b"}, set()])
    assert result["questions"] == 2
    assert result["hit@1"] == 0.5
    assert result["hit@5"] == 1.0
    assert result["mrr@10"] == pytest.approx(0.75)
    assert result["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2)


def test_auroc():
    assert auroc([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    assert auroc([0.1, 0.9], [1, 0]) == 0.0
    assert auroc([0.3, 0.3], [True, False]) == 0.5
    assert auroc([0.1, 0.2], [1, 1]) is None


def test_answer_and_refusal_rates():
    assert answer_rate([False, False, True, False]) == 0.75
    assert refusal_rate([False, False, True, False]) == 0.25
    assert answer_rate([]) == 0.0


def test_abstention_metrics():
    result = abstention_metrics(is_gap=[True, True, False, False], unanswerable=[True, False, True, False])
    assert result["refusal_precision"] == 0.5
    assert result["refusal_recall"] == 0.5
    assert result["answer_rate_answerable"] == 0.5
    assert result["refusal_rate_unanswerable"] == 0.5


def test_token_f1():
    assert token_f1("The cat!", "the cat") == 1.0
    assert token_f1("the cat sat", "the cat") == pytest.approx(0.8)  # P 2/3, R 1
    assert token_f1("", "") == 1.0
    assert token_f1("dog", "") == 0.0


def test_chinese_text_uses_characters_as_tokens():
    assert text_tokens("我爱北京。") == ["我", "爱", "北", "京"]
    assert text_tokens("光荣和ω-force开发") == ["光", "荣", "和", "ω", "force", "开", "发"]
    assert token_f1("北京大学", "北京") == pytest.approx(2 / 3)  # P 2/4, R 2/2


def test_rouge_l():
    # LCS "the cat on the mat" = 5 of 6 tokens on both sides.
    assert rouge_l_f1("the cat sat on the mat", "the cat lay on the mat") == pytest.approx(5 / 6)
    assert rouge_l_f1("a b c d", "d c b a") == pytest.approx(0.25)
    assert rouge_l_f1("完全不同", "毫无关系") == 0.0
    assert rouge_l_f1("same text", "same text") == 1.0


def test_rouge_l_caps_long_texts():
    long_text = " ".join(f"w{i}" for i in range(5000))
    started = time.perf_counter()
    assert rouge_l_f1(long_text, long_text) == 1.0
    assert time.perf_counter() - started < 5.0


def test_contains_any_span_ignores_whitespace_and_case():
    assert contains_any_span("答案是 光荣 和ω-force。", ["光荣和ω-force"])
    assert contains_any_span("Press the\nHOME button.", ["nothing", "home button"])
    assert not contains_any_span("Press the menu button.", ["home button", ""])


def test_citation_precision():
    assert citation_precision(["a", "a", "b"], {"a"}) == 0.5
    assert citation_precision(["a"], {"a", "c"}) == 1.0
    assert citation_precision([], {"a"}) is None


def test_clustering_perfect():
    result = clustering_metrics(["x", "x", "y", "y"], [1, 1, 2, 2])
    assert result == pytest.approx(
        {"v_measure": 1.0, "adjusted_rand": 1.0, "purity": 1.0, "clusters": 2.0, "clusters_per_label": 1.0}
    )


def test_clustering_degenerate():
    one_cluster = clustering_metrics(["x", "x", "y", "y"], [0, 0, 0, 0])
    assert one_cluster["v_measure"] == pytest.approx(0.0)
    assert one_cluster["adjusted_rand"] == pytest.approx(0.0)
    assert one_cluster["purity"] == 0.5
    assert one_cluster["clusters"] == 1.0
    singletons = clustering_metrics(["x", "x", "y", "y"], [0, 1, 2, 3])
    assert singletons["purity"] == 1.0  # why purity is reported next to clusters_per_label
    assert singletons["clusters_per_label"] == 2.0


def test_percentiles():
    assert percentiles([1, 2, 3, 4, 5]) == {"p50": 3.0, "p95": pytest.approx(4.8)}
    assert percentiles([], (50, 99)) == {"p50": 0.0, "p99": 0.0}


def test_threshold_for_answer_rate():
    confidences = [i / 10 for i in range(1, 11)]
    assert threshold_for_answer_rate(confidences, 0.9) == pytest.approx(0.2)
    assert threshold_for_answer_rate(confidences, 1.0) == pytest.approx(0.1)
    assert threshold_for_answer_rate([0.5], 0.95) == 0.5


def test_best_threshold_picks_the_cut_refusing_most():
    answerable, unanswerable = [0.9, 0.8, 0.7, 0.6], [0.65, 0.5, 0.3]
    # At least 3 of 4 answered: cutting at 0.7 refuses every unanswerable question.
    assert best_threshold(answerable, unanswerable, 0.75) == pytest.approx((0.7, 0.75, 1.0))
    # Answering all 4 forces the cut down to 0.6, where 0.65 slips through.
    assert best_threshold(answerable, unanswerable, 1.0) == pytest.approx((0.6, 1.0, 2 / 3))


def test_best_threshold_prefers_the_lower_of_equal_cuts():
    # Any cut in (0.2, 0.8] refuses the one unanswerable question; 0.3 also answers every answerable one.
    choice = best_threshold([0.9, 0.8, 0.3], [0.2], 0.5)
    assert (choice.threshold, choice.answer_rate, choice.refusal_rate) == pytest.approx((0.3, 1.0, 1.0))


def test_best_threshold_needs_both_classes():
    with pytest.raises(ValueError):
        best_threshold([0.5], [], 0.9)
