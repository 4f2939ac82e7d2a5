"""Fit the confidence model and choose the abstention threshold on development questions.

Criterion: the threshold that refuses the most unanswerable development questions while still answering at least
``min_answer_rate`` (default 97%) of the answerable ones, chosen on the far-out-of-scope set (clinc-oos: what a
deployment must refuse); near-out-of-scope questions are graded by AUROC, not by one cut. Only the ``dev`` split
is used (by section for the TV manual sets, so no test section is seen); ``answerdesk eval`` reports ``test``.
The confidence model is a logistic regression over a few evidence features (chatbot/confidence.py), fitted with
every (data set, answerable?) group weighted equally and strong regularisation: the development set has few
unanswerable questions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.confidence import FEATURES, ConfidenceModel
from evals import metrics
from evals.runner import QuestionRun

# The features the fitted model uses: the others stay in the evidence for inspection but did not help on dev
# (see docs/benchmarks.md, "Abstention").
FITTED_FEATURES = ("dense_top", "dense_max", "coverage", "keyword_saturation", "unknown_share", "margin")
REGULARISATION_C = 0.5


@dataclass(frozen=True)
class Calibration:
    model: ConfidenceModel
    threshold: float
    answer_rate: float
    refusal_rate: float
    auroc: float | None
    datasets: tuple[str, ...]
    threshold_from: str | None
    n_answerable: int
    n_unanswerable: int

    def to_json(self) -> dict[str, Any]:
        return {
            **self.model.to_json(),
            "threshold": self.threshold,
            "criterion": "highest refusal rate on unanswerable dev questions at the minimum answer rate",
            "dev": {
                "datasets": list(self.datasets),
                "threshold_from": self.threshold_from or "all",
                "answer_rate": round(self.answer_rate, 4),
                "refusal_rate": round(self.refusal_rate, 4),
                "auroc": None if self.auroc is None else round(self.auroc, 4),
                "answerable": self.n_answerable,
                "unanswerable": self.n_unanswerable,
            },
        }


def fit_model(runs: Sequence[QuestionRun]) -> ConfidenceModel:
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r.evidence.get(f, 0.0) for f in FITTED_FEATURES] for r in runs])
    y = np.array([not r.question.unanswerable for r in runs])
    if len(set(y.tolist())) < 2:
        raise ValueError("calibration needs both answerable and unanswerable development questions")
    # Every (data set, answerable?) group weighs the same: the few near-out-of-scope questions would otherwise be
    # drowned by the many easy far-out-of-scope ones, and the model would learn only "is this about a TV at all".
    groups = [(r.dataset, bool(label)) for r, label in zip(runs, y, strict=True)]
    sizes = {g: groups.count(g) for g in set(groups)}
    sample_weights = np.array([1.0 / sizes[g] for g in groups]) * len(runs)
    fitted = LogisticRegression(C=REGULARISATION_C, max_iter=2000).fit(x, y, sample_weight=sample_weights)
    weights = dict.fromkeys(FEATURES, 0.0)
    weights.update({f: float(w) for f, w in zip(FITTED_FEATURES, fitted.coef_[0], strict=True)})
    return ConfidenceModel(weights=weights, bias=float(fitted.intercept_[0]))


def calibrate(
    runs: Sequence[QuestionRun],
    datasets: Sequence[str],
    min_answer_rate: float = 0.97,
    threshold_from: str | None = None,
) -> Calibration:
    """Fit the model on every run; choose the threshold on the runs of ``threshold_from`` (default: all)."""
    model = fit_model(runs)
    chosen_on = [r for r in runs if threshold_from is None or r.dataset == threshold_from]
    confidences = [model.probability(r.evidence) for r in chosen_on]
    answerable = [c for c, r in zip(confidences, chosen_on, strict=True) if not r.question.unanswerable]
    unanswerable = [c for c, r in zip(confidences, chosen_on, strict=True) if r.question.unanswerable]
    choice = metrics.best_threshold(answerable, unanswerable, min_answer_rate)
    return Calibration(
        model=model,
        threshold=choice.threshold,
        answer_rate=choice.answer_rate,
        refusal_rate=choice.refusal_rate,
        auroc=metrics.auroc(confidences, [not r.question.unanswerable for r in chosen_on]),
        datasets=tuple(datasets),
        threshold_from=threshold_from,
        n_answerable=len(answerable),
        n_unanswerable=len(unanswerable),
    )


def write_calibration(calibration: Calibration, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(calibration.to_json(), indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
