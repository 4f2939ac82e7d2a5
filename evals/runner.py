"""Run answerdesk and its peers on one evaluation data set and compute every metric.

The knowledge base of a data set is synced into its own data dir under ``DATA_DIR/eval/`` with the same ingest
pipeline users run (so a second run re-embeds nothing). answerdesk is asked every question through the same
``Answerer`` the CLI and the web service use; the peers rank documents on the same knowledge base.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chatbot.answering import Answerer
from chatbot.config import Settings
from chatbot.runtime import Runtime
from chatbot.types import Audience
from evals import metrics
from evals.datasets import EvalDataset, EvalQuestion

Progress = Callable[[int, int], None]
_MARKER = re.compile(r"\s*\[\d+\]")


@dataclass
class QuestionRun:
    """What one system did with one question."""

    question: EvalQuestion
    dataset: str
    ranked: list[str]
    confidence: float
    is_gap: bool
    answer: str = ""
    cited: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, float] = field(default_factory=dict)
    # The first citation of an answer; for an abstention (and for a peer) the top source: what would be cited.
    first_id: str | None = None
    intent: str | None = None  # set when answerdesk took the message for small talk or a hand-off request
    reason: str | None = None  # why not answered: "low_confidence" is "I'm not sure" with suggestions
    scope: float | None = None  # answerdesk's in-scope probability (the "I don't know" model)

    @property
    def outcome(self) -> str:
        """answer, unsure ("I'm not sure" + suggestions), dont_know, or intent (small talk, hand-off)."""
        if self.intent is not None:
            return "intent"
        if not self.is_gap:
            return "answer"
        return "unsure" if self.reason == "low_confidence" else "dont_know"

    @property
    def answered(self) -> bool:
        return not self.is_gap and self.intent is None

    @property
    def correct(self) -> bool:
        """The (would-be) first citation is a document that answers the question."""
        return self.first_id is not None and self.first_id in self.question.correct_ids


def index_dataset(dataset: EvalDataset, settings: Settings) -> Runtime:
    """Sync the data set's documents into ``DATA_DIR/eval/<name>`` and return a runtime over that index."""
    from ingest.factory import build_pipeline
    from web import create_app
    from web.db.engine import upgrade_database
    from web.db.models import db
    from web.services import get_runtime

    eval_settings = settings.replace(
        data_dir=settings.data_dir / "eval" / f"{dataset.name}-{settings.embedder}",
        database_url=None,
        chroma_url=None,
        collection=f"eval-{dataset.name}",
    )
    app = create_app(eval_settings)
    upgrade_database(app)
    with app.app_context():
        runtime = get_runtime(app)
        pipeline = build_pipeline(runtime, db.session())
        pipeline.sync_documents(dataset.documents, source_root=f"eval:{dataset.name}", delete_missing=True)
        db.session.remove()
    return runtime


def run_answerdesk(
    answerer: Answerer, dataset: str, questions: Sequence[EvalQuestion], progress: Progress | None = None
) -> list[QuestionRun]:
    runs = []
    for i, question in enumerate(questions):
        audience: Audience = "public" if question.meta.get("audience") == "public" else "internal"
        answer = answerer.answer(question.question, audience=audience)
        first = answer.citations[0].id if answer.citations else (answer.sources[0].id if answer.sources else None)
        runs.append(
            QuestionRun(
                question=question,
                dataset=dataset,
                ranked=[s.id for s in answer.sources],
                confidence=answer.confidence,
                is_gap=answer.is_gap,
                answer=_MARKER.sub("", answer.answer) if not answer.is_gap else "",
                cited=[c.id for c in answer.citations],
                latency_ms=answer.latency_ms,
                timings_ms=answer.timings_ms,
                evidence=answer.evidence,
                first_id=first,
                intent=answer.intent,
                reason=answer.reason,
                scope=answerer.scope_probability(answer.evidence) if answer.intent is None else None,
            )
        )
        if progress:
            progress(i + 1, len(questions))
    return runs


def run_baseline(
    baseline: Any, dataset: str, questions: Sequence[EvalQuestion], progress: Progress | None = None
) -> list[QuestionRun]:
    runs = []
    for i, question in enumerate(questions):
        started = time.perf_counter()
        ranked = baseline.rank(question.question)
        score = baseline.top_score(question.question)  # cached by the baseline: no second search
        runs.append(
            QuestionRun(
                question=question,
                dataset=dataset,
                ranked=list(ranked),
                confidence=float(score),
                is_gap=False,
                first_id=ranked[0] if ranked else None,
                latency_ms=(time.perf_counter() - started) * 1000.0,
            )
        )
        if progress:
            progress(i + 1, len(questions))
    return runs


def summarize(runs: Sequence[QuestionRun], *, has_answers: bool) -> dict[str, Any]:
    """Every metric that applies to these runs (retrieval on answerable questions, abstention, answers, latency)."""
    answerable = [r for r in runs if not r.question.unanswerable]
    summary: dict[str, Any] = {"n": len(runs), "n_answerable": len(answerable)}
    if answerable and any(r.question.relevant for r in answerable):
        with_labels = [r for r in answerable if r.question.relevant]
        summary.update(
            metrics.retrieval_metrics([r.ranked for r in with_labels], [set(r.question.relevant) for r in with_labels])
        )
    questions = _knowledge_questions(runs)
    unanswerable_flags = [r.question.unanswerable for r in questions]
    if any(unanswerable_flags) and not all(unanswerable_flags):
        in_scope = [not u for u in unanswerable_flags]
        summary["auroc"] = metrics.auroc([r.confidence for r in questions], in_scope)
        if all(r.scope is not None for r in questions):
            # The separate in-scope model is what decides "I don't know": its own separation of the two.
            summary["auroc_scope"] = metrics.auroc([float(r.scope or 0.0) for r in questions], in_scope)
    summary.update(_selective(runs, has_answers))
    if has_answers:
        summary.update(_abstention(runs))
        summary.update(_intents(runs))
        summary.update(_answer_quality(answerable))
        latencies = [r.latency_ms for r in runs]
        summary["latency_ms"] = _percentiles(latencies)
        stages = sorted({k for r in runs for k in r.timings_ms})
        summary["stage_latency_ms"] = {s: _percentiles([r.timings_ms.get(s, 0.0) for r in runs]) for s in stages}
    else:
        summary["latency_ms"] = _percentiles([r.latency_ms for r in runs])
    return summary


PEER_COVERAGE = 0.6  # "the 60% most confident answers": the coverage every system is also compared at


def _knowledge_questions(runs: Sequence[QuestionRun]) -> list[QuestionRun]:
    """Without the small talk and hand-off requests a set labels (meta["intent"]): routing them is measured on its
    own (_intents), and they count in no precision or separation figure, for answerdesk or a peer."""
    return [r for r in runs if not r.question.meta.get("intent")]


def _selective(runs: Sequence[QuestionRun], has_answers: bool) -> dict[str, Any]:
    """Precision when answered and the risk-coverage curve over every question (an out-of-scope question
    answered is a wrong answer). A peer answers everything; it is compared at answerdesk's coverage later."""
    runs = _knowledge_questions(runs)
    confidences = [r.confidence for r in runs]
    correct = [r.correct for r in runs]
    result: dict[str, Any] = {
        "risk_coverage": metrics.risk_coverage(confidences, correct),
        "precision@60": metrics.precision_at_coverage(confidences, correct, PEER_COVERAGE),
    }
    if has_answers:
        answered = [r.answered for r in runs]
        result["coverage"] = metrics.answer_rate([not a for a in answered])
        result["precision"] = metrics.precision_when_answered(answered, correct)
    return result


def at_coverage(runs: Sequence[QuestionRun], coverage: float) -> float | None:
    """A peer's precision when it answers its ``coverage`` most confident questions (ranked by its top score)."""
    runs = _knowledge_questions(runs)
    return metrics.precision_at_coverage([r.confidence for r in runs], [r.correct for r in runs], coverage)


def _intents(runs: Sequence[QuestionRun]) -> dict[str, Any]:
    """Conversation routing (the everyday set labels small talk and hand-off requests in meta["intent"])."""
    labelled = [r for r in runs if r.question.meta.get("intent")]
    if not labelled:
        return {}
    small_talk = {"greeting", "thanks", "goodbye"}

    def routed(r: QuestionRun) -> bool:
        wanted = r.question.meta["intent"]
        return r.intent == "handoff" if wanted == "handoff" else r.intent in small_talk

    others = _knowledge_questions(runs)
    return {
        "intent_routed": metrics.answer_rate([not routed(r) for r in labelled]),
        "intent_gaps": float(sum(r.is_gap for r in labelled)),
        "intent_false_routes": float(sum(r.intent is not None for r in others)),
    }


def _abstention(runs: Sequence[QuestionRun]) -> dict[str, Any]:
    answerable = [r for r in runs if not r.question.unanswerable]
    unanswerable = [r for r in runs if r.question.unanswerable]
    result: dict[str, Any] = {}
    if answerable:
        result["answer_rate"] = metrics.answer_rate([r.is_gap for r in answerable])
        # Answered, or "I'm not sure" with the closest articles: the question got help, not "I don't know".
        result["helped_rate"] = metrics.answer_rate([r.outcome == "dont_know" for r in answerable])
    if unanswerable:
        result["refusal_rate"] = metrics.refusal_rate([r.is_gap for r in unanswerable])
        result["dont_know_rate"] = metrics.refusal_rate([r.outcome == "dont_know" for r in unanswerable])
    result["outcomes"] = {
        outcome: sum(r.outcome == outcome for r in runs) for outcome in ("answer", "unsure", "dont_know", "intent")
    }
    return result


def _answer_quality(answerable: Sequence[QuestionRun]) -> dict[str, Any]:
    with_reference = [r for r in answerable if r.question.answer]
    result: dict[str, Any] = {}
    if with_reference:
        result["rouge_l"] = statistics.fmean(
            metrics.rouge_l_f1(r.answer, r.question.answer or "") for r in with_reference
        )
        result["token_f1"] = statistics.fmean(
            metrics.token_f1(r.answer, r.question.answer or "") for r in with_reference
        )
    spans = [r for r in answerable if r.question.meta.get("answers")]
    if spans:
        # "The gold span is inside the answer" is asked of answers: a refusal quotes nothing. The share over every
        # answerable question (a refusal counts as a miss) is reported beside it.
        found = [metrics.contains_any_span(r.answer, r.question.meta["answers"].split("\u241f")) for r in spans]
        answered = [hit for hit, r in zip(found, spans, strict=True) if r.outcome == "answer"]
        if answered:
            result["span_in_answer"] = statistics.fmean(map(float, answered))
        result["span_all_questions"] = statistics.fmean(map(float, found))
    precisions = [
        metrics.citation_precision(r.cited, set(r.question.relevant)) for r in answerable if r.question.relevant
    ]
    known = [p for p in precisions if p is not None]
    if known:
        result["citation_precision"] = statistics.fmean(known)
    return result


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in metrics.percentiles(values, (50, 95)).items()}
