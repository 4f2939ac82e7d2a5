"""Evaluation metrics: pure functions over plain lists, no model and no I/O.

Conventions: a ranked list may repeat an id (several chunks of one document); every ranking metric keeps the first
occurrence only. An answer counts as given when its confidence is >= the threshold. Rates over an empty list are 0.0
so that reports stay JSON (no NaN); metrics that are undefined return None instead (AUROC with one class, citation
precision with no citations).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Sequence
from typing import NamedTuple

import numpy as np

from chatbot.language import CJK_CHARS

# A Chinese character is a token on its own (Chinese has no spaces and word segmenters disagree); anything else is
# a run of letters/digits. Punctuation is dropped.
_TOKEN_RE = re.compile(rf"[{CJK_CHARS}]|[^\W_{CJK_CHARS}]+", re.UNICODE)
_WHITESPACE_RE = re.compile(r"\s+")
MAX_LCS_TOKENS = 512  # the LCS table is n*m; 512x512 keeps ROUGE-L at a few ms per answer


# --------------------------------------------------------------------------------------------------------------
# Retrieval


def _unique(ranked: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ranked))


def hit_at_k(ranked_ids: Sequence[str], relevant: Collection[str], k: int) -> float:
    """1.0 if a relevant id is among the first ``k`` distinct ids, else 0.0."""
    return 1.0 if any(doc_id in relevant for doc_id in _unique(ranked_ids)[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    """1 / rank of the first relevant id among the first ``k`` distinct ids; 0.0 when there is none."""
    for position, doc_id in enumerate(_unique(ranked)[:k], start=1):
        if doc_id in relevant:
            return 1.0 / position
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    """nDCG with binary relevance: DCG of the first ``k`` distinct ids over the DCG of a perfect ranking."""
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(set(relevant)), k)))
    if ideal == 0.0:
        return 0.0
    gained = sum(1.0 / math.log2(i + 2) for i, doc_id in enumerate(_unique(ranked)[:k]) if doc_id in relevant)
    return gained / ideal


def retrieval_metrics(rankings: Sequence[Sequence[str]], relevants: Sequence[Collection[str]]) -> dict[str, float]:
    """hit@1, hit@5, mrr@10 and ndcg@10 averaged over the answerable questions (those with relevant ids)."""
    if len(rankings) != len(relevants):
        raise ValueError(f"{len(rankings)} rankings but {len(relevants)} relevant sets")
    pairs = [(ranked, relevant) for ranked, relevant in zip(rankings, relevants, strict=True) if relevant]
    scores = {
        "hit@1": [hit_at_k(r, rel, 1) for r, rel in pairs],
        "hit@5": [hit_at_k(r, rel, 5) for r, rel in pairs],
        "mrr@10": [reciprocal_rank(r, rel, 10) for r, rel in pairs],
        "ndcg@10": [ndcg_at_k(r, rel, 10) for r, rel in pairs],
    }
    result = {name: _mean(values) for name, values in scores.items()}
    result["questions"] = float(len(pairs))
    return result


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


# --------------------------------------------------------------------------------------------------------------
# Abstention


def auroc(scores: Sequence[float], labels: Sequence[bool | int]) -> float | None:
    """Area under the ROC curve of ``scores`` separating label 1 from label 0; None unless both classes occur."""
    if len(scores) != len(labels):
        raise ValueError(f"{len(scores)} scores but {len(labels)} labels")
    if len({bool(label) for label in labels}) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([int(bool(label)) for label in labels], list(scores)))


def answer_rate(is_gap: Sequence[bool]) -> float:
    """Share of questions answered (not turned into "I don't know")."""
    return _mean([0.0 if gap else 1.0 for gap in is_gap])


def refusal_rate(is_gap: Sequence[bool]) -> float:
    """Share of questions refused ("I don't know")."""
    return _mean([1.0 if gap else 0.0 for gap in is_gap])


def abstention_metrics(is_gap: Sequence[bool], unanswerable: Sequence[bool]) -> dict[str, float]:
    """Refusal as a detector of unanswerable questions: precision, recall, F1 and the two rates that matter."""
    if len(is_gap) != len(unanswerable):
        raise ValueError(f"{len(is_gap)} answers but {len(unanswerable)} labels")
    both = sum(1 for gap, bad in zip(is_gap, unanswerable, strict=True) if gap and bad)
    precision = both / sum(is_gap) if any(is_gap) else 0.0
    recall = both / sum(unanswerable) if any(unanswerable) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    answerable_gaps = [gap for gap, bad in zip(is_gap, unanswerable, strict=True) if not bad]
    unanswerable_gaps = [gap for gap, bad in zip(is_gap, unanswerable, strict=True) if bad]
    return {
        "refusal_precision": precision,
        "refusal_recall": recall,
        "refusal_f1": f1,
        "answer_rate_answerable": answer_rate(answerable_gaps),
        "refusal_rate_unanswerable": refusal_rate(unanswerable_gaps),
    }


class ThresholdChoice(NamedTuple):
    threshold: float
    answer_rate: float  # share of answerable questions with confidence >= threshold
    refusal_rate: float  # share of unanswerable questions with confidence < threshold


def threshold_for_answer_rate(confidences_answerable: Sequence[float], target_rate: float = 0.95) -> float:
    """The highest threshold that still answers at least ``target_rate`` of the answerable questions."""
    if not confidences_answerable:
        raise ValueError("need at least one answerable confidence")
    if not 0.0 < target_rate <= 1.0:
        raise ValueError(f"target_rate must be in (0, 1], got {target_rate}")
    descending = sorted(confidences_answerable, reverse=True)
    # Answering the top ceil(rate*n) means cutting at the confidence of the last of them (ties answer more).
    needed = math.ceil(target_rate * len(descending) - 1e-9)
    return float(descending[max(needed, 1) - 1])


def best_threshold(
    conf_answerable: Sequence[float], conf_unanswerable: Sequence[float], min_answer_rate: float
) -> ThresholdChoice:
    """The threshold refusing the most unanswerable questions while answering >= ``min_answer_rate`` of the
    answerable ones. Among equally good cuts, the lowest one wins: it answers the most answerable questions."""
    if not conf_answerable or not conf_unanswerable:
        raise ValueError("need confidences of both answerable and unanswerable questions")
    answerable = np.sort(np.asarray(conf_answerable, dtype=np.float64))
    unanswerable = np.sort(np.asarray(conf_unanswerable, dtype=np.float64))
    observed = np.unique(np.concatenate([answerable, unanswerable]))
    # Every distinct observed value is a possible cut, plus one just above them all (refuse everything).
    candidates = np.append(observed, np.nextafter(observed[-1], np.inf))
    answered = 1.0 - np.searchsorted(answerable, candidates, side="left") / answerable.size
    refused = np.searchsorted(unanswerable, candidates, side="left") / unanswerable.size
    allowed = answered >= min_answer_rate - 1e-12
    if not allowed.any():
        raise ValueError(f"no threshold answers {min_answer_rate:.0%} of the answerable questions")
    # Lexicographic: most refusals first, then most answers (np.lexsort sorts by the last key first).
    best = np.lexsort((-answered[allowed], -refused[allowed]))[0]
    index = np.flatnonzero(allowed)[best]
    return ThresholdChoice(float(candidates[index]), float(answered[index]), float(refused[index]))


# --------------------------------------------------------------------------------------------------------------
# Precision when answered (selective answering)

COVERAGE_LEVELS = tuple(k / 10 for k in range(1, 11))  # the risk-coverage curve: the 10%, 20%, ... 100% most confident


def precision_when_answered(answered: Sequence[bool], correct: Sequence[bool]) -> float | None:
    """Share of answered questions whose answer is right (its first citation relevant); None when none answered.
    Questions that have no right answer (out of scope) count as wrong when answered."""
    if len(answered) != len(correct):
        raise ValueError(f"{len(answered)} answered flags but {len(correct)} correctness flags")
    picked = [ok for given, ok in zip(answered, correct, strict=True) if given]
    return _mean([1.0 if ok else 0.0 for ok in picked]) if picked else None


def precision_at_coverage(confidences: Sequence[float], correct: Sequence[bool], coverage: float) -> float | None:
    """Precision of the ``coverage`` share of questions with the highest confidence (what a system would answer
    if it answered exactly that share); None when that is no question at all. Ties keep the input order."""
    if len(confidences) != len(correct):
        raise ValueError(f"{len(confidences)} confidences but {len(correct)} correctness flags")
    if not 0.0 <= coverage <= 1.0:
        raise ValueError(f"coverage must be in [0, 1], got {coverage}")
    count = round(coverage * len(confidences))
    if count == 0:
        return None
    order = np.argsort(-np.asarray(confidences, dtype=np.float64), kind="stable")[:count]
    return _mean([1.0 if correct[i] else 0.0 for i in order])


def risk_coverage(confidences: Sequence[float], correct: Sequence[bool]) -> dict[str, float | None]:
    """Precision of the k% most confident answers for k = 10..100, and the curve's area (their mean): how well a
    confidence ranks right answers above wrong ones, whatever threshold is later chosen."""
    curve = {f"{level:.1f}": precision_at_coverage(confidences, correct, level) for level in COVERAGE_LEVELS}
    known = [value for value in curve.values() if value is not None]
    return {**curve, "area": _mean(known) if known else None}


# --------------------------------------------------------------------------------------------------------------
# Answer quality


def text_tokens(text: str) -> list[str]:
    """Lower-cased words; every Chinese character is a token of its own."""
    return _TOKEN_RE.findall(text.lower())


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style bag-of-tokens F1. Two empty texts agree (1.0); one empty text scores 0.0."""
    predicted, expected = text_tokens(prediction), text_tokens(reference)
    if not predicted or not expected:
        return float(predicted == expected)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l_f1(prediction: str, reference: str) -> float:
    """ROUGE-L F1 (longest common subsequence of tokens), each text capped at MAX_LCS_TOKENS tokens."""
    predicted = text_tokens(prediction)[:MAX_LCS_TOKENS]
    expected = text_tokens(reference)[:MAX_LCS_TOKENS]
    if not predicted or not expected:
        return float(predicted == expected)
    lcs = _lcs_length(predicted, expected)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(predicted), lcs / len(expected)
    return 2 * precision * recall / (precision + recall)


def _squeeze(text: str) -> str:
    return _WHITESPACE_RE.sub("", text).casefold()


def contains_any_span(answer: str, spans: Iterable[str]) -> bool:
    """Whether ``answer`` contains one of the gold ``spans``, ignoring whitespace and case (extractive answers
    re-flow lines, and CMRC spans sit inside Chinese text without spaces)."""
    squeezed = _squeeze(answer)
    return any(_squeeze(span) and _squeeze(span) in squeezed for span in spans)


def citation_precision(cited_ids: Sequence[str], relevant: Collection[str]) -> float | None:
    """Share of distinct cited documents that are relevant; None when nothing was cited."""
    cited = _unique(cited_ids)
    if not cited:
        return None
    return sum(1 for doc_id in cited if doc_id in relevant) / len(cited)


# --------------------------------------------------------------------------------------------------------------
# Gap clustering


def clustering_metrics(labels_true: Sequence[Hashable], labels_pred: Sequence[Hashable]) -> dict[str, float]:
    """How well predicted gap clusters follow the true intents.

    purity: share of questions whose cluster's majority intent is their own (1.0 for all-singletons, so read it
    with ``clusters``); clusters_per_label: mean number of clusters one intent is scattered over (1.0 is ideal).
    """
    if len(labels_true) != len(labels_pred):
        raise ValueError(f"{len(labels_true)} true labels but {len(labels_pred)} predicted")
    if not labels_true:
        raise ValueError("need at least one labelled item")
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    true = [str(label) for label in labels_true]  # sklearn wants one comparable type; labels may mix ints/None
    pred = [str(label) for label in labels_pred]
    return {
        "v_measure": float(v_measure_score(true, pred)),
        "adjusted_rand": float(adjusted_rand_score(true, pred)),
        "purity": _purity(true, pred),
        "clusters": float(len(set(pred))),
        "clusters_per_label": _clusters_per_label(true, pred),
    }


def _purity(true: Sequence[str], pred: Sequence[str]) -> float:
    by_cluster: dict[str, Counter[str]] = {}
    for label, cluster in zip(true, pred, strict=True):
        by_cluster.setdefault(cluster, Counter())[label] += 1
    majority = sum(counts.most_common(1)[0][1] for counts in by_cluster.values())
    return majority / len(true)


def _clusters_per_label(true: Sequence[str], pred: Sequence[str]) -> float:
    by_label: dict[str, set[str]] = {}
    for label, cluster in zip(true, pred, strict=True):
        by_label.setdefault(label, set()).add(cluster)
    return _mean([float(len(clusters)) for clusters in by_label.values()])


# --------------------------------------------------------------------------------------------------------------
# Latency


def percentiles(values: Sequence[float], points: Sequence[float] = (50, 95)) -> dict[str, float]:
    """``{"p50": ..., "p95": ...}`` (linear interpolation); 0.0 for every point when there are no values."""
    if not values:
        return {f"p{point:g}": 0.0 for point in points}
    found = np.percentile(np.asarray(values, dtype=np.float64), list(points))
    return {f"p{point:g}": float(value) for point, value in zip(points, found, strict=True)}
