"""One person's chat data: find it, export it (right of access), delete it (right to erasure).

A person is named by a widget **session id** (the random id the widget keeps in the visitor's browser) or an
**e-mail address**. Their conversations are:

- for a session id: every conversation of that session (on any site: the ids are random, 16 to 128 characters);
- for an e-mail: the conversations of the employee account with that address; every conversation with a hand-off
  that gave it (the hand-off's e-mail, or its message mentioning it); every conversation whose question or
  feedback comment mentions it (all three masked when stored, so found this way only with
  ANSWERDESK_KEEP_RAW_QUESTIONS=true); and then every other
  conversation of the same widget sessions, since a session is one visitor's browser.

Deleting removes those conversations and everything under them (web/chat/erasure.py says what stays), in one
transaction with its audit entry. An employee's **account** stays (it is account management, and their articles,
comments and triage are the team's records); so do their edit suggestions, which the export lists.
The export is the data as stored: questions masked as they were stored, answers, citations, feedback, hand-offs,
plus, for an account, its profile, tokens' dates, edit suggestions, gap comments and its own audit entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, and_, func, or_, select

from web.audit.log import record, subject_digest
from web.chat.erasure import Deletion, count_rows, delete_conversations, forget_gap_questions, scrub_verification_texts
from web.db.models import (
    ApiToken,
    AuditEntry,
    Conversation,
    EditSuggestion,
    Feedback,
    GapComment,
    Handoff,
    Message,
    Site,
    User,
    db,
    utcnow,
)
from web.db.sql import LIKE_ESCAPE, escape_like
from web.http.payloads import is_email
from web.http.serialize import timestamp

_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,128}")  # as the widget sends it (web/access/callers.py)


@dataclass(frozen=True)
class Subject:
    kind: Literal["session", "email"]
    value: str

    @property
    def digest(self) -> str:
        return subject_digest(self.value)

    @property
    def target(self) -> str:
        """How the audit log names the person: never the id or address itself."""
        return f"{self.kind}:sha256:{self.digest[:16]}"


def parse_subject(session_id: str | None, email: str | None) -> Subject:
    """The person named by exactly one of ``session_id`` and ``email``; ValueError says what is wrong."""
    session_id, email = (session_id or "").strip(), (email or "").strip()
    if bool(session_id) == bool(email):
        raise ValueError("Give either a session id or an e-mail address.")
    if session_id:
        if not _SESSION_ID.fullmatch(session_id):
            raise ValueError("A session id has 16 to 128 letters, digits, '-' or '_'.")
        return Subject("session", session_id)
    if not is_email(email):
        raise ValueError(f"{email!r} is not an e-mail address.")
    return Subject("email", email.lower())


def find_account(subject: Subject) -> User | None:
    if subject.kind != "email":
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == subject.value))


def conversation_ids(subject: Subject) -> Select[str]:
    """A select of the ids of the person's conversations."""
    if subject.kind == "session":
        return select(Conversation.id).where(Conversation.session_id == subject.value)
    pattern = f"%{escape_like(subject.value)}%"
    mentioned = [
        select(Handoff.conversation_id).where(
            or_(
                func.lower(Handoff.email) == subject.value,
                func.lower(Handoff.message).like(pattern, escape=LIKE_ESCAPE),
            )
        ),
        select(Message.conversation_id).where(func.lower(Message.question).like(pattern, escape=LIKE_ESCAPE)),
        select(Message.conversation_id)
        .join(Feedback, Feedback.message_id == Message.id)
        .where(func.lower(Feedback.comment).like(pattern, escape=LIKE_ESCAPE)),
    ]
    account = find_account(subject)
    if account is not None:
        mentioned.append(select(Conversation.id).where(Conversation.user_id == account.id))
    found: set[str] = set()
    for query in mentioned:
        found.update(db.session.scalars(query).all())
    sessions = db.session.execute(
        select(Conversation.site_id, Conversation.session_id)
        .where(Conversation.id.in_(found), Conversation.session_id.is_not(None))
        .distinct()
    ).all()
    same_session = [
        and_(
            Conversation.session_id == session,
            Conversation.site_id.is_(None) if site is None else Conversation.site_id == site,
        )
        for site, session in sessions
    ]
    return select(Conversation.id).where(or_(Conversation.id.in_(found), *same_session))


# -- erasure -----------------------------------------------------------------------------------------------------
def delete_subject(subject: Subject, *, dry_run: bool = False) -> Deletion:
    """Delete the person's conversations and everything under them; with ``dry_run`` only count. The audit entry
    (``privacy.delete``, the person as a hash) is committed with the deletion."""
    ids = list(db.session.scalars(conversation_ids(subject)).all())
    if dry_run:
        return count_rows(select(Conversation.id).where(Conversation.id.in_(ids)))
    forget_gap_questions(ids)
    deleted = delete_conversations(ids)
    scrub_verification_texts()
    detail = {"subject": subject.kind, "sha256": subject.digest, **deleted.to_dict()}
    record("privacy.delete", subject.target, detail, commit=False)
    db.session.commit()
    return deleted


# -- access ------------------------------------------------------------------------------------------------------
def export_subject(subject: Subject) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready data; the export itself is audited (``privacy.export``)."""
    ids = conversation_ids(subject)
    conversations = db.session.scalars(
        select(Conversation).where(Conversation.id.in_(ids)).order_by(Conversation.created_at, Conversation.id)
    ).all()
    account = find_account(subject)
    data: dict[str, Any] = {
        "subject": {"kind": subject.kind, "value": subject.value},
        "exported_at": timestamp(utcnow()),
        "account": _account_json(account) if account is not None else None,
        "conversations": [_conversation_json(c) for c in conversations],
    }
    record("privacy.export", subject.target, {"subject": subject.kind, "conversations": len(conversations)})
    return data


def _account_json(user: User) -> dict[str, Any]:
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).all()
    suggestions = db.session.scalars(
        select(EditSuggestion).where(EditSuggestion.user_id == user.id).order_by(EditSuggestion.id)
    ).all()
    comments = db.session.scalars(select(GapComment).where(GapComment.user_id == user.id).order_by(GapComment.id))
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id))
    return {
        "email": user.email,
        "role": user.role,
        "communities": list(user.communities),
        "created_at": timestamp(user.created_at),
        "api_tokens": [
            {"created_at": timestamp(t.created_at), "last_used_at": timestamp(t.last_used_at)} for t in tokens
        ],
        "edit_suggestions": [
            {"document_id": s.document_id, "text": s.text, "status": s.status, "created_at": timestamp(s.created_at)}
            for s in suggestions
        ],
        "gap_comments": [{"gap_id": c.gap_id, "text": c.text, "created_at": timestamp(c.created_at)} for c in comments],
        "audit_entries": [
            {"time": timestamp(e.created_at), "action": e.action, "target": e.target, "ip": e.ip, "via": e.via}
            for e in audit
        ],
    }


def _conversation_json(conversation: Conversation) -> dict[str, Any]:
    site = db.session.get(Site, conversation.site_id) if conversation.site_id is not None else None
    return {
        "id": conversation.id,
        "audience": conversation.audience,
        "site": site.name if site is not None else None,
        "session_id": conversation.session_id,
        # Where a Slack conversation is (ids, not names): stored with it, so theirs to see.
        "slack_thread": {
            "team": conversation.slack_team_id,
            "channel": conversation.slack_channel_id,
            "thread_ts": conversation.slack_thread_ts,
        }
        if conversation.in_slack
        else None,
        "created_at": timestamp(conversation.created_at),
        "updated_at": timestamp(conversation.updated_at),
        "messages": [
            {
                "id": m.id,
                "created_at": timestamp(m.created_at),
                "question": m.question,
                "answer": m.answer,
                "status": m.status,
                "citations": [c.get("id") for c in m.citations or []],
                "feedback": [
                    {
                        "helpful": f.helpful,
                        "reasons": f.reasons,
                        "comment": f.comment,
                        "created_at": timestamp(f.created_at),
                    }
                    for f in m.feedback
                ],
            }
            for m in conversation.messages
        ],
        "handoffs": [
            {
                "email": h.email,
                "message": h.message,
                "status": h.status,
                "created_at": timestamp(h.created_at),
                # The team's answer was written to this person: it is their data too (who wrote it is not).
                "reply": h.reply,
                "answered_at": timestamp(h.handled_at) if h.status == "answered" else None,
            }
            for h in conversation.handoffs
        ],
    }
