"""`answerdesk eval gap-verification`: how far a ``verified`` gap can be trusted, measured through the product.

Verification (web.gaps.resolve) asks a gap's questions again after an editor's fix and calls the gap verified when
they are all answered citing the fix. It can go wrong two ways: a right fix that fails (the editor is told to
rewrite a good answer) and a wrong or useless fix that passes (a false "verified": the gap disappears from the queue
while visitors keep getting a useless answer, the worse of the two). This eval measures both on StackFAQ, whose FAQ
threads come with about ten crowd paraphrases each, with every step on the real path:

1. A fresh app (temporary data dir, real SQLite, Chroma and MiniLM) holds the StackFAQ knowledge base *minus* K
   held-out threads (seeded); ``kb_threads`` may cut the rest to a seeded sample (the CI slice does, for speed).
2. Every paraphrase of the held-out threads is asked through the widget's chat API (site key, one visitor each,
   in a seeded shuffled order: a real stream is mixed), so abstentions and low-confidence answers become gap
   evidence through the real capture and clustering; then one regrouping runs (``answerdesk gaps consolidate``),
   and the open gaps are what an editor would see. Questions answered with confidence are no evidence at all:
   their thread is missing, so they got an answer to some other question, invisible to the loop unless a visitor
   gives it a 👎. They are counted (``capture.answered_confidently``).
3. Each gap is resolved through ``POST /api/v1/gaps/<id>/resolve`` by an editor, once per condition:

   - ``true_fix``: the FAQ of the gap's majority thread (its question and first answer): should verify;
   - ``wrong_fix``: the question and answer of the held-out thread whose question is closest to the true one (a
     plausible mix-up, harder than a random other thread, which never verified in our runs): must not;
   - ``title_echo``: the gap's own title as the question and the answer of a random other held-out thread (seeded
     derangement): useless, must not. The known weakness: retrieval matches the FAQ's question, so the unrelated
     answer gets quoted; web.gaps.resolve's support check is there for it.

   An FAQ that shows on its own that it answers the gap's questions gets them attached as search-only phrasings
   before the replay that verifies it (``attached``: how many fixes of a condition did; a wrong or useless one
   should never).

   A resolve changes the index (the FAQ is stored and indexed even when verification fails), so after every
   resolve the eval deletes that FAQ and reopens the gap: each fix is judged alone on the state the capture left,
   the way an editor meets one gap. (The undo is the eval's housekeeping, not a product action.)

Figures per condition: ``gap_rate`` (verified gaps / gaps; for the wrong conditions the false-verified rate),
``pure_gap_rate`` (the same over gaps whose questions all come from one thread: a mixed gap cannot verify with one
thread's FAQ, rightly), ``question_rate`` (replayed questions that pass / replayed questions) and
``majority_question_rate`` (the same over the questions of the gap's majority thread), and why questions fail
(``failures``: the bot still abstained, answered citing another document, or failed the support check). From the
same run, ``cite_rule`` gives what the rule before the support check says (every question answered citing the
fix), and ``support_sweep`` what any support bar would give (a gap's ``support`` is its mean question-to-answer
cosine). Grouping: ``purity`` (share of
the gaps' questions from their gap's majority thread) and ``gaps_per_thread`` (how many gaps a thread is split
over), after the regrouping and, for reference, before it (``grouping_online``).
"""

from __future__ import annotations

import json
import random
import secrets
import shutil
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import numpy as np
from flask import Flask
from flask.testing import FlaskClient

from chatbot.config import Settings
from evals.datasets import DEFAULT_SEED, EvalDataset

NAME = "gap-verification"
HELD_OUT_THREADS = 30
CONDITIONS = ("true_fix", "wrong_fix", "title_echo")
SWEEP: tuple[float | None, ...] = (None, 0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)  # None: no support check
# A looser rule the figures are also given for (``quorum_rate``): verified when this share of the questions pass.
QUORUM = 0.8
_EDITOR = "verification-editor@eval.invalid"


# -- the data -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Thread:
    key: str  # "t12"
    question: str  # the FAQ question (thread title)
    answer: str  # the thread's first answer: the FAQ an editor would write
    paraphrases: tuple[tuple[str, str], ...]  # (question id, text)


def stackfaq_threads(dataset: EvalDataset) -> dict[str, Thread]:
    """The threads of the ``stackfaq`` data set (documents ``t<i>#a<k>``, questions ``t<i>#q<j>``)."""
    first: dict[str, tuple[str, str]] = {}
    for document in dataset.documents:
        key = document.id.split("#", 1)[0]
        if key not in first and document.faq_question and document.faq_answer:
            first[key] = (document.faq_question, document.faq_answer)
    asked: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for question in dataset.questions:
        asked[question.id.split("#", 1)[0]].append((question.id, question.question))
    return {
        key: Thread(key, question, answer, tuple(asked[key]))
        for key, (question, answer) in first.items()
        if asked.get(key)
    }


def choose_threads(
    keys: Sequence[str], held_out: int, kb_threads: int | None, seed: int
) -> tuple[list[str], list[str]]:
    """(held-out threads, threads in the knowledge base), seeded; ``kb_threads`` None keeps every other thread."""
    order = sorted(keys, key=lambda k: (len(k), k))  # t2 before t10: the file's order, whatever the input's
    random.Random(seed).shuffle(order)
    if not 2 <= held_out < len(order):
        raise click.UsageError(f"--held-out must be between 2 and {len(order) - 1}")
    rest = order[held_out:]
    return sorted(order[:held_out]), sorted(rest if kb_threads is None else rest[:kb_threads])


def derangement(keys: Sequence[str], seed: int) -> dict[str, str]:
    """Each key mapped to another key (a seeded cyclic shift of a shuffle: nobody keeps their own)."""
    order = list(keys)
    random.Random(seed + 1).shuffle(order)
    return {key: order[(i + 1) % len(order)] for i, key in enumerate(order)}


def nearest_other(keys: Sequence[str], vectors: np.ndarray) -> dict[str, str]:
    """Each key mapped to the other key whose vector is closest (cosine)."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    return {key: keys[int(np.argmax(similarity[i]))] for i, key in enumerate(keys)}


# -- the product, driven through its API ----------------------------------------------------------------------------
@dataclass
class Service:
    app: Flask
    client: FlaskClient
    site_key: str
    editor: dict[str, str]  # Authorization header

    def ask(self, question: str, visitor: int) -> dict[str, Any]:
        headers = {"X-Site-Key": self.site_key, "X-Session-Id": f"eval-visitor-{visitor:010d}"}
        answer: dict[str, Any] = self._ok(
            self.client.post("/api/v1/chat", json={"question": question}, headers=headers)
        )
        return answer

    def open_gaps(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for status in ("open", "assigned"):
            rows += self._ok(self.client.get(f"/api/v1/gaps?status={status}&limit=1000", headers=self.editor))
        return [self._ok(self.client.get(f"/api/v1/gaps/{row['id']}", headers=self.editor)) for row in rows]

    def resolve(self, gap_id: int, question: str, answer: str) -> dict[str, Any]:
        body = {"faq": {"question": question[:500], "answer": answer[:10000]}}
        verification: dict[str, Any] = self._ok(
            self.client.post(f"/api/v1/gaps/{gap_id}/resolve", json=body, headers=self.editor)
        )["verification"]
        return verification

    def undo_resolve(self, gap_id: int) -> None:
        """Delete the FAQ the resolve wrote and reopen the gap: the next fix is judged on the same state."""
        from ingest.factory import build_pipeline
        from web.db.models import Gap, db
        from web.gaps.resolve import faq_document_id
        from web.services import get_runtime

        with self.app.app_context():
            gap = db.session.get(Gap, gap_id)
            assert gap is not None
            build_pipeline(get_runtime(self.app), db.session()).delete_documents([faq_document_id(gap)])
            gap.status, gap.verified_at, gap.resolution = "open", None, None
            db.session.commit()

    def consolidate(self) -> dict[str, Any]:
        from web.gaps.consolidation import consolidate_open_gaps

        with self.app.app_context():
            report: dict[str, Any] = consolidate_open_gaps().to_dict()
            return report

    @staticmethod
    def _ok(response: Any) -> Any:
        if response.status_code != 200:
            raise click.ClickException(f"{response.request.path}: {response.status_code} {response.get_data(True)}")
        return response.get_json()


@contextmanager
def fresh_service(settings: Settings, documents: Sequence[Any]) -> Iterator[Service]:
    """A new app over ``documents`` in a temporary data dir (deleted afterwards), with a site key and an editor."""
    from ingest.factory import build_pipeline
    from web import create_app
    from web.access.accounts import create_api_token, create_site, create_user
    from web.db.engine import upgrade_database
    from web.db.models import db
    from web.services import get_runtime

    work = Path(tempfile.mkdtemp(prefix="answerdesk-verification-"))
    try:
        data_dir = work / "var"
        data_dir.mkdir()
        if settings.calibration_path.exists():  # answer as the user's answerdesk does (as `answerdesk eval` does)
            shutil.copy(settings.calibration_path, data_dir / settings.calibration_path.name)
        eval_settings = settings.replace(
            data_dir=data_dir, database_url=None, chroma_url=None, collection="eval-verification", rate_limit="off"
        )
        # No background regrouping: the eval runs one itself, after the last question, so the figures do not
        # depend on thread timing; no webhook either.
        app = create_app(eval_settings, TESTING=True, GAP_CONSOLIDATE_EVERY=0)
        upgrade_database(app)
        with app.app_context():
            build_pipeline(get_runtime(app), db.session()).sync_documents(documents, source_root="eval:stackfaq")
            site = create_site("verification", ["https://eval.invalid"])
            editor = create_user(_EDITOR, secrets.token_urlsafe(16), "editor")
            service = Service(app, app.test_client(), site.key, {"Authorization": f"Bearer {create_api_token(editor)}"})
            db.session.remove()
        yield service
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- scoring --------------------------------------------------------------------------------------------------------
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
        "gap_rate": _rate(verified, len(rows)),
        "pure_gaps": len(pure),
        "pure_gap_rate": _rate(sum(bool(r["verified"]) for r in pure), len(pure)),
        "questions": replayed,
        "passing_questions": sum(_passes(r) for r in rows),
        "question_rate": _rate(sum(_passes(r) for r in rows), replayed),
        "majority_question_rate": _rate(sum(majority), len(majority)),
        "quorum_rate": _rate(sum(_passes(r) >= QUORUM * int(r["replayed"]) > 0 for r in rows), len(rows)),
        "answered_rate": _rate(sum(int(r["answered"]) for r in rows), replayed),
        # FAQs that earned the gap's questions as search-only phrasings (web.gaps.resolve, "Other phrasings")
        "attached": sum(bool(r.get("attached")) for r in rows),
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
            "gap_rate": _rate(cite_verified, len(rows)),
            "question_rate": _rate(cited, replayed),
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
            row[condition] = _rate(passing, len(rows))
        sweep.append(row)
    return sweep


def _supported(verification: dict[str, Any], threshold: float | None) -> bool:
    support = verification.get("support")
    # None: no check, or nothing the check applies to
    return threshold is None or support is None or float(support) >= threshold


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# -- the run --------------------------------------------------------------------------------------------------------
def evaluate_verification(
    dataset: EvalDataset,
    settings: Settings,
    held_out: int = HELD_OUT_THREADS,
    seed: int = DEFAULT_SEED,
    kb_threads: int | None = None,
    conditions: Sequence[str] = CONDITIONS,
    questions_per_thread: int | None = None,
) -> dict[str, Any]:
    """The whole measurement (module docstring); ``kb_threads`` and ``questions_per_thread`` cut it down for CI."""
    started = time.perf_counter()
    threads = stackfaq_threads(dataset)
    held, kept = choose_threads(list(threads), held_out, kb_threads, seed)
    kept_set = set(kept)
    documents = [d for d in dataset.documents if d.id.split("#", 1)[0] in kept_set]
    stream = [(key, qid, text) for key in held for qid, text in threads[key].paraphrases[:questions_per_thread]]
    random.Random(seed + 2).shuffle(stream)
    wrong = derangement(held, seed)

    with fresh_service(settings, documents) as service:
        from web.services import get_answerer, get_runtime

        ingest_seconds = time.perf_counter() - started
        embedder = get_runtime(service.app).embedder
        near = nearest_other(held, np.asarray(embedder.encode_queries([threads[k].question for k in held])))
        threshold = get_answerer(service.app).threshold

        # -- capture
        thread_of_message: dict[int, str] = {}
        answers: list[dict[str, Any]] = []
        for visitor, (key, _qid, text) in enumerate(stream):
            answer = service.ask(text, visitor)
            thread_of_message[int(answer["message_id"])] = key
            answers.append(answer)
        online = service.open_gaps()
        regrouping = service.consolidate()
        gaps = [
            FormedGap(
                id=int(gap["id"]),
                title=str(gap["title"]),
                threads=[thread_of_message[int(q["message_id"])] for q in gap["questions"]],
                message_ids=[int(q["message_id"]) for q in gap["questions"]],
            )
            for gap in service.open_gaps()
        ]
        gaps = [g for g in gaps if g.threads]
        in_gaps = {m for g in gaps for m in g.message_ids}
        capture_seconds = time.perf_counter() - started - ingest_seconds

        # -- resolve each gap once per condition, undoing each resolve
        for gap in gaps:
            true, other, close = threads[gap.majority], threads[wrong[gap.majority]], threads[near[gap.majority]]
            fixes = {
                "true_fix": (true.question, true.answer),
                "wrong_fix": (close.question, close.answer),
                "title_echo": (gap.title, other.answer),
            }
            for condition in conditions:
                gap.results[condition] = service.resolve(gap.id, *fixes[condition])
                service.undo_resolve(gap.id)
        resolve_seconds = time.perf_counter() - started - ingest_seconds - capture_seconds

    answered = [a for a in answers if not a["is_gap"]]
    online_labels = [(thread_of_message[int(q["message_id"])], int(g["id"])) for g in online for q in g["questions"]]
    result: dict[str, Any] = {
        "dataset": NAME,
        "source": dataset.name,
        "n": len(stream),
        "held_out_threads": len(held),
        "capture": {
            "asked": len(answers),
            "abstained": len(answers) - len(answered),
            "answered": len(answered),
            "gap_evidence": len(in_gaps),
            "answered_confidently": sum(1 for a in answers if int(a["message_id"]) not in in_gaps),
            "evidence_rate": _rate(len(in_gaps), len(answers)),
        },
        "grouping": {
            **grouping_scores([t for g in gaps for t in g.threads], [g.id for g in gaps for _ in g.threads]),
            "mean_gap_size": round(statistics.fmean(len(g.threads) for g in gaps), 2) if gaps else None,
            "single_question_gaps": sum(1 for g in gaps if len(g.threads) == 1),
        },
        "grouping_online": grouping_scores([t for t, _ in online_labels], [g for _, g in online_labels]),
        "conditions": {c: condition_scores(gaps, c) for c in conditions},
        "support_sweep": support_sweep(gaps),
        "gaps": [
            {
                "id": g.id,
                "title": g.title,
                "size": len(g.threads),
                "thread": g.majority,
                "purity": round(g.purity, 3),
                "results": g.results,
            }
            for g in gaps
        ],
        "config": {
            "seed": seed,
            "held_out": held,
            "kb_threads": len(kept),
            "questions_per_thread": questions_per_thread,
            "documents": len(documents),
            "embedder": settings.embedder,
            "threshold": threshold,
            "writer": "llm" if settings.llm != "none" else "extractive",
            "support_min": _support_min(embedder.name),
            "regrouping": {"moved": regrouping.get("moved"), "merged": regrouping.get("merged")},
            "seconds": {
                "ingest": round(ingest_seconds, 1),
                "capture": round(capture_seconds, 1),
                "resolve": round(resolve_seconds, 1),
            },
        },
    }
    return result


def _support_min(embedder: str) -> float | None:
    """The support bar web.gaps.resolve applies with ``embedder`` (None: no support check)."""
    from web.gaps.resolve import SUPPORT_MIN

    return SUPPORT_MIN.get(embedder)


# -- rendering ------------------------------------------------------------------------------------------------------
_LABELS = {
    "true_fix": "true FAQ (should verify)",
    "wrong_fix": "closest other thread's FAQ (false if verified)",
    "title_echo": "gap title + unrelated answer (false if verified)",
}


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _bar(threshold: float | None) -> str:
    return "off (cite rule)" if threshold is None else f"{threshold:.2f}"


def _rows(result: dict[str, Any]) -> list[list[str]]:
    rows = [
        [
            "fix",
            "gaps",
            "verified",
            "gap rate",
            "pure-gap rate",
            "question rate",
            f"{QUORUM:.0%}-quorum rate",
            "cite-only gap rate",
            "cite-only question rate",
            "fails: abstained / other source / unsupported",
        ]
    ]
    for condition, scores in result["conditions"].items():
        cite = scores.get("cite_rule") or {}
        failures = scores.get("failures") or {}
        rows.append(
            [
                _LABELS.get(condition, condition),
                _cell(scores["gaps"]),
                _cell(scores["verified"]),
                _cell(scores["gap_rate"]),
                _cell(scores["pure_gap_rate"]),
                _cell(scores["question_rate"]),
                _cell(scores["quorum_rate"]),
                _cell(cite.get("gap_rate")),
                _cell(cite.get("question_rate")),
                " / ".join(_cell(failures.get(k)) for k in ("abstained", "cited_other", "unsupported")),
            ]
        )
    return rows


def _summary(result: dict[str, Any]) -> list[str]:
    capture, grouping, config = result["capture"], result["grouping"], result["config"]
    return [
        f"{NAME}: {result['held_out_threads']} StackFAQ threads held out of a knowledge base of {config['kb_threads']} "
        f"threads ({config['documents']} answers); {result['n']} paraphrases asked through the widget API.",
        f"capture: {capture['gap_evidence']} became gap evidence, {capture['answered_confidently']} were answered "
        f"with confidence from other threads (no evidence: invisible unless 👎).",
        f"grouping: {grouping['gaps']} gaps ({grouping['single_question_gaps']} of one question) for "
        f"{grouping['threads']} threads, purity {_cell(grouping['purity'])}, {_cell(grouping['gaps_per_thread'])} "
        f"gaps per thread (before the regrouping: {result['grouping_online']['gaps']} gaps, purity "
        f"{_cell(result['grouping_online']['purity'])}).",
        f"support check: {'off' if config['support_min'] is None else config['support_min']}; "
        f"seconds: {config['seconds']}",
    ]


def render_verification_table(result: dict[str, Any]) -> str:
    rows = _rows(result)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*_summary(result), "", *lines])


def render_verification_markdown(result: dict[str, Any]) -> str:
    rows = _rows(result)
    sweep = result["support_sweep"]
    lines = [
        f"# answerdesk eval: {NAME}",
        "",
        *(f"- {line}" for line in _summary(result)),
        "",
        "| " + " | ".join(rows[0]) + " |",
        "|" + "---|" * len(rows[0]),
        *("| " + " | ".join(row) + " |" for row in rows[1:]),
    ]
    if sweep and len(sweep[0]) > 1:
        conditions = [c for c in CONDITIONS if c in sweep[0]]
        lines += [
            "",
            "Verified gap rate by support bar (a gap's mean question-to-answer cosine):",
            "",
            "| threshold | " + " | ".join(conditions) + " |",
            "|" + "---|" * (len(conditions) + 1),
            *(
                "| " + " | ".join([_bar(row["threshold"]), *(_cell(row.get(k)) for k in conditions)]) + " |"
                for row in sweep
            ),
        ]
    return "\n".join(lines) + "\n"


def run_verification_eval(
    dataset: EvalDataset,
    settings: Settings,
    as_json: bool,
    out_dir: Path | None,
    held_out: int = HELD_OUT_THREADS,
    seed: int = DEFAULT_SEED,
) -> None:
    """The CLI step: evaluate, print a table (or one JSON object) and write JSON and Markdown under ``out_dir``."""
    result = evaluate_verification(dataset, settings, held_out=held_out, seed=seed)
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{NAME}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        (out_dir / f"{NAME}.md").write_text(render_verification_markdown(result), encoding="utf-8")
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else render_verification_table(result))
