"""Regrouping the untouched open gaps in the database (web.gaps.consolidation) with the real MiniLM and real SQLite:
questions of one topic end in one gap, gaps editors touched stay as they are, audiences never mix, the audit trail
and the stored clustering state follow, and the automatic trigger never fails a chat turn."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest
from flask import Flask, current_app
from sqlalchemy import select

from chatbot.embedders import Embedder
from tests.test_gaps import TOPICS
from web.cli.gaps import gaps_group
from web.db.models import Conversation, Gap, GapComment, GapEvent, GapEvidence, Message, User, db, utcnow
from web.gaps.consolidation import (
    ConsolidationReport,
    ConsolidationSchedule,
    consolidate_open_gaps,
    consolidation_schedule,
    schedule_consolidation,
)
from web.gaps.notifications import GapAlerts, gap_alerts
from web.services import get_runtime, get_settings

pytestmark = pytest.mark.slow

REFUND, PASSWORD, SHIPPING = TOPICS["refund"], TOPICS["password"], TOPICS["shipping"]


@dataclass
class Seeded:
    """Gaps as an order-dependent online join might have left them: topics split over gaps and mixed."""

    mixed: Gap  # refund 0, 1 + password 0
    password: Gap  # password 1-4
    refund: Gap  # refund 2, 3
    shipping: Gap  # shipping 0-4 + refund 4
    assigned: Gap  # a refund question an editor owns
    commented: Gap  # a password question an editor commented on
    internal: Gap  # refund questions of employees


def _gap(audience: str, questions: Sequence[str], community: str | None = None, **fields: object) -> Gap:
    """A gap holding ``questions`` (one message each), with the state capture would have stored."""
    start = utcnow() - timedelta(days=1)
    conversation = Conversation(audience=audience)
    db.session.add(conversation)
    vectors = get_runtime_embedder().encode_queries(list(questions))
    gap = Gap(
        title=questions[0],
        status=str(fields.pop("status", "open")),
        audience=audience,
        community=community,
        count=len(questions),
        first_seen=start,
        last_seen=start + timedelta(minutes=len(questions)),
        centroid=[float(x) for x in np.mean(vectors, axis=0)],
        token_counts={},
        **fields,
    )
    db.session.add(gap)
    for minute, question in enumerate(questions):
        created = start + timedelta(minutes=minute)
        message = Message(
            conversation=conversation, question=question, audience=audience, is_gap=True, created_at=created
        )
        db.session.add(message)
        db.session.add(
            GapEvidence(gap=gap, message=message, kind="abstained", question_masked=question, created_at=created)
        )
    db.session.commit()
    return gap


def get_runtime_embedder() -> Embedder:
    return get_runtime(current_app).embedder


def alerts(app: Flask) -> GapAlerts:
    return gap_alerts(app, get_settings(app))


def consolidate(*, audience: str | None = None, dry_run: bool = False) -> ConsolidationReport:
    """As the command runs it: with the app's embedder and alert settings."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return consolidate_open_gaps(get_runtime_embedder(), alerts(app), audience=audience, dry_run=dry_run)


def schedule(app: Flask) -> ConsolidationSchedule:
    """As a capturing route builds it, per request (it reads GAP_CONSOLIDATE_EVERY then)."""
    return consolidation_schedule(app, get_settings(app), get_runtime(app).embedder, alerts(app))


@pytest.fixture
def seeded(app: Flask) -> Seeded:
    editor = User(email="editor@example.com", password_hash="x", role="editor")
    db.session.add(editor)
    db.session.commit()
    gaps = Seeded(
        mixed=_gap("public", [REFUND[0], REFUND[1], PASSWORD[0]]),
        password=_gap("public", PASSWORD[1:]),
        refund=_gap("public", REFUND[2:4]),
        shipping=_gap("public", [*SHIPPING, REFUND[4]]),
        assigned=_gap("public", ["Can I get my money back?"], status="assigned", assignee_id=editor.id),
        commented=_gap("public", ["I lost my password, what now?"]),
        internal=_gap("internal", [REFUND[0], REFUND[3]]),
    )
    db.session.add(GapComment(gap_id=gaps.commented.id, user_id=editor.id, text="looking into it"))
    db.session.commit()
    return gaps


def _questions(gap: Gap) -> set[str]:
    rows = db.session.scalars(select(GapEvidence.question_masked).where(GapEvidence.gap_id == gap.id)).all()
    return set(rows)


def _snapshot() -> list[tuple[int, int, str, int]]:
    rows = db.session.execute(
        select(GapEvidence.id, GapEvidence.gap_id, Gap.status, Gap.count).join(Gap).order_by(GapEvidence.id)
    ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def test_untouched_gaps_are_regrouped_by_topic(seeded: Seeded) -> None:
    report = consolidate()

    public = next(s for s in report.scopes if s.audience == "public")
    assert public.questions == 15 and public.gaps_before == 4 and public.gaps_after == 3
    assert public.moved == 4  # password 0 out of the mixed gap, refund 2, 3 into it, refund 4 out of shipping
    assert public.merged == [{"gap": seeded.refund.id, "into": seeded.mixed.id}]
    assert _questions(seeded.mixed) == set(REFUND)
    assert _questions(seeded.password) == set(PASSWORD)
    assert _questions(seeded.shipping) == set(SHIPPING)

    db.session.refresh(seeded.mixed)
    assert seeded.mixed.count == 5 and seeded.mixed.status == "open"
    assert seeded.mixed.title in REFUND
    assert "refund" in seeded.mixed.token_counts
    vectors = get_runtime_embedder().encode_queries(REFUND)
    assert np.allclose(seeded.mixed.centroid, np.mean(vectors, axis=0), atol=1e-5)
    first_refund = db.session.scalar(
        select(GapEvidence.created_at).where(GapEvidence.question_masked == REFUND[0]).order_by(GapEvidence.id)
    )
    assert seeded.mixed.first_seen == first_refund

    db.session.refresh(seeded.refund)
    assert seeded.refund.status == "dismissed" and seeded.refund.count == 0
    assert seeded.refund.dismissed_reason == f"merged into gap {seeded.mixed.id}"
    events = db.session.scalars(select(GapEvent).where(GapEvent.gap_id == seeded.refund.id)).all()
    assert [(e.action, e.user_id, e.detail["into"]) for e in events] == [("auto_merge", None, seeded.mixed.id)]
    received = db.session.scalars(
        select(GapEvent).where(GapEvent.gap_id == seeded.mixed.id, GapEvent.action == "auto_merged_from")
    ).one()
    assert {s["gap"] for s in received.detail["sources"]} == {seeded.refund.id, seeded.shipping.id}

    # Gaps an editor touched keep their questions; the internal scope is regrouped on its own.
    assert _questions(seeded.assigned) == {"Can I get my money back?"}
    assert _questions(seeded.commented) == {"I lost my password, what now?"}
    assert _questions(seeded.internal) == {REFUND[0], REFUND[3]}
    internal = next(s for s in report.scopes if s.audience == "internal")
    assert internal.moved == 0 and internal.gaps_after == 1

    # Regrouping again changes nothing: the result is a fixed point, not a reshuffle.
    again = consolidate()
    assert again.moved == 0 and again.merged == 0


def test_dry_run_writes_nothing(seeded: Seeded) -> None:
    before = _snapshot()
    report = consolidate(dry_run=True)
    assert report.dry_run and report.moved == 4 and report.merged == 1
    assert _snapshot() == before
    assert db.session.scalar(select(GapEvent.id).where(GapEvent.action.like("auto_%"))) is None


def test_an_editor_acting_meanwhile_cancels_the_scope(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    import web.gaps.consolidation as consolidation

    embed = consolidation.embed_questions

    def editor_comments_while_embedding(texts, embedder):  # type: ignore[no-untyped-def]
        db.session.add(GapComment(gap_id=seeded.refund.id, user_id=None, text="mine"))
        db.session.commit()
        return embed(texts, embedder)

    monkeypatch.setattr(consolidation, "embed_questions", editor_comments_while_embedding)
    before = _snapshot()
    report = consolidate(audience="public")
    (public,) = report.scopes
    assert public.skipped and str(seeded.refund.id) in public.skipped and public.moved == 0
    assert _snapshot() == before


def test_the_cli_command(app: Flask, seeded: Seeded) -> None:
    runner = app.test_cli_runner()
    dry = runner.invoke(gaps_group, ["consolidate", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "public/-: 15 questions in 4 gaps -> 3 gaps; would move 4 questions" in dry.output

    result = runner.invoke(gaps_group, ["consolidate", "--json", "--audience", "public"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["moved"] == 4 and body["merged"] == 1 and not body["dry_run"]
    assert [s["audience"] for s in body["scopes"]] == ["public"]


def test_automatic_regrouping_runs_in_the_background(app: Flask, seeded: Seeded) -> None:
    assert schedule_consolidation(50, schedule(app)) is None  # off in tests unless configured
    app.config["GAP_CONSOLIDATE_EVERY"] = 2
    assert schedule_consolidation(3, schedule(app)) is None
    thread = schedule_consolidation(4, schedule(app))
    assert thread is not None
    thread.join(timeout=120)
    assert not thread.is_alive()
    db.session.expire_all()
    assert _questions(seeded.mixed) == set(REFUND)


def test_scheduling_never_raises(app: Flask) -> None:
    # A broken schedule (here a setting that is not a number) costs the chat turn nothing: no exception, no thread.
    broken = ConsolidationSchedule(app, "often", get_runtime_embedder(), alerts(app))  # type: ignore[arg-type]
    assert schedule_consolidation(50, broken) is None
