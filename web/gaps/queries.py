"""Reading gaps for editors: the filtered, ranked queue and one gap with its questions, comments and audit trail.

Everything shown to editors goes through :func:`web.chat.privacy.mask_pii` again on the way out, even when the
operator keeps raw questions: editors never need a customer's card or e-mail to close a gap.

The queue is ranked by count x recency (:func:`rank`). Ranking runs in Python, because the decay is not portable
SQL, but only over the matching rows' (id, count, last_seen): a few thousand small tuples cost a few milliseconds,
and only the gaps of the requested page are then loaded in full. Full-text search is a case-insensitive ``LIKE``
over the gap's title and its masked questions (GapEvidence.question_masked): no index to build or keep in step,
and it finds Chinese words as well as English ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import selectinload

from web.chat.privacy import mask_pii
from web.db.models import (
    GAP_OPEN_STATUSES,
    GAP_STATUSES,
    Gap,
    GapComment,
    GapEvent,
    GapEvidence,
    Message,
    User,
    db,
    utcnow,
)
from web.db.sql import LIKE_ESCAPE, escape_like
from web.http.errors import ApiError
from web.http.serialize import timestamp

# A gap's rank halves every this many days without new questions: the queue favours what hurts users now.
RANK_HALF_LIFE_DAYS = 7.0
QUEUE_LIMIT = 200
# Matching gaps ranked per query at most (newest first): beyond that an editor narrows the filters anyway.
RANKED_CANDIDATES = 20000
MAX_SEARCH_CHARS = 200
# What the editor's queue shows when no status is chosen: the gaps that still need work.
ACTIVE_STATUSES = ("open", "assigned")


def rank(gap: Gap, now: datetime) -> float:
    """count x recency."""
    return rank_value(gap.count, gap.last_seen, now)


def rank_value(count: int, last_seen: datetime, now: datetime) -> float:
    age_days = max((now - last_seen).total_seconds(), 0.0) / 86400.0
    return count * math.pow(0.5, age_days / RANK_HALF_LIFE_DAYS)


@dataclass(frozen=True)
class GapFilter:
    """What the queue shows. ``None`` fields do not filter; ``seen_to`` is exclusive."""

    statuses: tuple[str, ...] | None = None
    community: str | None = None
    audience: str | None = None
    search: str | None = None
    seen_from: datetime | None = None
    seen_to: datetime | None = None
    assignee_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.statuses:
            conditions.append(Gap.status.in_(self.statuses))
        if self.community:
            conditions.append(Gap.community == self.community)
        if self.audience:
            conditions.append(Gap.audience == self.audience)
        if self.seen_from is not None:
            conditions.append(Gap.last_seen >= self.seen_from)
        if self.seen_to is not None:
            conditions.append(Gap.last_seen < self.seen_to)
        if self.assignee_id is not None:
            conditions.append(Gap.assignee_id == self.assignee_id)
        if self.search:
            pattern = "%" + escape_like(self.search) + "%"
            in_questions = select(GapEvidence.gap_id).where(
                GapEvidence.question_masked.ilike(pattern, escape=LIKE_ESCAPE)
            )
            conditions.append(or_(Gap.title.ilike(pattern, escape=LIKE_ESCAPE), Gap.id.in_(in_questions)))
        return conditions


@dataclass(frozen=True)
class GapPage:
    gaps: list[Gap]
    total: int  # matching gaps (at most RANKED_CANDIDATES)
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def search_gaps(gap_filter: GapFilter, offset: int = 0, limit: int = QUEUE_LIMIT) -> tuple[list[Gap], int]:
    """The matching gaps ranked by count x recency, ``limit`` of them from ``offset``, and how many match."""
    query = (
        select(Gap.id, Gap.count, Gap.last_seen)
        .where(*gap_filter.conditions())
        .order_by(Gap.last_seen.desc())
        .limit(RANKED_CANDIDATES)
    )
    now = utcnow()
    # Plain tuples: a Row's .count is tuple.count, not the column.
    rows = [(gap_id, count, last_seen) for gap_id, count, last_seen in db.session.execute(query)]
    rows.sort(key=lambda r: (-rank_value(r[1], r[2], now), -r[0]))
    ids = [gap_id for gap_id, _, _ in rows[offset : offset + limit]]
    if not ids:
        return [], len(rows)
    loaded = db.session.scalars(select(Gap).where(Gap.id.in_(ids)).options(selectinload(Gap.assignee))).all()
    by_id = {gap.id: gap for gap in loaded}
    return [by_id[i] for i in ids if i in by_id], len(rows)


def gap_page(gap_filter: GapFilter, page: int, per_page: int) -> GapPage:
    page = max(page, 1)
    gaps, total = search_gaps(gap_filter, offset=(page - 1) * per_page, limit=per_page)
    return GapPage(gaps=gaps, total=total, page=page, per_page=per_page)


def gap_queue(status: str | None = None, community: str | None = None) -> list[Gap]:
    """The top of the queue for one status (all when None) and community."""
    return search_gaps(GapFilter(statuses=(status,) if status else None, community=community))[0]


# -- filters from a query string (the API and the queue page read the same parameters) --------------------------
# What ``status`` takes, as the OpenAPI document states it: all, or statuses joined by commas, no spaces.
STATUS_LIST_PATTERN = "^(all|({0})(,({0}))*)$".format("|".join(GAP_STATUSES))
_STATUS_LIST = re.compile(STATUS_LIST_PATTERN)


def parse_statuses(value: str | None, default: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """``status=open`` or ``status=open,assigned``; ``all`` (or the default None) for every status."""
    if not value:
        return default
    if not _STATUS_LIST.fullmatch(value):
        raise ApiError(400, "bad_request", f"'status' must be 'all' or a comma list of: {', '.join(GAP_STATUSES)}.")
    return None if value == "all" else tuple(dict.fromkeys(value.split(",")))


# The document's formats "date" and "date-time" (RFC 3339), and nothing else: datetime.fromisoformat alone also
# takes "2024-01-01T10", week dates, padding and times without an offset, and refuses RFC 3339's lower-case t and z.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII)


def parse_time(value: str | None, field: str, *, end: bool = False) -> datetime | None:
    """A date (``2025-03-31``) or an RFC 3339 time (``2025-03-31T12:00:00Z``), as naive UTC. A bare date as the end
    of a range includes its whole day: ``to=2025-03-31`` means up to midnight after it."""
    if not value:
        return None
    parsed = _date_or_time(value, field)
    try:
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        if end and _DATE.fullmatch(value):
            parsed += timedelta(days=1)
    except OverflowError:
        # The end of 9999-12-31, or a time whose UTC falls outside years 1-9999: as a bound, the calendar's own
        # end (or start) means the same, and the filter stays the one asked for.
        return datetime.max if parsed.year == MAXYEAR else datetime.min
    return parsed


def gap_filter_from_args(
    args: Mapping[str, str], user: User | None, default_statuses: tuple[str, ...] | None
) -> GapFilter:
    """The filter of a query string: status, community, audience, q, from, to (on last_seen), assignee (``me`` or
    an e-mail; the page's "mine" box sends ``me``). Bad values are a 400 naming the parameter."""
    audience = args.get("audience") or None
    if audience is not None and audience not in ("public", "internal"):
        raise ApiError(400, "bad_request", "'audience' must be public or internal.")
    words = args.get("q") or ""
    if len(words) > MAX_SEARCH_CHARS:  # as sent, like the document's maxLength
        raise ApiError(400, "bad_request", f"'q' must be at most {MAX_SEARCH_CHARS} characters.")
    search = words.strip() or None
    return GapFilter(
        statuses=parse_statuses(args.get("status"), default_statuses),
        community=(args.get("community") or "").strip() or None,
        audience=audience,
        search=search,
        seen_from=parse_time(args.get("from"), "from"),
        seen_to=parse_time(args.get("to"), "to", end=True),
        assignee_id=_assignee_id(args.get("assignee"), user),
    )


def _assignee_id(value: str | None, user: User | None) -> int | None:
    if not value:
        return None
    if value == "me":
        return user.id if user is not None else None
    assignee = db.session.scalar(select(User).where(func.lower(User.email) == value.strip().lower()))
    # An unknown e-mail matches no gap (not every gap): -1 is no user's id.
    return assignee.id if assignee is not None else -1


def gap_communities() -> list[str]:
    """The communities gaps were routed to, for the queue's filter."""
    rows = db.session.scalars(select(Gap.community).where(Gap.community.is_not(None)).distinct()).all()
    return sorted(c for c in rows if c)


def _date_or_time(value: str, field: str) -> datetime:
    bad = ApiError(400, "bad_request", f"'{field}' must be a date (YYYY-MM-DD) or an RFC 3339 time.")
    text, leap_second = value, False
    if not _DATE.fullmatch(value):
        match = _DATE_TIME.fullmatch(value)
        if match is None:
            raise bad
        day, minutes, seconds, fraction, offset = match.groups()
        # datetime has neither RFC 3339's leap second (:60) nor more than microseconds: the leap second is read as
        # the second before it.
        leap_second = seconds == "60"
        second = "59" if leap_second else seconds
        text = f"{day}T{minutes}:{second}{(fraction or '')[:7]}{'+00:00' if offset in 'Zz' else offset}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise bad from None
    if leap_second:
        # A leap second comes at 23:59:60 UTC only (counted in minutes of the day: no overflow at year 1 or 9999).
        offset = (parsed.utcoffset() or timedelta()) // timedelta(minutes=1)
        if (parsed.hour * 60 + parsed.minute - offset) % (24 * 60) != 23 * 60 + 59:
            raise bad
    return parsed


# -- one gap -----------------------------------------------------------------------------------------------------
def find_gap(gap_id: int) -> Gap | None:
    return db.session.get(Gap, gap_id)


def open_gap_of_message(message_id: int) -> Gap | None:
    """The open gap this message is evidence of (abstained, then 👎 or a hand-off: one question, counted once)."""
    query = (
        select(Gap)
        .join(GapEvidence)
        .where(GapEvidence.message_id == message_id, Gap.status.in_(GAP_OPEN_STATUSES))
        .limit(1)
    )
    return db.session.scalar(query)


def gap_messages(gap: Gap) -> list[tuple[Message, list[str]]]:
    """The gap's distinct messages, oldest first, each with its evidence kinds."""
    rows = db.session.execute(
        select(Message, GapEvidence.kind)
        .join(GapEvidence, GapEvidence.message_id == Message.id)
        .where(GapEvidence.gap_id == gap.id)
        .order_by(Message.id, GapEvidence.id)
        .options(selectinload(Message.feedback))
    ).all()
    grouped: dict[int, tuple[Message, list[str]]] = {}
    for message, kind in rows:
        grouped.setdefault(message.id, (message, []))[1].append(kind)
    return list(grouped.values())


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str | None  # e-mail; None once the user is deleted
    text: str
    created_at: datetime


@dataclass(frozen=True)
class EventView:
    id: int
    action: str
    user: str | None
    detail: dict[str, Any]
    created_at: datetime

    @property
    def summary(self) -> str:
        return describe_event(self.action, self.detail)


def gap_comments(gap: Gap) -> list[CommentView]:
    rows = db.session.execute(
        select(GapComment, User.email)
        .outerjoin(User, User.id == GapComment.user_id)
        .where(GapComment.gap_id == gap.id)
        .order_by(GapComment.id)
    ).all()
    return [CommentView(c.id, email, c.text, c.created_at) for c, email in rows]


def gap_events(gap: Gap) -> list[EventView]:
    """The audit trail, oldest first."""
    rows = db.session.execute(
        select(GapEvent, User.email)
        .outerjoin(User, User.id == GapEvent.user_id)
        .where(GapEvent.gap_id == gap.id)
        .order_by(GapEvent.id)
    ).all()
    return [EventView(e.id, e.action, email, dict(e.detail or {}), e.created_at) for e, email in rows]


def describe_event(action: str, detail: Mapping[str, Any]) -> str:
    """One line for the audit trail, in words an editor reads at a glance."""
    if action == "assign":
        return f"assigned to {detail['assignee']}" if detail.get("assignee") else "unassigned"
    if action == "dismiss":
        return f"dismissed: {detail.get('reason', '')}"
    if action == "merge":
        return f"merged into gap #{detail.get('into')}"
    if action == "merged_from":
        return f"received the questions of gap #{detail.get('source')}"
    if action == "move_out":
        return f"question {detail.get('message_id')} moved to gap #{detail.get('to')}"
    if action == "move_in":
        return f"question {detail.get('message_id')} moved here from gap #{detail.get('source')}"
    if action == "resolve":
        target = detail.get("faq_id") or detail.get("article_id")
        check = detail.get("verification") or {}
        outcome = "verified" if check.get("verified") else "not verified"
        if detail.get("accepted_unverified") and not check.get("verified"):
            outcome += ", closed as resolved by the editor"
        return f"resolved with {target}: {check.get('answered', 0)}/{check.get('replayed', 0)} answered, {outcome}"
    if action.startswith("auto_"):
        return "regrouped by answerdesk: " + _describe_regrouping(action, detail)
    return action + "".join(f"; {key}: {value}" for key, value in detail.items())


def _describe_regrouping(action: str, detail: Mapping[str, Any]) -> str:
    """The automatic regrouping's events (web.gaps.consolidation)."""
    if action == "auto_merge":
        return f"its {detail.get('questions')} questions went into gap #{detail.get('into')}"
    if action == "auto_moved_out":
        return f"{detail.get('questions')} questions moved to gap #{detail.get('to')}"
    sources = ", ".join(f"#{s.get('gap')} ({s.get('questions')})" for s in detail.get("sources") or [])
    if action == "auto_split":
        return f"new gap formed from the questions of gaps {sources}"
    return f"received questions from gaps {sources}"


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
        "comments": [
            {"id": c.id, "author": c.author, "text": c.text, "created_at": timestamp(c.created_at)}
            for c in gap_comments(gap)
        ],
        "events": [
            {"action": e.action, "user": e.user, "detail": e.detail, "created_at": timestamp(e.created_at)}
            for e in gap_events(gap)
        ],
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
