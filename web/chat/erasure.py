"""Deleting conversations with everything that hangs off them: the one deletion that retention (retention.py) and a
visitor's request (subjects.py) share.

A conversation goes whole: its messages, their feedback and gap evidence, its hand-offs, then the row itself,
deleted explicitly child first (SQLite does not enforce ``ON DELETE CASCADE`` unless asked to, and bulk deletes
skip the ORM's cascades). What stays, and why:

- **Gaps** keep their count, first and last time seen, mean vector, status, comments and audit trail: they are the
  editors' record of what the knowledge base lacked, and a count is not anybody's data. Their title is a masked
  question and stays after a retention purge; after a visitor's deletion request a title that was one of *their*
  questions is replaced by another question of the gap (or a placeholder), and their words leave the gap's word
  counts (:func:`forget_gap_questions`).
- **A resolve's verification** (on the gap and in its event trail) lists the masked questions that still failed,
  and (on the gap) what the bot answered each replayed question; the text of a question whose message is gone, and
  of the answer it got (a writer model may repeat the question), becomes ``[deleted]``
  (:func:`scrub_verification_texts`), its id, outcome and the counts stay.
- Editors' and admins' own records (accounts, articles and their versions, comments, gap events, edit
  suggestions, the audit log) are not chat data: see ``KEPT_TABLES``.

Every table of the database is listed in ``CHAT_TABLES`` or ``KEPT_TABLES`` (a test walks the models), so a new
table cannot hold visitors' data without a decision here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select

from chatbot.keyword import tokenize
from web.db.models import Conversation, Feedback, Gap, GapEvent, GapEvidence, Handoff, Message, db
from web.gaps.titles import gap_title, is_title_of

DELETED_TEXT = "[deleted]"
DELETED_TITLE = "(question deleted at the visitor's request)"
# Tables whose rows are a visitor's or employee's chat data: deleted with their conversation.
CHAT_TABLES = ("conversations", "messages", "feedback", "handoffs", "gap_evidence")
# Every other table, and why its rows stay when a conversation goes.
KEPT_TABLES = {
    "users": "employee accounts: account management, not chat data",
    "api_tokens": "hashes of employees' tokens",
    "sites": "websites that embed the widget",
    "documents": "the knowledge base",
    "document_versions": "the knowledge base's history (an FAQ's attached phrasings are masked questions)",
    "edit_suggestions": "employees' proposals about documents: work records",
    "gaps": "counts and masked titles; a deleted visitor's title and words are taken out",
    "gap_comments": "editors' notes",
    "gap_events": "the editors' trail; failing question texts (and replayed answers) of deleted messages are scrubbed",
    "audit_log": "who did what: ids, names and counts; privacy subjects only as hashes",
    "scheduled_runs": "when periodic jobs last ran",
    "login_sessions": "employees' sign-ins (token hashes, expiry): account management, not chat data",
    "login_throttles": "sign-in attempt counts per email hash, for the back-off; forgotten after a quiet day",
    "slack_deliveries": "Slack event ids and message timestamps, no text, kept a day so that retries are answered once",
    "alembic_version": "the schema version",
}


@dataclass
class Deletion:
    """Rows deleted (or, for a dry run, that would be), table by table."""

    conversations: int = 0
    messages: int = 0
    feedback: int = 0
    handoffs: int = 0
    gap_evidence: int = 0

    def __iadd__(self, other: Deletion) -> Deletion:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)
        return self

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


def count_rows(conversation_ids: Select[Any]) -> Deletion:
    """What deleting the conversations selected by ``conversation_ids`` (a one-column select) would delete."""
    messages = select(Message.id).where(Message.conversation_id.in_(conversation_ids))

    def count(model: Any, condition: ColumnElement[bool]) -> int:
        return int(db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0)

    return Deletion(
        conversations=count(Conversation, Conversation.id.in_(conversation_ids)),
        messages=count(Message, Message.conversation_id.in_(conversation_ids)),
        feedback=count(Feedback, Feedback.message_id.in_(messages)),
        handoffs=count(Handoff, Handoff.conversation_id.in_(conversation_ids)),
        gap_evidence=count(GapEvidence, GapEvidence.message_id.in_(messages)),
    )


def delete_conversations(conversation_ids: Sequence[str]) -> Deletion:
    """Delete the conversations and every row under them; the caller commits (one transaction per batch)."""
    ids = list(conversation_ids)
    if not ids:
        return Deletion()
    messages = select(Message.id).where(Message.conversation_id.in_(ids))

    def remove(model: Any, condition: ColumnElement[bool]) -> int:
        statement = delete(model).where(condition).execution_options(synchronize_session=False)
        return int(getattr(db.session.execute(statement), "rowcount", 0) or 0)

    return Deletion(
        gap_evidence=remove(GapEvidence, GapEvidence.message_id.in_(messages)),
        feedback=remove(Feedback, Feedback.message_id.in_(messages)),
        handoffs=remove(Handoff, Handoff.conversation_id.in_(ids)),
        messages=remove(Message, Message.conversation_id.in_(ids)),
        conversations=remove(Conversation, Conversation.id.in_(ids)),
    )


def forget_gap_questions(conversation_ids: Sequence[str]) -> None:
    """Before a visitor's conversations are deleted: take their questions' words out of their gaps' word counts,
    and give a gap whose title is one of their questions another of its questions as title. Counts stay."""
    rows = db.session.execute(
        select(GapEvidence.gap_id, GapEvidence.message_id, GapEvidence.question_masked)
        .join(Message, Message.id == GapEvidence.message_id)
        .where(Message.conversation_id.in_(list(conversation_ids)))
    ).all()
    questions: dict[int, dict[int, str]] = {}  # gap -> message -> masked question (once per message)
    for gap_id, message_id, text in rows:
        questions.setdefault(gap_id, {})[message_id] = text
    for gap_id, theirs in questions.items():
        gap = db.session.get(Gap, gap_id)
        if gap is None:
            continue
        words: Counter[str] = Counter()
        for text in theirs.values():
            words.update(tokenize(text))
        gap.token_counts = dict(Counter(gap.token_counts) - words)  # subtraction drops counts <= 0
        if any(is_title_of(gap.title, text) for text in theirs.values()):
            other = _other_question(gap_id, theirs)
            gap.title = gap_title(other) if other else DELETED_TITLE


def _other_question(gap_id: int, excluded: Iterable[int]) -> str | None:
    query = (
        select(GapEvidence.question_masked)
        .where(GapEvidence.gap_id == gap_id, GapEvidence.message_id.not_in(list(excluded)))
        .order_by(GapEvidence.id)
        .limit(1)
    )
    return db.session.scalar(query)


def scrub_verification_texts() -> int:
    """Replace the failing-question texts of resolves whose message no longer exists with ``[deleted]``, and the
    question and answer of their replays, on gaps and in their events. Idempotent (it looks at what exists, not at
    what was just deleted); returns how many texts it replaced."""
    holders: list[tuple[Any, dict[str, Any]]] = []
    for gap in db.session.scalars(select(Gap).where(Gap.resolution.is_not(None))):
        holders.append((gap, gap.resolution or {}))
    for event in db.session.scalars(select(GapEvent).where(GapEvent.action == "resolve")):
        holders.append((event, event.detail or {}))
    referenced = {i for _, data in holders for i in _verification(data).get("failing_message_ids") or []}
    referenced |= {i for _, data in holders for i in _replay_message_ids(_verification(data))}
    existing = (
        set(db.session.scalars(select(Message.id).where(Message.id.in_(referenced))).all()) if referenced else set()
    )
    replaced = 0
    for row, data in holders:
        verification = _verification(data)
        ids = verification.get("failing_message_ids") or []
        texts = list(verification.get("failing") or [])
        changed = False
        for position, message_id in enumerate(ids):
            if message_id not in existing and position < len(texts) and texts[position] != DELETED_TEXT:
                texts[position] = DELETED_TEXT
                changed = True
                replaced += 1
        replays = [dict(r) if isinstance(r, dict) else r for r in verification.get("replays") or []]
        for replay in replays:
            if not isinstance(replay, dict) or replay.get("message_id") in existing:
                continue
            for key in ("question", "answer"):
                if replay.get(key) not in (None, DELETED_TEXT):
                    replay[key] = DELETED_TEXT
                    changed = True
                    replaced += 1
        if changed:
            scrubbed = {**verification}
            if "failing" in verification:
                scrubbed["failing"] = texts
            if "replays" in verification:
                scrubbed["replays"] = replays
            new = {**data, "verification": scrubbed}
            if isinstance(row, Gap):
                row.resolution = new
            else:
                row.detail = new
    return replaced


def _replay_message_ids(verification: dict[str, Any]) -> list[int]:
    replays = verification.get("replays") or []
    return [r["message_id"] for r in replays if isinstance(r, dict) and isinstance(r.get("message_id"), int)]


def _verification(data: dict[str, Any]) -> dict[str, Any]:
    verification = data.get("verification")
    return verification if isinstance(verification, dict) else {}
