"""The employee help page at /help: the same conversation features as the widget, in a full page, with internal
knowledge (the logged-in session is the caller, so no site key), next to the employee's past conversations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select

from web.db.models import Conversation, Message, User, db

bp = Blueprint("help", __name__)

PAST_CONVERSATIONS = 50


@dataclass(frozen=True)
class PastConversation:
    id: str
    first_question: str
    updated_at: datetime
    turns: int


def past_conversations(user_id: int, limit: int = PAST_CONVERSATIONS) -> list[PastConversation]:
    """The employee's latest conversations, newest first, each with its first question and number of turns
    (one query: correlated subqueries instead of one query per conversation)."""
    first_question = (
        select(Message.question)
        .where(Message.conversation_id == Conversation.id)
        .order_by(Message.id)
        .limit(1)
        .scalar_subquery()
    )
    turns = select(func.count(Message.id)).where(Message.conversation_id == Conversation.id).scalar_subquery()
    rows = db.session.execute(
        select(Conversation.id, first_question, Conversation.updated_at, turns)
        .where(Conversation.user_id == user_id, turns > 0)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(limit)
    ).all()
    return [PastConversation(str(cid), question or "", updated, count) for cid, question, updated, count in rows]


def owns_conversation(user_id: int, conversation_id: str) -> bool:
    found = db.session.scalar(
        select(Conversation.id).where(Conversation.id == conversation_id, Conversation.user_id == user_id)
    )
    return found is not None


@bp.get("/help")
@login_required  # type: ignore[untyped-decorator]
def help_page() -> str:
    user = cast(User, current_user)
    conversations: Sequence[PastConversation] = past_conversations(user.id)
    selected = request.args.get("c", "").strip()[:64]
    if selected and not owns_conversation(user.id, selected):
        selected = ""  # someone else's or unknown: open a fresh page rather than reveal anything
    return render_template(
        "help.html",
        user=user,
        conversations=conversations,
        selected=selected or None,
    )
