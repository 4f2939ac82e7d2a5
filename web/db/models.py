"""SQLAlchemy models (Flask-SQLAlchemy) of the web app, on the declarative ``Base`` of the document catalogue.

The catalogue (``Document``, ``DocumentVersion``) is plain SQLAlchemy in ingest/catalog.py, below the web app;
``db`` is built on its ``Base``, so every table shares one registry and one metadata (what migrations compare
against). The catalogue's names are re-exported here for the web code.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    inspect,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ingest.catalog import Base as Base
from ingest.catalog import Document as Document
from ingest.catalog import DocumentVersion as DocumentVersion
from ingest.catalog import utcnow as utcnow

db = SQLAlchemy(model_class=Base)


def new_conversation_id() -> str:
    return uuid.uuid4().hex


def committed_id(row: Conversation | Message) -> str | int:
    """The primary key of a conversation or message after its commit, without a query. A commit expires every
    attribute of the rows it wrote, and reading any of them, even the id, selects the whole row again (a message's
    JSON columns and all)."""
    identity: tuple[Any, ...] | None = inspect(row).identity
    return row.id if identity is None else identity[0]  # no identity yet: never flushed, the id is as set


# -- chat service ------------------------------------------------------------------------------------------------
ROLES = ("employee", "agent", "editor", "viewer", "admin")
FEEDBACK_REASONS = ("wrong", "outdated", "unclear", "incomplete", "other")


class Site(db.Model):  # type: ignore[name-defined,misc]
    """A website that embeds the widget. Its key is public by design (it sits in the page's HTML), so it is
    stored as is: what protects a site is its origin list and the rate limits, not the secrecy of the key."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """An employee: logs in to the help page and the editor, or calls the API with a personal token."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="employee")
    # The knowledge spaces this editor triages and writes for; empty: every community (a small team's one editor).
    communities: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")
    login_sessions: Mapped[list[LoginSession]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The session cookie holds the token of a login session (web/access/sessions.py) instead of the user id, so
    # that signing out can revoke it. The token an object was loaded through lives on the object, not in the row.
    def attach_login_token(self, token: str) -> None:
        self._login_token = token

    def get_login_token(self) -> str:
        """Flask-Login's id for this user (``login_manager.id_attribute``): the token of its login session."""
        token: str | None = getattr(self, "_login_token", None)
        if token is None:
            raise RuntimeError("this user was not signed in through web.access.sessions")
        return token


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    """A personal Bearer token. Only its SHA-256 is stored: a leaked database does not leak usable tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class LoginSession(db.Model):  # type: ignore[name-defined,misc]
    """A browser signed in as a user. The cookie carries a random token; only its SHA-256 is stored, and deleting
    the row signs that browser out, even if someone kept a copy of the cookie."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship(back_populates="login_sessions")


class Conversation(db.Model):  # type: ignore[name-defined,misc]
    """A thread of turns with one owner: a widget session on a site (site_id + session_id) or an employee."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_site_session", "site_id", "session_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_conversation_id)
    audience: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    # The widget's own random id (kept in the visitor's localStorage): anonymous visitors have no account.
    session_id: Mapped[str | None] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # A Slack thread's conversation: where it is, so that an agent's reply can be posted back into it (the id is
    # a one-way hash of channel and thread, web/slack/threads.py). NULL for every other conversation, and for
    # Slack threads started before these columns existed until someone in them asks for a person.
    slack_team_id: Mapped[str | None] = mapped_column(String(64))
    slack_channel_id: Mapped[str | None] = mapped_column(String(64))
    slack_thread_ts: Mapped[str | None] = mapped_column(String(32))

    site: Mapped[Site | None] = relationship()
    user: Mapped[User | None] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )
    handoffs: Mapped[list[Handoff]] = relationship(back_populates="conversation", cascade="all, delete-orphan")

    @property
    def in_slack(self) -> bool:
        """Whether this conversation is a Slack thread that replies can be posted to."""
        return self.slack_channel_id is not None and self.slack_thread_ts is not None


# A conversational turn ("hi", "thanks!", "I want a person": chatbot/intents.py) is stored with the writer
# "intent:<kind>". It is not a question: no gap evidence, not in the answer figures, not follow-up history.
INTENT_WRITER_PREFIX = "intent:"


class Message(db.Model):  # type: ignore[name-defined,misc]
    """One turn: the question always, and the answer with everything needed to audit it later."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Every retrieved document in rank order with its score, not only the cited ones: what gap analysis needs.
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    related: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    confidence: Mapped[float | None] = mapped_column(Float)
    is_gap: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    audience: Mapped[str] = mapped_column(String(16))
    writer: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="ok", index=True)  # ok | failed
    error_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    feedback: Mapped[list[Feedback]] = relationship(
        back_populates="message", order_by="Feedback.id", cascade="all, delete-orphan"
    )

    @property
    def intent(self) -> str | None:
        """The kind of a conversational turn ("greeting", "thanks", "goodbye", "handoff", "rejection", "clarify"), None
        for a question."""
        writer = self.writer or ""
        return writer.removeprefix(INTENT_WRITER_PREFIX) if writer.startswith(INTENT_WRITER_PREFIX) else None


def is_question() -> ColumnElement[bool]:
    """SQL: the message is a question (not a conversational turn; failed turns, with no writer, are questions)."""
    return or_(Message.writer.is_(None), Message.writer.not_like(INTENT_WRITER_PREFIX + "%"))


class Feedback(db.Model):  # type: ignore[name-defined,misc]
    """A 👍/👎 on an answer. Every click is kept (a user may change their mind); the latest one counts."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    message: Mapped[Message] = relationship(back_populates="feedback")


# open: waiting for a person; answered: an agent replied (shown in the widget, e-mailed when possible); closed:
# handled without a reply (spam, solved elsewhere). Answered and closed are final: one reply per request.
HANDOFF_STATUSES = ("open", "answered", "closed")
# What became of the e-mail of a reply: None (no address, or no mail server configured), "sent" or "failed".
EMAIL_STATUSES = ("sent", "failed")
# What became of a reply posted into the Slack thread a request came from: None (not from Slack, or Slack not
# configured when the reply was written), "sent" or "failed".
SLACK_STATUSES = ("sent", "failed")


class Handoff(db.Model):  # type: ignore[name-defined,misc]
    """A request to talk to a human, for the agents' inbox (web/inbox/), and the reply it got."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reply: Mapped[str | None] = mapped_column(Text)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    email_status: Mapped[str | None] = mapped_column(String(16))
    # Why the e-mail failed, as the mail server or the network said it (never the server's credentials).
    email_error: Mapped[str | None] = mapped_column(Text)
    # The same for the reply's message in the Slack thread (a request made in Slack is answered there, not by
    # e-mail: Slack gives no address). Why it failed is Slack's error code or the network's, never the token.
    slack_status: Mapped[str | None] = mapped_column(String(16))
    slack_error: Mapped[str | None] = mapped_column(Text)

    conversation: Mapped[Conversation] = relationship(back_populates="handoffs")
    handled_by: Mapped[User | None] = relationship()


# -- knowledge gaps ----------------------------------------------------------------------------------------------
GAP_STATUSES = ("open", "assigned", "resolved", "verified", "dismissed")
# Statuses a new piece of evidence may still join: a closed gap that gets new questions is a new gap.
GAP_OPEN_STATUSES = ("open", "assigned")
EVIDENCE_KINDS = ("abstained", "low_confidence", "downvoted", "handoff")


class Gap(db.Model):  # type: ignore[name-defined,misc]
    """A group of questions the bot could not (or not well) answer, for editors to triage and close.

    The centroid and token counts are the clustering state: kept here (not in a process) so that every gunicorn
    worker assigns new evidence against the same gaps, and restarts lose nothing.
    """

    __tablename__ = "gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Text)  # the representative question, masked
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    audience: Mapped[str] = mapped_column(String(16), index=True)
    community: Mapped[str | None] = mapped_column(String(128), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    count: Mapped[int] = mapped_column(Integer, default=0)  # distinct messages
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    centroid: Mapped[list[float]] = mapped_column(JSON, default=list)  # mean of the question vectors
    token_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"faq_id"} or {"article_id"}, + verification
    dismissed_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the webhook alert for this gap was queued: a gap alerts once, when it reaches the alert count.
    alerted_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    assignee: Mapped[User | None] = relationship()
    evidence: Mapped[list[GapEvidence]] = relationship(back_populates="gap", order_by="GapEvidence.id")


class GapEvidence(db.Model):  # type: ignore[name-defined,misc]
    """Why one message belongs to a gap; a message can be evidence once per kind (abstained, then 👎...)."""

    __tablename__ = "gap_evidence"
    __table_args__ = (UniqueConstraint("message_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("gaps.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    question_masked: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    gap: Mapped[Gap] = relationship(back_populates="evidence")
    message: Mapped[Message] = relationship()


class GapComment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "gap_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("gaps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class GapEvent(db.Model):  # type: ignore[name-defined,misc]
    """The audit trail: who assigned, merged, dismissed or resolved a gap, and with what outcome."""

    __tablename__ = "gap_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gap_id: Mapped[int] = mapped_column(ForeignKey("gaps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class EditSuggestion(db.Model):  # type: ignore[name-defined,misc]
    """An employee's proposed correction to a document, for its editors to apply or decline."""

    __tablename__ = "edit_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | applied | declined
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The editor who applied or declined it, and when: the second of two editors deciding it is told who was first
    # (web/articles/suggestions.py). Empty while open, and for suggestions decided before they were recorded.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


# -- audit log and scheduled jobs --------------------------------------------------------------------------------
class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    """Who did what, when and from where (web/audit/log.py writes them, web/audit/queries.py reads them).

    Append-only. ``actor`` is a copy of the e-mail (or ``cli:<os user>`` for a command, ``answerdesk`` for a
    scheduled job), so an entry still says who acted after the account is gone (``actor_id`` is then NULL).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(512))
    ip: Mapped[str | None] = mapped_column(String(64))  # the client address as ProxyFix sees it
    via: Mapped[str] = mapped_column(String(8))  # web | api | cli | system
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ScheduledRun(db.Model):  # type: ignore[name-defined,misc]
    """When a periodic job last started, so that one of several gunicorn workers runs it (a conditional UPDATE
    claims the run, as ``Gap.alerted_at`` does for webhook alerts)."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime)


# -- sign-in ------------------------------------------------------------------------------------------------------
class LoginThrottle(db.Model):  # type: ignore[name-defined,misc]
    """Sign-in attempts for one email, known or not, for the per-account back-off (web/access/login_throttle.py).

    Keyed by the SHA-256 of the lower-cased email, not by the account: an unknown email is throttled exactly like a
    known one (the answers cannot tell which emails have accounts), and no typed address is kept."""

    __tablename__ = "login_throttles"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Attempts since the last success, counted before the password is checked (see login_throttle.py).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


# -- Slack ---------------------------------------------------------------------------------------------------------
class SlackDelivery(db.Model):  # type: ignore[name-defined,misc]
    """A Slack event (or the Slack message it carries) that a worker has taken on, so that Slack's retries of it,
    which may reach another gunicorn worker, are not answered again (web/slack/deliveries.py). Kept for a day."""

    __tablename__ = "slack_deliveries"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)  # "event:<event_id>" or "message:<channel>:<ts>"
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
