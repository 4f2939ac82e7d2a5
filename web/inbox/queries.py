"""Reading the inbox: hand-off requests by status, one request, and what the person had asked before it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from web.db.models import HANDOFF_STATUSES, Handoff, Message, db, is_question

INBOX_PAGE_SIZE = 50
MAX_LIST_LIMIT = 100


def find_handoff(handoff_id: int) -> Handoff | None:
    return db.session.get(Handoff, handoff_id)


def list_handoffs(status: str | None = "open", limit: int = INBOX_PAGE_SIZE, offset: int = 0) -> Sequence[Handoff]:
    """Newest first (the open ones are the inbox: the latest request is the one whose customer is still around);
    ``status`` None lists every status."""
    query = select(Handoff).order_by(Handoff.created_at.desc(), Handoff.id.desc()).limit(limit).offset(offset)
    if status is not None:
        query = query.where(Handoff.status == status)
    return db.session.scalars(query).all()


def count_handoffs(status: str | None = "open") -> int:
    query = select(func.count()).select_from(Handoff)
    if status is not None:
        query = query.where(Handoff.status == status)
    return int(db.session.scalar(query) or 0)


def counts_by_status() -> dict[str, int]:
    rows = db.session.execute(select(Handoff.status, func.count()).group_by(Handoff.status)).all()
    found = {str(status): int(count) for status, count in rows}
    return {status: found.get(status, 0) for status in HANDOFF_STATUSES}


def last_question(handoff: Handoff) -> Message | None:
    """The last question asked before the request (not "I want a person" or "thanks": those are not questions):
    what the person is waiting to have answered."""
    query = (
        select(Message)
        .where(
            Message.conversation_id == handoff.conversation_id,
            Message.created_at <= handoff.created_at,
            is_question(),
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def customer_question(handoff: Handoff) -> str:
    """What the person wants answered, in their words: the last question before the request, else the message
    they left with it (a request made before any question)."""
    message = last_question(handoff)
    if message is not None:
        return message.question
    return handoff.message or ""
