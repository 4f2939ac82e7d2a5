"""Regrouping the open gaps in the database: the web side of :func:`chatbot.gaps.regroup.regroup`.

A new question joins a gap online (web.gaps.assignment), which depends on the order questions arrive in; regrouping
clusters the questions of all *untouched* open gaps of one audience and community again, from scratch, so that what
editors see no longer depends on that order (Banking77 test, shuffled: V-measure 0.58 -> 0.82, purity 0.24 -> 0.77;
the figures are in evals/clustering/tuning.py and docs/benchmarks.md). Decisions, written down for
docs/knowledge-gaps.md:

- **Only untouched gaps take part**: status ``open``, no assignee, no comment and no audit event by a person (events
  written by answerdesk itself, ``user_id`` NULL, do not count). A gap an editor assigned, commented on, merged or
  moved a question of is the editor's; its questions never move and nothing moves into it.
- **Gap ids stay where the questions stay**: each regrouped gap continues the existing gap that holds most of its
  questions (:func:`chatbot.gaps.regroup.plan_regrouping`), so most gaps keep their id and only the questions that
  belong elsewhere move. A gap whose questions all went elsewhere is ``dismissed`` with the reason ``merged into gap
  N`` (N: the gap that took most of them); a group of questions with no gap to continue becomes a new gap. Every
  change is in the audit trail, ``user`` None: ``auto_merge`` (this gap's questions went into gap N),
  ``auto_merged_from`` (this gap received questions), ``auto_moved_out`` (some of this gap's questions went
  elsewhere), ``auto_split`` (a new gap formed from questions of other gaps).
- **A gap whose questions did not change is not rewritten** (title, centroid, dates stay as they are). A changed gap
  gets the mean vector and token counts of its questions, their first and last time seen, and as title the question
  closest to the mean (the representative question, masked as every stored question is, clipped to a title's
  length by web.gaps.titles).
- **Vectors** are not stored per question, so the masked questions are embedded again (web.gaps.vectors), in
  chunks of 16 (a chat turn waiting for the embedder waits for one chunk, not the whole pool), and kept in a
  per-process cache.
- **Concurrency**: each scope is one transaction. Just before committing, the gaps are checked again; if an editor
  touched one in the meantime the scope is rolled back and skipped (the next run picks it up). Evidence that reached
  a merged-away gap while the regrouping ran is moved along with it.
- **When it runs**: ``answerdesk gaps consolidate`` (web.cli.gaps), and automatically in a background thread
  after every ``GAP_CONSOLIDATE_EVERY``-th captured question (:func:`schedule_consolidation`, :func:`consolidate_every`;
  default 50, 0 turns it off; off under ``TESTING``). Ids of evidence rows are global, so across gunicorn workers
  one regrouping starts per 50 questions; one process runs one at a time. Regrouping 3,000 questions takes about
  1 s plus embedding them (about 20 s of CPU on 2 cores, once per process thanks to the cache). It is never part of
  a chat turn's response time, but it shares the CPU: an operator who wants none of that during office hours sets
  it to 0 and runs the command from cron instead. The thread gets what it needs when it is scheduled (the
  application for its database session, the embedder, the alert settings: :class:`ConsolidationSchedule`).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from flask import Flask
from sqlalchemy import exists, func, select, update

from chatbot.config import Settings
from chatbot.embedders import Embedder
from chatbot.gaps.regroup import plan_regrouping, regroup, representative_order, token_profile
from chatbot.gaps.scope import Scope
from chatbot.keyword import tokenize
from web.db.models import Gap, GapComment, GapEvent, GapEvidence, db, utcnow
from web.gaps.assignment import GAP_CONFIG
from web.gaps.notifications import GapAlerts, notify_if_due
from web.gaps.titles import gap_title
from web.gaps.vectors import embed_questions

log = logging.getLogger(__name__)

CONSOLIDATE_EVERY_CONFIG = "GAP_CONSOLIDATE_EVERY"  # app.config override; 0 turns automatic regrouping off

_running = threading.Lock()  # one regrouping per process at a time


@dataclass
class ScopeReport:
    audience: str
    community: str | None
    questions: int
    gaps_before: int
    gaps_after: int = 0
    moved: int = 0  # questions now in another gap
    merged: list[dict[str, int | None]] = field(default_factory=list)  # [{"gap", "into"}]
    created: list[int] = field(default_factory=list)
    skipped: str | None = None  # why nothing changed in this scope (concurrent edit)


@dataclass
class ConsolidationReport:
    scopes: list[ScopeReport] = field(default_factory=list)
    dry_run: bool = False

    @property
    def moved(self) -> int:
        return sum(s.moved for s in self.scopes)

    @property
    def merged(self) -> int:
        return sum(len(s.merged) for s in self.scopes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "moved": self.moved,
            "merged": self.merged,
            "scopes": [asdict(s) for s in self.scopes],
        }


@dataclass(frozen=True)
class _Member:
    """One question (a message; its evidence rows of several kinds move together)."""

    message_id: int
    gap_id: int
    text: str
    first: datetime
    last: datetime


# -- entry points ----------------------------------------------------------------------------------------------------
def consolidate_open_gaps(
    embedder: Embedder, alerts: GapAlerts, *, audience: str | None = None, dry_run: bool = False
) -> ConsolidationReport:
    """Regroup the questions of the untouched open gaps, per scope (audience and community; optionally one audience
    only), embedding them with ``embedder``. With ``dry_run`` nothing is written; the report says what would change.
    Gaps that grow past the alert count raise an alert (``alerts``)."""
    report = ConsolidationReport(dry_run=dry_run)
    scopes: dict[Scope, list[Gap]] = {}
    for gap in _untouched_gaps(audience):
        scopes.setdefault(Scope(gap.audience, gap.community), []).append(gap)
    for scope, gaps in scopes.items():
        report.scopes.append(_consolidate_scope(scope, gaps, embedder, alerts, dry_run))
    return report


@dataclass(frozen=True)
class ConsolidationSchedule:
    """When the background regrouping runs and what it runs with; built by the route that captures questions."""

    app: Flask  # the thread opens an app context on it (a database session of its own)
    every: int  # captured questions between regroupings; 0: never (:func:`consolidate_every`)
    embedder: Embedder
    alerts: GapAlerts


def consolidation_schedule(
    app: Flask, settings: Settings, embedder: Embedder, alerts: GapAlerts
) -> ConsolidationSchedule:
    return ConsolidationSchedule(app, consolidate_every(app, settings), embedder, alerts)


def schedule_consolidation(evidence_id: int | None, schedule: ConsolidationSchedule) -> threading.Thread | None:
    """Call after a captured question is committed (``evidence_id``: the new GapEvidence row's id). Every
    ``schedule.every``-th row starts a regrouping in a background thread (ids are global, so across gunicorn
    workers too) and returns the thread; otherwise returns None. Never raises: a chat turn must not fail for it."""
    try:
        every = schedule.every
        if not evidence_id or every <= 0 or evidence_id % every != 0:
            return None
        thread = threading.Thread(
            target=_consolidate_in_background, args=(schedule,), name="gap-consolidation", daemon=True
        )
        thread.start()
        return thread
    except Exception:
        log.exception("could not schedule the gap regrouping")
        return None


def consolidate_every(app: Flask, settings: Settings) -> int:
    """Captured questions between automatic regroupings (0: never): ``app.config["GAP_CONSOLIDATE_EVERY"]`` if set,
    else 0 under ``TESTING`` (tests that capture many questions must not be regrouped behind their back), else the
    ``ANSWERDESK_GAP_CONSOLIDATE_EVERY`` setting."""
    if CONSOLIDATE_EVERY_CONFIG in app.config:
        return int(app.config[CONSOLIDATE_EVERY_CONFIG])
    return 0 if app.testing else settings.gap_consolidate_every


def _consolidate_in_background(schedule: ConsolidationSchedule) -> None:
    if not _running.acquire(blocking=False):
        return  # one is running in this process: it will see the new questions next time
    try:
        with schedule.app.app_context():
            report = consolidate_open_gaps(schedule.embedder, schedule.alerts)
            log.info("gap regrouping: %s questions moved, %s gaps merged", report.moved, report.merged)
    except Exception:
        log.exception("gap regrouping failed")
    finally:
        _running.release()


# -- one scope -------------------------------------------------------------------------------------------------------
def _untouched_gaps(audience: str | None) -> list[Gap]:
    query = (
        select(Gap)
        .where(
            Gap.status == "open",
            Gap.assignee_id.is_(None),
            ~exists().where(GapComment.gap_id == Gap.id),
            ~exists().where(GapEvent.gap_id == Gap.id, GapEvent.user_id.is_not(None)),
        )
        .order_by(Gap.id)
    )
    if audience is not None:
        query = query.where(Gap.audience == audience)
    return list(db.session.scalars(query).all())


def _consolidate_scope(
    scope: Scope, gaps: list[Gap], embedder: Embedder, alerts: GapAlerts, dry_run: bool
) -> ScopeReport:
    gaps = _within_limit(gaps)
    members = _members([gap.id for gap in gaps])
    report = ScopeReport(
        scope.audience, scope.community, questions=len(members), gaps_before=len(gaps), gaps_after=len(gaps)
    )
    if len(members) < 2:
        return report
    vectors = embed_questions([m.text for m in members], embedder)
    plan = plan_regrouping([m.gap_id for m in members], regroup(vectors, GAP_CONFIG))
    by_label: dict[int, list[int]] = {}
    for position, label in enumerate(plan.labels):
        by_label.setdefault(label, []).append(position)
    report.gaps_after = len(by_label)
    report.moved = sum(1 for m, label in zip(members, plan.labels, strict=True) if plan.owners[label] != m.gap_id)
    if report.moved == 0:
        return report
    if dry_run:
        # Gaps that would be created have no id yet: "into" is None for them.
        report.merged = [{"gap": gap, "into": plan.owners[label]} for gap, label in plan.absorbed.items()]
        return report
    try:
        _apply(report, gaps, members, vectors, plan.owners, plan.absorbed, by_label, alerts)
    except _Touched as exc:
        db.session.rollback()
        report.skipped, report.moved, report.merged, report.created = str(exc), 0, [], []
        report.gaps_after = report.gaps_before
    except Exception:
        db.session.rollback()
        raise
    return report


class _Touched(Exception):
    """An editor changed one of the gaps while the regrouping ran."""


def _apply(
    report: ScopeReport,
    gaps: list[Gap],
    members: list[_Member],
    vectors: npt.NDArray[np.float32],
    owners: dict[int, int | None],
    absorbed: dict[int, int],
    by_label: dict[int, list[int]],
    alerts: GapAlerts,
) -> None:
    by_id = {gap.id: gap for gap in gaps}
    home: dict[int, Gap] = {}
    for label, owner in owners.items():
        if owner is None:
            title = gap_title(members[by_label[label][0]].text)
            gap = Gap(title=title, status="open", audience=report.audience, community=report.community, count=0)
            db.session.add(gap)
            db.session.flush()  # the new gap's id, for the evidence rows and the audit trail
            report.created.append(gap.id)
            home[label] = gap
        else:
            home[label] = by_id[owner]
    flows: Counter[tuple[int, int]] = Counter()  # (from gap, to gap) -> questions
    for label, positions in by_label.items():
        target = home[label]
        for position in positions:
            member = members[position]
            if member.gap_id != target.id:
                flows[(member.gap_id, target.id)] += 1
                db.session.execute(
                    update(GapEvidence)
                    .where(GapEvidence.gap_id == member.gap_id, GapEvidence.message_id == member.message_id)
                    .values(gap_id=target.id)
                )
    changed = {to for _, to in flows} | {source for source, _ in flows}
    for label, positions in by_label.items():
        target = home[label]
        if target.id in changed:
            _summarise(target, [members[p] for p in positions], vectors[positions])
    for gap_id, label in absorbed.items():
        _merge_away(by_id[gap_id], home[label], flows)
    for (source, to), questions in sorted(flows.items()):
        if source not in absorbed:
            _event(source, "auto_moved_out", to=to, questions=questions)
    for to in sorted({to for _, to in flows}):
        sources = [{"gap": source, "questions": n} for (source, target), n in sorted(flows.items()) if target == to]
        _event(to, "auto_split" if to in report.created else "auto_merged_from", sources=sources)
    db.session.flush()
    for gap in home.values():
        if gap.id in changed:
            gap.count = _distinct_messages(gap.id)  # includes questions captured while this ran
    _check_untouched([gap.id for gap in gaps])
    db.session.commit()
    report.merged = [{"gap": gap_id, "into": home[label].id} for gap_id, label in absorbed.items()]
    for gap in home.values():
        if gap.id in changed:
            notify_if_due(gap, alerts)  # a regrouping can take a gap past the alert count


def _summarise(gap: Gap, members: Sequence[_Member], vectors: npt.NDArray[np.float32]) -> None:
    """A changed gap's stored state from its questions: what assignment, merges and the queue read."""
    order = representative_order(vectors)
    gap.title = gap_title(members[order[0]].text)
    gap.count = len(members)
    gap.centroid = [float(x) for x in vectors.astype(np.float64).mean(axis=0)]
    profile = token_profile([tokenize(m.text) for m in members], GAP_CONFIG.profile_tokens)
    gap.token_counts = {token: int(n) for token, n in profile.items()}
    gap.first_seen = min(m.first for m in members)
    gap.last_seen = max(m.last for m in members)


def _merge_away(gap: Gap, into: Gap, flows: Counter[tuple[int, int]]) -> None:
    # Evidence that arrived after the questions were loaded goes where the rest went.
    db.session.execute(update(GapEvidence).where(GapEvidence.gap_id == gap.id).values(gap_id=into.id))
    gap.status = "dismissed"
    gap.dismissed_reason = f"merged into gap {into.id}"
    gap.count = 0
    gap.centroid, gap.token_counts = [], {}
    moved = sum(n for (source, _), n in flows.items() if source == gap.id)
    _event(gap.id, "auto_merge", into=into.id, questions=moved)


def _distinct_messages(gap_id: int) -> int:
    query = select(func.count(func.distinct(GapEvidence.message_id))).where(GapEvidence.gap_id == gap_id)
    return int(db.session.scalar(query) or 0)


def _event(gap_id: int, action: str, **detail: Any) -> None:
    db.session.add(GapEvent(gap_id=gap_id, user_id=None, action=action, detail=detail))


def _check_untouched(gap_ids: list[int]) -> None:
    """Raise :class:`_Touched` if an editor assigned, commented on or acted on one of ``gap_ids`` meanwhile."""
    touched = db.session.scalars(
        select(Gap.id).where(
            Gap.id.in_(gap_ids),
            (Gap.assignee_id.is_not(None))
            | exists().where(GapComment.gap_id == Gap.id)
            | exists().where(GapEvent.gap_id == Gap.id, GapEvent.user_id.is_not(None)),
        )
    ).all()
    if touched:
        raise _Touched(f"gaps {sorted(touched)} changed by an editor during the regrouping")


def _within_limit(gaps: list[Gap]) -> list[Gap]:
    """The newest gaps up to ``max_regroup`` questions (memory grows with the square of the questions)."""
    chosen: list[Gap] = []
    total = 0
    for gap in sorted(gaps, key=lambda g: g.id, reverse=True):
        if chosen and total + gap.count > GAP_CONFIG.max_regroup:
            break
        chosen.append(gap)
        total += gap.count
    return sorted(chosen, key=lambda g: g.id)


def _members(gap_ids: list[int]) -> list[_Member]:
    rows = db.session.execute(
        select(GapEvidence.gap_id, GapEvidence.message_id, GapEvidence.question_masked, GapEvidence.created_at)
        .where(GapEvidence.gap_id.in_(gap_ids))
        .order_by(GapEvidence.id)
    ).all()
    first_row: dict[int, tuple[int, str]] = {}
    seen: dict[int, list[datetime]] = {}
    for gap_id, message_id, text, created_at in rows:
        first_row.setdefault(message_id, (gap_id, text))
        seen.setdefault(message_id, []).append(created_at or utcnow())
    return [
        _Member(message_id, gap_id, text, min(seen[message_id]), max(seen[message_id]))
        for message_id, (gap_id, text) in first_row.items()
    ]
