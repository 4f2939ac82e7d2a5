"""Conversations, messages, feedback and hand-offs: every read and write of them, as small named functions.

Functions that write commit their own unit of work, except :func:`create_conversation`, which only adds the row:
a new conversation is committed together with its first message, so a turn costs one commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, select

from chatbot.followups import Turn
from chatbot.types import Answer
from web.access.callers import Owner
from web.chat.privacy import stored_question
from web.db.models import (
    INTENT_WRITER_PREFIX,
    Conversation,
    Feedback,
    Handoff,
    Message,
    db,
    is_question,
    new_conversation_id,
    utcnow,
)

# How many earlier turns follow-up resolution sees; it only looks at the last one today.
HISTORY_TURNS = 10


# -- conversations and messages ----------------------------------------------------------------------------------
def create_conversation(owner: Owner, audience: str) -> Conversation:
    """Add (not flush, not commit) a conversation: it is written together with its first message.

    Not flushed on purpose: on SQLite a flush opens the write transaction, which would then be held while the
    answerer works and make every other writer wait. The id is made here instead of by the flush.
    """
    conversation = Conversation(
        id=new_conversation_id(),
        audience=audience,
        user_id=owner.user_id,
        site_id=owner.site_id,
        session_id=owner.session_id,
    )
    db.session.add(conversation)
    return conversation


def save_conversation(conversation: Conversation) -> None:
    """Commit a new conversation on its own (before a streamed answer, which runs in another session)."""
    db.session.add(conversation)
    db.session.commit()


def find_conversation(conversation_id: str) -> Conversation | None:
    return db.session.get(Conversation, conversation_id)


def _owned_by(owner: Owner) -> ColumnElement[bool]:
    if owner.user_id is not None:
        return Conversation.user_id == owner.user_id
    if owner.site_id is not None and owner.session_id:
        return (Conversation.site_id == owner.site_id) & (Conversation.session_id == owner.session_id)
    return false()  # an owner without identity owns nothing


def conversation_for_owner(conversation_id: str, owner: Owner) -> Conversation | None:
    """The conversation if ``owner`` owns it; None whether it is someone else's or does not exist."""
    return db.session.scalar(select(Conversation).where(Conversation.id == conversation_id, _owned_by(owner)))


def conversations_for_owner(owner: Owner, limit: int = 50) -> Sequence[Conversation]:
    query = select(Conversation).where(_owned_by(owner)).order_by(Conversation.updated_at.desc()).limit(limit)
    return db.session.scalars(query).all()


def conversation_history(
    conversation: Conversation, max_turns: int = HISTORY_TURNS, before: int | None = None
) -> list[Turn]:
    """The earlier answered questions, oldest first (failed turns have no answer to follow up on; "thanks!" is not
    what a follow-up is about); ``before``: those asked before that message."""
    query = (
        select(Message.question, Message.answer)
        .where(Message.conversation_id == conversation.id, Message.status == "ok", is_question())
        .order_by(Message.id.desc())
        .limit(max_turns)
    )
    if before is not None:
        query = query.where(Message.id < before)
    rows = db.session.execute(query).all()
    return [Turn(question, answer or "") for question, answer in reversed(rows)]


def record_message(conversation: Conversation, answer: Answer, audience: str) -> Message:
    data = answer.to_dict()
    message = Message(
        conversation_id=conversation.id,
        question=stored_question(answer.question),
        answer=answer.answer,
        citations=data["citations"],
        sources=data["sources"],
        related=data["related"],
        confidence=answer.confidence,
        is_gap=answer.is_gap,
        reason=answer.reason,
        language=answer.language,
        latency_ms=answer.latency_ms,
        audience=audience,
        writer=f"{INTENT_WRITER_PREFIX}{answer.intent}" if answer.intent else answer.writer,
        status="ok",
    )
    return _commit_message(conversation, message)


def record_failed_message(conversation: Conversation, question: str, audience: str, error_code: str) -> Message:
    """Store a question the answerer could not answer: what the user sent is never lost."""
    message = Message(
        conversation_id=conversation.id,
        question=stored_question(question),
        answer=None,
        citations=[],
        sources=[],
        related=[],
        audience=audience,
        status="failed",
        error_code=error_code,
    )
    return _commit_message(conversation, message)


def _commit_message(conversation: Conversation, message: Message) -> Message:
    """Commit the turn without expiring what the session holds: the rows keep the values just written, so that the
    gap capture after it (a fifth of the turns of `make bench-load`) reads the message and its conversation from
    memory. Expired, each of them was selected again (the message's JSON columns and all) for every captured turn."""
    db.session.add(message)
    conversation.updated_at = utcnow()
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
    return message


def message_for_owner(message_id: int, owner: Owner) -> Message | None:
    query = select(Message).join(Conversation).where(Message.id == message_id, _owned_by(owner))
    return db.session.scalar(query)


# -- feedback and hand-offs --------------------------------------------------------------------------------------
def add_feedback(message: Message, helpful: bool, reasons: Sequence[str], comment: str | None) -> Feedback:
    """Store a 👍/👎 (committed). Its comment is free text like a question ("wrong, my card 4111... was charged"), so
    it is stored masked as questions are."""
    stored = stored_question(comment) if comment else comment
    feedback = Feedback(message_id=message.id, helpful=helpful, reasons=list(reasons), comment=stored)
    db.session.add(feedback)
    db.session.commit()
    return feedback


def add_handoff(conversation: Conversation, email: str | None, message: str | None) -> Handoff:
    """Store a request for a person (committed). Its message is free text like a question, where people paste card
    numbers and IBANs too, so it is stored masked as questions are; ``email`` is not: the reply is sent there."""
    stored = stored_question(message) if message else message
    handoff = Handoff(conversation_id=conversation.id, email=email, message=stored, status="open")
    db.session.add(handoff)
    db.session.commit()
    return handoff
