"""CSV exports of feedback, gaps and conversations for a date range (the routes are in web/editor/analytics.py).

- Every question, comment and gap title goes through :func:`web.chat.privacy.mask_pii`, whatever
  ANSWERDESK_KEEP_RAW_QUESTIONS says: an export leaves the system (a spreadsheet, an e-mail) and nobody reading
  it needs a customer's e-mail address or card number. Answers are not masked: they are written from the
  knowledge base, whose support phone numbers and addresses are meant to be read.
- CSV formula injection: a spreadsheet runs a cell that starts with = + - @ (or a tab / carriage return) as a
  formula, and some read | (DDE) too. Comments and questions are typed by anyone, so such cells get a leading
  apostrophe, which spreadsheets show as text (OWASP's advice). Look-alikes count as the character they look
  like (full-width ＝＋－＠｜, small ﹦﹢﹣﹫, superscripts, the minus sign −: whatever NFKC folds to them), and so
  does any of them after leading whitespace, control, zero-width or BOM characters ("\u200b=1", " =1").
- Rows are streamed: the file is written while it is read from the database, so a year of history does not sit
  in memory.
- Which rows a range selects: feedback clicked in the range (every click, the superseded ones too, with a
  ``latest`` column: the export is the audit trail the dashboard's figures summarise); gaps with questions in
  the range (first seen before its end, last seen after its start); conversations started in the range.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import aliased

from web.analytics.ranges import AudienceFilter, DateRange
from web.chat.citations import cited_documents, latest_feedback
from web.chat.privacy import mask_pii
from web.db.models import Conversation, Feedback, Gap, Handoff, Message, Site, User, db, is_question
from web.http.serialize import timestamp

FEEDBACK_COLUMNS = (
    "time",
    "helpful",
    "reasons",
    "comment",
    "question",
    "answer",
    "cited_document_ids",
    "latest",
    "message_id",
    "conversation_id",
    "audience",
)
GAP_COLUMNS = (
    "id",
    "title",
    "status",
    "count",
    "audience",
    "community",
    "assignee",
    "first_seen",
    "last_seen",
    "verified_at",
    "resolution_document_id",
)
CONVERSATION_COLUMNS = (
    "id",
    "audience",
    "site",
    "started",
    "turns",
    "answered",
    "abstained",
    "handoff",
    "first_question",
)
EXPORTS = {"feedback": FEEDBACK_COLUMNS, "gaps": GAP_COLUMNS, "conversations": CONVERSATION_COLUMNS}

LIST_SEPARATOR = "; "
_YIELD_PER = 1000  # rows fetched per round trip: exports can be long


def export_rows(kind: str, period: DateRange, audience: AudienceFilter) -> Iterator[Sequence[object]]:
    if kind == "feedback":
        return feedback_rows(period, audience)
    if kind == "gaps":
        return gap_rows(period, audience)
    if kind == "conversations":
        return conversation_rows(period, audience)
    raise ValueError(f"unknown export {kind!r}")


def feedback_rows(period: DateRange, audience: AudienceFilter = "all") -> Iterator[Sequence[object]]:
    latest = latest_feedback()
    query = (
        select(
            Feedback,
            Message.conversation_id,
            Message.question,
            Message.answer,
            Message.citations,
            Message.audience,
            latest.c.id,
        )
        .join(Message, Message.id == Feedback.message_id)
        .outerjoin(latest, and_(latest.c.id == Feedback.id))
        .where(Feedback.created_at >= period.start_at, Feedback.created_at < period.end_at)
        .order_by(Feedback.id)
    )
    if audience != "all":
        query = query.where(Message.audience == audience)
    for feedback, conversation_id, question, answer, citations, message_audience, latest_id in _stream(query):
        yield (
            timestamp(feedback.created_at),
            _yes_no(feedback.helpful),
            LIST_SEPARATOR.join(str(reason) for reason in feedback.reasons or []),
            mask_pii(feedback.comment) if feedback.comment else "",
            mask_pii(question),
            answer or "",
            LIST_SEPARATOR.join(cited_documents(citations)),
            _yes_no(latest_id is not None),
            feedback.message_id,
            conversation_id,
            message_audience,
        )


def gap_rows(period: DateRange, audience: AudienceFilter = "all") -> Iterator[Sequence[object]]:
    query = (
        select(Gap, User.email)
        .outerjoin(User, User.id == Gap.assignee_id)
        .where(Gap.first_seen < period.end_at, Gap.last_seen >= period.start_at)
        .order_by(Gap.id)
    )
    if audience != "all":
        query = query.where(Gap.audience == audience)
    for gap, assignee in _stream(query):
        resolution = gap.resolution or {}
        yield (
            gap.id,
            mask_pii(gap.title),
            gap.status,
            gap.count,
            gap.audience,
            gap.community or "",
            assignee or "",
            timestamp(gap.first_seen),
            timestamp(gap.last_seen),
            timestamp(gap.verified_at) or "",
            resolution.get("faq_id") or resolution.get("article_id") or "",
        )


def conversation_rows(period: DateRange, audience: AudienceFilter = "all") -> Iterator[Sequence[object]]:
    in_range = [Conversation.created_at >= period.start_at, Conversation.created_at < period.end_at]
    if audience != "all":
        in_range.append(Conversation.audience == audience)
    # "turns" counts every message; a conversational one ("hi", "thanks!") is neither answered nor abstained.
    answered = case((and_(Message.status == "ok", ~Message.is_gap, is_question()), 1), else_=0)
    abstained = case((and_(Message.status == "ok", Message.is_gap), 1), else_=0)
    stats = (
        select(
            Message.conversation_id.label("conversation_id"),
            func.count().label("turns"),
            func.sum(answered).label("answered"),
            func.sum(abstained).label("abstained"),
            func.min(Message.id).label("first_id"),
        )
        .where(Message.conversation_id.in_(select(Conversation.id).where(*in_range)))
        .group_by(Message.conversation_id)
        .subquery()
    )
    first = aliased(Message)
    handed_off = exists().where(Handoff.conversation_id == Conversation.id)
    query = (
        select(
            Conversation.id,
            Conversation.audience,
            Conversation.user_id,
            Site.name,
            Conversation.created_at,
            stats.c.turns,
            stats.c.answered,
            stats.c.abstained,
            handed_off,
            first.question,
        )
        .outerjoin(Site, Site.id == Conversation.site_id)
        .outerjoin(stats, stats.c.conversation_id == Conversation.id)
        .outerjoin(first, first.id == stats.c.first_id)
        .where(*in_range)
        .order_by(Conversation.created_at, Conversation.id)
    )
    for conv_id, conv_audience, user_id, site, started, turns, n_answered, n_abstained, handoff, question in _stream(
        query
    ):
        yield (
            conv_id,
            conv_audience,
            _site_label(site, user_id, conv_audience),
            timestamp(started),
            int(turns or 0),
            int(n_answered or 0),
            int(n_abstained or 0),
            _yes_no(bool(handoff)),
            mask_pii(question) if question else "",
        )


def _stream(query: Any) -> Iterator[Any]:
    # yield_per: rows come from the database in batches while the response is written, not all at once.
    yield from db.session.execute(query.execution_options(yield_per=_YIELD_PER))


def _site_label(site: str | None, user_id: int | None, audience: str) -> str:
    if site is not None:
        return site
    if user_id is not None or audience == "internal":
        return "employee"
    return "(deleted site)"  # the site was removed (site_id SET NULL); its visitors were not employees


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"
