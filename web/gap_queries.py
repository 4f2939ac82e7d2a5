"""Reading gaps for editors: the ranked queue and one gap with its questions, as the API returns them.

Everything shown to editors goes through :func:`web.privacy.mask_pii` again on the way out, even when the
operator keeps raw questions: editors never need a customer's card or e-mail to close a gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from web.models import Gap, GapEvidence, Message, db, utcnow
from web.privacy import mask_pii
from web.serialize import timestamp

# A gap's rank halves every this many days without new questions: the queue favours what hurts users now.
RANK_HALF_LIFE_DAYS = 7.0
QUEUE_LIMIT = 200


def rank(gap: Gap, now: datetime) -> float:
    """count x recency."""
    age_days = max((now - gap.last_seen).total_seconds(), 0.0) / 86400.0
    return gap.count * math.pow(0.5, age_days / RANK_HALF_LIFE_DAYS)


def gap_queue(status: str | None = None, community: str | None = None) -> list[Gap]:
    query = select(Gap)
    if status:
        query = query.where(Gap.status == status)
    if community:
        query = query.where(Gap.community == community)
    # Candidates by recency, then ranked in Python: the rank's decay is not portable SQL.
    rows = db.session.scalars(query.order_by(Gap.last_seen.desc()).limit(QUEUE_LIMIT * 5)).all()
    now = utcnow()
    return sorted(rows, key=lambda g: (-rank(g, now), -g.id))[:QUEUE_LIMIT]


def find_gap(gap_id: int) -> Gap | None:
    return db.session.get(Gap, gap_id)


def gap_messages(gap: Gap) -> list[tuple[Message, list[str]]]:
    """The gap's distinct messages, oldest first, each with its evidence kinds."""
    rows = db.session.execute(
        select(Message, GapEvidence.kind)
        .join(GapEvidence, GapEvidence.message_id == Message.id)
        .where(GapEvidence.gap_id == gap.id)
        .order_by(Message.id, GapEvidence.id)
    ).all()
    grouped: dict[int, tuple[Message, list[str]]] = {}
    for message, kind in rows:
        grouped.setdefault(message.id, (message, []))[1].append(kind)
    return list(grouped.values())


def gap_summary(gap: Gap) -> dict[str, Any]:
    return {
        "id": gap.id,
        "title": mask_pii(gap.title),
        "count": gap.count,
        "status": gap.status,
        "audience": gap.audience,
        "community": gap.community,
        "assignee": gap.assignee.email if gap.assignee is not None else None,
        "first_seen": timestamp(gap.first_seen),
        "last_seen": timestamp(gap.last_seen),
    }


def gap_detail(gap: Gap) -> dict[str, Any]:
    return {
        **gap_summary(gap),
        "dismissed_reason": gap.dismissed_reason,
        "resolution": gap.resolution,
        "verified_at": timestamp(gap.verified_at),
        "questions": [question_json(m, kinds) for m, kinds in gap_messages(gap)],
    }


def question_json(message: Message, kinds: Sequence[str]) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "question": mask_pii(message.question),
        "answer": message.answer,
        "confidence": round(message.confidence, 4) if message.confidence is not None else None,
        "reason": message.reason,
        "sources": message.sources,  # ranked, with scores
        "evidence": list(kinds),
        "feedback": [
            {
                "helpful": f.helpful,
                "reasons": f.reasons,
                "comment": mask_pii(f.comment) if f.comment else None,
                "created_at": timestamp(f.created_at),
            }
            for f in message.feedback
        ],
        "created_at": timestamp(message.created_at),
    }
