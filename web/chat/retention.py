"""Retention: chat data older than ANSWERDESK_RETENTION_DAYS is deleted, by `answerdesk privacy purge` and once a
day by the running service.

Decisions, written down for docs/privacy.md:

- **Off by default** (0 keeps everything): deleting data on upgrade would surprise, and how long to keep chats is
  the operator's policy to set (Zendesk's deletion schedules are likewise opt-in).
- **A conversation goes whole**, when nothing happened in it for the retention period: it started before the
  cutoff, and no message, feedback or hand-off in it is newer. A conversation still in use is not cut in half;
  its old turns go once it has been quiet for the period. What goes with it and what stays (gaps keep their
  counts and masked titles) is web/chat/erasure.py's rule.
- **In batches** of ``BATCH`` conversations, one transaction each, so the chat keeps writing while a year of
  history is deleted (SQLite has one writer at a time).
- **Scheduling**: the first request a serving process handles starts a daemon thread that checks every hour
  whether a day has passed since the last purge; a conditional UPDATE on ``scheduled_runs`` lets exactly one
  gunicorn worker run it. Command-line processes never start it (they serve no request); cron can run
  `answerdesk privacy purge` instead or as well. A purge that fails is logged and tried again the next day.
- Every purge, automatic or not (not a dry run), writes a ``privacy.purge`` audit entry with the counts.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Select, exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from web.audit.log import record
from web.chat.erasure import Deletion, count_rows, delete_conversations, scrub_verification_texts
from web.db.models import Conversation, Feedback, Handoff, Message, ScheduledRun, db, utcnow
from web.http.serialize import timestamp
from web.services import get_settings

log = logging.getLogger(__name__)

JOB_NAME = "retention_purge"
BATCH = 500
RUN_EVERY = timedelta(days=1)
CHECK_EVERY_SECONDS = 3600
# app.config switch: the background purge stays off under TESTING unless a test turns it on.
BACKGROUND_CONFIG = "RETENTION_IN_BACKGROUND"
_THREAD_KEY = "answerdesk_retention_thread"
_start_lock = threading.Lock()


@dataclass
class PurgeReport:
    days: int
    cutoff: datetime
    dry_run: bool = False
    deleted: Deletion = field(default_factory=Deletion)

    def to_dict(self) -> dict[str, Any]:
        return {"days": self.days, "cutoff": timestamp(self.cutoff), "dry_run": self.dry_run, **self.deleted.to_dict()}


def expired_conversations(cutoff: datetime) -> Select[str]:
    """Ids of the conversations with no activity since ``cutoff``."""
    recent_message = exists().where(Message.conversation_id == Conversation.id, Message.created_at >= cutoff)
    # An agent's reply is activity too: the person may come back to read it.
    recent_handoff = exists().where(
        Handoff.conversation_id == Conversation.id, or_(Handoff.created_at >= cutoff, Handoff.handled_at >= cutoff)
    )
    recent_feedback = (
        select(Feedback.id)
        .join(Message, Message.id == Feedback.message_id)
        .where(Message.conversation_id == Conversation.id, Feedback.created_at >= cutoff)
        .exists()
    )
    return select(Conversation.id).where(
        Conversation.created_at < cutoff,
        Conversation.updated_at < cutoff,
        ~recent_message,
        ~recent_handoff,
        ~recent_feedback,
    )


def purge(days: int, *, dry_run: bool = False, system: bool = False) -> PurgeReport:
    """Delete the conversations quiet for ``days`` days (with everything under them); ``dry_run`` only counts.
    ``system``: run by the scheduler (the audit entry names answerdesk, not a person)."""
    if days <= 0:
        raise ValueError("the retention period must be at least one day")
    report = PurgeReport(days=days, cutoff=utcnow() - timedelta(days=days), dry_run=dry_run)
    if dry_run:
        report.deleted = count_rows(expired_conversations(report.cutoff))
        return report
    while True:
        ids = list(db.session.scalars(expired_conversations(report.cutoff).limit(BATCH)).all())
        if not ids:
            break
        batch = delete_conversations(ids)
        db.session.commit()
        report.deleted += batch
        if batch.conversations == 0:  # nothing could be deleted: never loop on the same batch
            break
    scrub_verification_texts()
    record("privacy.purge", f"older than {days} days", report.to_dict(), commit=False, system=system)
    db.session.commit()
    return report


# -- once a day in the service -----------------------------------------------------------------------------------
def init_retention(app: Flask) -> None:
    """With a retention period set, the first request of each serving process starts the daily purge."""
    if get_settings(app).retention_days <= 0:
        return

    @app.before_request
    def _start_daily_purge() -> None:
        if _THREAD_KEY in app.extensions or (app.testing and not app.config.get(BACKGROUND_CONFIG)):
            return
        with _start_lock:
            if _THREAD_KEY in app.extensions:
                return
            thread = threading.Thread(target=_run_daily, args=(app,), name="retention-purge", daemon=True)
            app.extensions[_THREAD_KEY] = thread
            thread.start()


def _run_daily(app: Flask) -> None:
    while True:
        run_if_due(app)
        time.sleep(CHECK_EVERY_SECONDS)


def run_if_due(app: Flask) -> PurgeReport | None:
    """Purge if no process of this database has in the last day; None when it was not due. Never raises."""
    try:
        with app.app_context():
            if not claim_run(JOB_NAME, RUN_EVERY):
                return None
            report = purge(get_settings(app).retention_days, system=True)
            log.info("retention purge: %s", report.to_dict())
            return report
    except Exception:
        log.exception("the retention purge failed; it is tried again tomorrow")
        return None


def claim_run(name: str, every: timedelta) -> bool:
    """Whether this process may run job ``name`` now: true for exactly one caller per ``every``."""
    now = utcnow()
    if db.session.get(ScheduledRun, name) is None:
        try:
            db.session.add(ScheduledRun(name=name))
            db.session.commit()
        except IntegrityError:  # another worker added it first
            db.session.rollback()
    claimed = db.session.execute(
        update(ScheduledRun)
        .where(
            ScheduledRun.name == name,
            or_(ScheduledRun.last_started_at.is_(None), ScheduledRun.last_started_at <= now - every),
        )
        .values(last_started_at=now)
    )
    db.session.commit()
    return int(getattr(claimed, "rowcount", 0) or 0) == 1
