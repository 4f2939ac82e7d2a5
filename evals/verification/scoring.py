"""How far the verifications of one run can be trusted: figures per kind of fix, and how the gaps grouped."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

CONDITIONS = ("true_fix", "wrong_fix", "title_echo")  # the kinds of fix each gap is resolved with
SWEEP: tuple[float | None, ...] = (None, 0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)  # None: no support check
# A looser rule the figures are also given for (``quorum_rate``): verified when this share of the questions pass.
QUORUM = 0.8


@dataclass
class FormedGap:
    id: int
    title: str
    threads: list[str]  # the thread of each question, in the gap's order
    message_ids: list[int]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # condition -> verification

    @property
    def majority(self) -> str:
        return Counter(self.threads).most_common(1)[0][0]

    @property
    def purity(self) -> float:
        return Counter(self.threads).most_common(1)[0][1] / len(self.threads)


def grouping_scores(labels_true: Sequence[str], labels_pred: Sequence[int]) -> dict[str, Any]:
    if not labels_true:
        return {"questions": 0, "gaps": 0, "threads": 0, "purity": None, "gaps_per_thread": None}
    by_gap: dict[int, Counter[str]] = defaultdict(Counter)
    for thread, gap in zip(labels_true, labels_pred, strict=True):
        by_gap[gap][thread] += 1
    threads = set(labels_true)
    spread = statistics.fmean(
        len({g for t, g in zip(labels_true, labels_pred, strict=True) if t == k}) for k in threads
    )
    return {
        "questions": len(labels_true),
        "gaps": len(by_gap),
        "threads": len(threads),
        "purity": round(sum(c.most_common(1)[0][1] for c in by_gap.values()) / len(labels_true), 4),
        "gaps_per_thread": round(spread, 3),
    }


def _passes(verification: dict[str, Any]) -> int:
    return int(verification["replayed"]) - len(verification["failing"])


def condition_scores(gaps: Sequence[FormedGap], condition: str) -> dict[str, Any]:
    done = [g for g in gaps if condition in g.results]
    rows = [g.results[condition] for g in done]
    replayed = sum(int(r["replayed"]) for r in rows)
    verified = sum(bool(r["verified"]) for r in rows)
    pure = [g.results[condition] for g in done if g.purity == 1.0]
    majority = [
        message_id not in set(g.results[condition]["failing_message_ids"])
        for g in done
        for message_id, thread in zip(g.message_ids, g.threads, strict=True)
        if thread == g.majority
    ]
    scores: dict[str, Any] = {
        "gaps": len(rows),
        "verified": verified,
        "gap_rate": rate(verified, len(rows)),
        "pure_gaps": len(pure),
        "pure_gap_rate": rate(sum(bool(r["verified"]) for r in pure), len(pure)),
        "questions": replayed,
        "passing_questions": sum(_passes(r) for r in rows),
        "question_rate": rate(sum(_passes(r) for r in rows), replayed),
        "majority_question_rate": rate(sum(majority), len(majority)),
        "quorum_rate": rate(sum(_passes(r) >= QUORUM * int(r["replayed"]) > 0 for r in rows), len(rows)),
        "answered_rate": rate(sum(int(r["answered"]) for r in rows), replayed),
        # FAQs that earned the gap's questions as search-only phrasings (web.gaps.resolve, "Other phrasings")
        "attached": sum(bool(r.get("attached")) for r in rows),
        # FAQs whose answer is far less about the questions than their question is (not verified for that alone)
        "answer_off_topic": sum(bool(r.get("answer_off_topic")) for r in rows),
    }
    if rows and all("cited" in r for r in rows):
        answered, cited = sum(int(r["answered"]) for r in rows), sum(int(r["cited"]) for r in rows)
        scores["failures"] = {
            "abstained": replayed - answered,
            "cited_other": answered - cited,
            "unsupported": sum(len(r.get("unsupported_message_ids") or []) for r in rows),
        }
        # The rule before the support check: every question answered citing the fix.
        cite_verified = sum(int(r["cited"]) == int(r["replayed"]) > 0 for r in rows)
        scores["cite_rule"] = {
            "verified": cite_verified,
            "gap_rate": rate(cite_verified, len(rows)),
            "question_rate": rate(cited, replayed),
        }
    return scores


def support_sweep(gaps: Sequence[FormedGap]) -> list[dict[str, Any]]:
    """Verified gap rate per condition if the support bar were each value of :data:`SWEEP` (None: no check)."""
    sweep = []
    for threshold in SWEEP:
        row: dict[str, Any] = {"threshold": threshold}
        for condition in CONDITIONS:
            rows = [g.results[condition] for g in gaps if condition in g.results]
            if not rows or not all("cited" in r for r in rows):
                continue
            passing = sum(int(r["cited"]) == int(r["replayed"]) > 0 and _supported(r, threshold) for r in rows)
            row[condition] = rate(passing, len(rows))
        sweep.append(row)
    return sweep


def _supported(verification: dict[str, Any], threshold: float | None) -> bool:
    support = verification.get("support")
    # None: no check, or nothing the check applies to
    return threshold is None or support is None or float(support) >= threshold


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` to four places; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None
