"""Reading the inbox: hand-off requests by status, one request, and what the person had asked before it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select

from web.db.models import HANDOFF_STATUSES, Handoff, Message, db, is_question

# A sentence and its closing punctuation (English and Chinese), for finding the question in a long message.
_SENTENCE = re.compile(r"[^.?!\u3002\uff1f\uff01]+[.?!\u3002\uff1f\uff01]*")
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


def as_faq_question(message: str, limit: int) -> str:
    """A customer's message as an FAQ question of at most ``limit`` characters. A long message ("We moved offices
    last month and ... How do I change the address on my invoices?") is usually a story around one question: its
    last sentence asking something, when it fits; else the message cut at a word boundary, marked with an
    ellipsis. The editor reviews it before saving (a message over the limit used to fill the form with a question
    the form then refused)."""
    text = " ".join(message.split())
    if len(text) <= limit:
        return text
    sentences: list[str] = [s.strip() for s in _SENTENCE.findall(text)]
    asking = [s for s in sentences if s.endswith(("?", "\uff1f")) and len(s) <= limit]
    if asking:
        return asking[-1]
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]  # no half word (Chinese has no spaces: cut at the limit)
    return cut.rstrip(" ,;:") + "\u2026"
