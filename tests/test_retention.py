"""Retention: conversations quiet for ANSWERDESK_RETENTION_DAYS go with everything under them, by `answerdesk
privacy purge` and once a day in the serving process; newer ones stay and gaps keep their counts (real SQLite,
real app, the real CLI through click's runner)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from chatbot.config import Settings, load_settings
from tests.privacy_data import Person, add_conversation, answerdesk, new_gap, resolve_with_failures, traces
from web import create_app
from web.access.accounts import create_site
from web.chat.erasure import DELETED_TEXT
from web.chat.retention import BACKGROUND_CONFIG, claim_run, run_if_due
from web.db.engine import upgrade_database
from web.db.models import AuditEntry, Conversation, Feedback, Gap, Handoff, Message, db, utcnow


@pytest.fixture
def history(app: Flask) -> dict[str, Person]:
    """Old: 400 days quiet. Fresh: 10 days. Revived: started 400 days ago, a new 👎 yesterday. All in one gap."""
    site = create_site("shop", ["https://shop.example"])
    old, fresh, revived = Person("zqxold"), Person("zqxfresh"), Person("zqxrevived")
    gap = new_gap()
    add_conversation(
        old, session_id="old-session-0123456789", site_id=site.id, age_days=400, handoff_email="o@x.io", gap=gap
    )
    add_conversation(fresh, session_id="fresh-session-012345678", site_id=site.id, age_days=10, gap=gap)
    add_conversation(revived, session_id="revived-session-0123456", site_id=site.id, age_days=400, gap=gap)
    db.session.add(Feedback(message_id=revived.message_ids[1], helpful=False, created_at=utcnow()))
    gap.title = old.question(0)
    resolve_with_failures(gap, [(old.message_ids[0], old.question(0)), (fresh.message_ids[0], fresh.question(0))])
    return {"old": old, "fresh": fresh, "revived": revived}


def footprint(person: Person) -> dict[str, int]:
    ids: dict[str, set[object]] = {"messages": set(person.message_ids), "conversations": set(person.conversation_ids)}
    return traces([person.marker, *person.conversation_ids], ids)


def gap_state() -> tuple[int, str, dict[str, int], list[float]]:
    gap = db.session.scalars(select(Gap)).one()
    db.session.refresh(gap)
    return gap.count, gap.title, dict(gap.token_counts), list(gap.centroid)


def test_the_purge_deletes_old_conversations_keeps_new_ones_and_gap_counts(
    app: Flask, runner: FlaskCliRunner, history: dict[str, Person]
) -> None:
    gap_before = gap_state()
    kept_before = (footprint(history["fresh"]), footprint(history["revived"]))

    result = answerdesk(runner, "privacy", "purge", "--older-than", "365", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["conversations"], report["messages"], report["feedback"], report["handoffs"]) == (1, 2, 1, 1)
    assert report["gap_evidence"] == 2 and report["days"] == 365 and not report["dry_run"]
    db.session.expire_all()
    old = footprint(history["old"])
    # Only the gap's title (a masked question, kept on purpose) still shows the old question.
    assert old == {"gaps": 1}, old
    assert (footprint(history["fresh"]), footprint(history["revived"])) == kept_before
    assert gap_state() == gap_before, "the gap's count, title, words and mean stay"
    gap = db.session.scalars(select(Gap)).one()
    assert gap.resolution is not None
    assert gap.resolution["verification"]["failing"] == [DELETED_TEXT, history["fresh"].question(0)]
    replays = gap.resolution["verification"]["replays"]
    assert [r["question"] for r in replays] == [DELETED_TEXT, history["fresh"].question(0)]
    assert "zqxold" not in json.dumps(replays)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.purge")).one()
    assert entry.via == "cli" and entry.detail["conversations"] == 1 and entry.target == "older than 365 days"


def test_a_dry_run_counts_only(app: Flask, runner: FlaskCliRunner, history: dict[str, Person]) -> None:
    result = answerdesk(runner, "privacy", "purge", "--older-than", "365", "--dry-run")
    assert result.exit_code == 0 and "would delete" in result.output and "conversations: 1" in result.output
    assert footprint(history["old"]) != {"gaps": 1}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.purge")) is None


def test_the_purge_needs_a_period(app: Flask, runner: FlaskCliRunner) -> None:
    result = answerdesk(runner, "privacy", "purge")
    assert result.exit_code == 2 and "ANSWERDESK_RETENTION_DAYS" in result.output


def test_the_setting_is_read_and_checked() -> None:
    assert load_settings({}).retention_days == 0
    assert load_settings({"ANSWERDESK_RETENTION_DAYS": "90"}).retention_days == 90
    with pytest.raises(Exception, match="ANSWERDESK_RETENTION_DAYS"):
        load_settings({"ANSWERDESK_RETENTION_DAYS": "-1"})


def retention_app(tmp_path: Path, days: int) -> Flask:
    app = create_app(Settings(data_dir=tmp_path / "var", rate_limit="off", retention_days=days), TESTING=True)
    upgrade_database(app)
    return app


def test_the_setting_drives_the_command(tmp_path: Path) -> None:
    app = retention_app(tmp_path, 30)
    with app.app_context():
        add_conversation(Person("zqxmonth"), session_id="month-session-012345678", age_days=31)
        result = answerdesk(app.test_cli_runner(), "privacy", "purge")
        assert result.exit_code == 0 and "(30 days): deleted" in result.output
        assert db.session.scalar(select(Conversation.id)) is None


def test_one_worker_purges_once_a_day(tmp_path: Path) -> None:
    app = retention_app(tmp_path, 30)
    with app.app_context():
        add_conversation(Person("zqxdaily"), session_id="daily-session-012345678", age_days=60)
    first, second = run_if_due(app), run_if_due(app)  # two workers, the same day
    assert first is not None and first.deleted.conversations == 1 and second is None
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.purge")).one()
        assert (entry.actor, entry.via) == ("answerdesk", "system")
        assert claim_run("another-job", timedelta(0)) is True  # a job of its own name is free


def test_the_first_request_starts_the_daily_purge(tmp_path: Path) -> None:
    app = retention_app(tmp_path, 30)
    app.config[BACKGROUND_CONFIG] = True
    with app.app_context():
        add_conversation(Person("zqxserved"), session_id="serve-session-012345678", age_days=60)
    assert app.test_client().get("/healthz").status_code == 200
    deadline = time.monotonic() + 20
    with app.app_context():
        while db.session.scalar(select(Message.id)) is not None and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.1)
        assert db.session.scalar(select(Message.id)) is None
        assert db.session.scalar(select(Handoff.id)) is None


def test_no_background_purge_without_a_period(tmp_path: Path) -> None:
    app = retention_app(tmp_path, 0)
    app.config[BACKGROUND_CONFIG] = True
    app.test_client().get("/healthz")
    assert "answerdesk_retention_thread" not in app.extensions
