"""The JSON shapes of stored rows, as the API returns them (see web/api/openapi/document.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from web.db.models import Conversation, Feedback, Handoff, Message


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC (stored naive, always UTC)."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def message_json(message: Message) -> dict[str, Any]:
    latest = message.feedback[-1] if message.feedback else None
    return {
        "id": message.id,
        "question": message.question,
        "answer": message.answer,
        "status": message.status,
        "error_code": message.error_code,
        "is_gap": message.is_gap,
        "reason": message.reason,
        "intent": message.intent,
        "confidence": round(message.confidence, 4) if message.confidence is not None else None,
        "language": message.language,
        "citations": message.citations,
        "sources": message.sources,
        "related": message.related,
        # The latest 👍/👎, so that a client restoring the conversation can show it.
        "helpful": latest.helpful if latest else None,
        "created_at": timestamp(message.created_at),
    }


def conversation_summary(conversation: Conversation) -> dict[str, Any]:
    first = conversation.messages[0].question if conversation.messages else ""
    return {
        "id": conversation.id,
        "audience": conversation.audience,
        "title": first[:120],
        "messages": len(conversation.messages),
        "created_at": timestamp(conversation.created_at),
        "updated_at": timestamp(conversation.updated_at),
    }


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "audience": conversation.audience,
        "created_at": timestamp(conversation.created_at),
        "updated_at": timestamp(conversation.updated_at),
        "messages": [message_json(m) for m in conversation.messages],
        "handoffs": [conversation_handoff_json(h) for h in sorted(conversation.handoffs, key=lambda h: h.id)],
    }


def conversation_handoff_json(handoff: Handoff) -> dict[str, Any]:
    """A hand-off as the person who asked sees it: its status and the team's reply, not who wrote it."""
    return {
        "id": handoff.id,
        "status": handoff.status,
        "reply": handoff.reply,
        "answered_at": timestamp(handoff.handled_at) if handoff.status == "answered" else None,
        "created_at": timestamp(handoff.created_at),
    }


def feedback_json(feedback: Feedback) -> dict[str, Any]:
    return {
        "id": feedback.id,
        "message_id": feedback.message_id,
        "helpful": feedback.helpful,
        "reasons": feedback.reasons,
        "comment": feedback.comment,
        "created_at": timestamp(feedback.created_at),
    }


def handoff_json(handoff: Handoff) -> dict[str, Any]:
    return {
        "id": handoff.id,
        "conversation_id": handoff.conversation_id,
        "email": handoff.email,
        "message": handoff.message,
        "status": handoff.status,
        "reply": handoff.reply,
        "handled_at": timestamp(handoff.handled_at),
        "created_at": timestamp(handoff.created_at),
    }


def inbox_handoff_json(handoff: Handoff, question: str) -> dict[str, Any]:
    """A hand-off as the agents' API returns it: with who handled it, where it was asked (the reply goes back there),
    the reply's delivery outcome and the question."""
    return {
        **handoff_json(handoff),
        "question": question,
        "handled_by": handoff.handled_by.email if handoff.handled_by is not None else None,
        "asked_in": "slack" if handoff.conversation.in_slack else "chat",
        "email_status": handoff.email_status,
        "email_error": handoff.email_error,
        "slack_status": handoff.slack_status,
        "slack_error": handoff.slack_error,
    }
