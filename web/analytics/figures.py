"""The analytics figures for a date range: pure queries over conversations, messages, feedback, hand-offs and gaps.

Definitions (what the dashboard, the API and docs/knowledge-gaps.md promise):

- The range is given as its first and last day, both included (``from=2026-11-01&to=2026-11-30`` is November,
  as on the contributors' board); internally it is the half-open ``[start, end)`` with ``end`` = last day + 1, so
  every query is ``created_at >= start AND created_at < end``. UTC dates. The default is the last 30 days, today
  included.
- ``conversations``: conversations *started* in the range. ``handoffs``: those of them with a hand-off request
  (whenever it was made: a conversation counts as handed off over its whole life). ``handoff_rate`` =
  handoffs / conversations; ``deflection_rate`` = conversations that ended without a hand-off request /
  conversations (so the two add up to 1; both are shown because support teams think in both).
- ``questions``: turns asked in the range that got an answer (status ``ok``; failed turns are an outage figure,
  not a knowledge one). Conversational turns ("hi", "thanks!", "I want a person": ``Message.intent``) are not
  questions and are left out of every figure below; a hand-off request still counts in ``handoffs``.
  ``abstained``: those the bot did not answer, "I'm not sure" or "I don't know" (``Message.is_gap``);
  ``answered`` = the others.
  ``answer_rate`` = answered / questions, ``abstain_rate`` = abstained / questions.
- ``rated``: questions of the range whose answer has feedback; a user may change their mind and only the latest
  click counts. ``helpful_rate`` = 👍 / rated. A rating counts on its answer's day, not on the day of the click:
  the rate is about the answers given in the range.
- ``top_questions``: questions grouped by their masked, normalised text (NFKC, case-folded, spaces collapsed,
  surrounding punctuation removed: "How do I reset my password?" and "how do i reset my password" are one).
- ``top_open_gaps``: open or assigned gaps that got questions in the range, ranked by
  :func:`web.gaps.queries.rank` (count x recency) as of the end of the range (or now, if earlier).
- ``closure``: gaps verified in the range, hours from their first question to verification (median, mean).
- ``content``: per cited document, the answers of the range that cite it (once per answer, however many of its
  chunks were cited) and the latest 👍/👎 on those answers.
- ``daily``: every day of the range, days without activity included (charts need the zeros).

Counting is done in SQL (indexed ``created_at`` ranges, ``GROUP BY`` day). Two things are done in Python over
the range's rows, on purpose: the citations (a JSON column: unnesting it needs ``json_each`` on SQLite and
``json_array_elements`` on PostgreSQL, and the app supports both) and the question grouping (masking and
Unicode normalisation are Python code; SQL first groups identical texts, so Python sees each text once).
Measured on SQLite, 100k messages in 30 days (25k ratings, 500 cited documents): about 2 s for the whole report
on a busy 2-core machine; the question grouping and the citations take two thirds of it.
"""

from __future__ import annotations

import json
import re
import statistics
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, case, exists, func, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute

from web.analytics.ranges import AudienceFilter, DateRange
from web.analytics.report import Closure, ContentRow, Day, RankedGap, Report, TopQuestion, Totals
from web.chat.citations import cited_documents, latest_feedback
from web.chat.privacy import mask_pii
from web.db.models import (
    GAP_OPEN_STATUSES,
    Conversation,
    Document,
    Gap,
    Handoff,
    Message,
    db,
    is_question,
    utcnow,
)
from web.gaps.queries import rank

TOP_QUESTIONS = 10
TOP_GAPS = 10
# Open gaps considered for the top list, most recent first, before ranking in Python (as gap_queries does).
GAP_CANDIDATES = 1000
_IN_BATCH = 500  # ids per IN (...): well under SQLite's bound-parameter limit

_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


# -- queries -----------------------------------------------------------------------------------------------------
def analytics_report(period: DateRange, audience: AudienceFilter = "all", now: datetime | None = None) -> Report:
    daily = daily_series(period, audience)
    return Report(
        range=period,
        audience=audience,
        totals=Totals.of(daily),
        daily=daily,
        top_questions=top_questions(period, audience),
        top_gaps=top_open_gaps(period, audience, now=now),
        closure=closure_times(period, audience),
        content=content_performance(period, audience),
    )


def daily_series(period: DateRange, audience: AudienceFilter = "all") -> list[Day]:
    days = {day: Day(day) for day in period.days}
    for day, conversations, handoffs in _conversations_by_day(period, audience):
        bucket = days[_as_date(day)]
        bucket.conversations, bucket.handoffs = int(conversations), int(handoffs or 0)
    for day, questions, abstained in _questions_by_day(period, audience):
        bucket = days[_as_date(day)]
        bucket.questions, bucket.abstained = int(questions), int(abstained or 0)
        bucket.answered = bucket.questions - bucket.abstained
    for day, helpful, not_helpful in _ratings_by_day(period, audience):
        bucket = days[_as_date(day)]
        bucket.helpful, bucket.not_helpful = int(helpful or 0), int(not_helpful or 0)
    return list(days.values())


def top_questions(period: DateRange, audience: AudienceFilter = "all", limit: int = TOP_QUESTIONS) -> list[TopQuestion]:
    # Identical texts are grouped by the database first: the masking below then runs once per distinct text.
    query = _answered_in(
        select(Message.question, func.count(), func.sum(case((Message.is_gap, 1), else_=0))), period, audience
    ).group_by(Message.question)
    groups: dict[str, dict[str, int]] = {}  # normalised text -> {masked wording: count}
    abstained: dict[str, int] = {}
    for question, count, gaps in db.session.execute(query):
        masked = mask_pii(question)
        key = normalise_question(masked)
        wordings = groups.setdefault(key, {})
        wordings[masked] = wordings.get(masked, 0) + int(count)
        abstained[key] = abstained.get(key, 0) + int(gaps or 0)
    top = [
        TopQuestion(
            question=min(wordings, key=lambda text: (-wordings[text], text)),
            count=sum(wordings.values()),
            abstained=abstained[key],
        )
        for key, wordings in groups.items()
    ]
    top.sort(key=lambda row: (-row.count, row.question))
    return top[:limit]


# Punctuation and spaces around the question, but not the brackets of a mask: "[email]?" keeps "[email]".
_EDGE_PUNCTUATION = re.compile(r"^[^\w\[\]]+|[^\w\[\]]+$")
_SPACES = re.compile(r"\s+")


def normalise_question(text: str) -> str:
    """The grouping key of a question: NFKC (full-width forms), case-folded, one space between words, no
    punctuation around it. Keeps the masks ([email]) and CJK text intact."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _EDGE_PUNCTUATION.sub("", _SPACES.sub(" ", folded).strip())


def top_open_gaps(
    period: DateRange, audience: AudienceFilter = "all", limit: int = TOP_GAPS, now: datetime | None = None
) -> list[RankedGap]:
    """Open or assigned gaps with questions in the range, ranked as of the range's end (or now)."""
    query = select(Gap).where(
        Gap.status.in_(GAP_OPEN_STATUSES), Gap.first_seen < period.end_at, Gap.last_seen >= period.start_at
    )
    if audience != "all":
        query = query.where(Gap.audience == audience)
    candidates = db.session.scalars(query.order_by(Gap.last_seen.desc()).limit(GAP_CANDIDATES)).all()
    as_of = min(now or utcnow(), period.end_at)
    ranked = [RankedGap(gap, rank(gap, as_of)) for gap in candidates]
    ranked.sort(key=lambda row: (-row.rank, -row.gap.id))
    return ranked[:limit]


def closure_times(period: DateRange, audience: AudienceFilter = "all") -> Closure:
    """Hours from a gap's first question to its verification, for the gaps verified in the range."""
    query = select(Gap.first_seen, Gap.verified_at).where(
        Gap.verified_at.is_not(None), Gap.verified_at >= period.start_at, Gap.verified_at < period.end_at
    )
    if audience != "all":
        query = query.where(Gap.audience == audience)
    hours = [
        max((verified_at - first_seen).total_seconds(), 0.0) / 3600.0
        for first_seen, verified_at in db.session.execute(query)
        if verified_at is not None  # always, by the query; for the type checker
    ]
    if not hours:
        return Closure(0, None, None)
    return Closure(len(hours), round(statistics.median(hours), 2), round(statistics.fmean(hours), 2))


def content_performance(period: DateRange, audience: AudienceFilter = "all") -> list[ContentRow]:
    """Every document cited by an answer of the range, most cited first."""
    latest = latest_feedback()
    # The citations as stored text, parsed below: SQLAlchemy's JSON result processing costs about 3x a plain
    # json.loads per row, and at 100k answers that is the slowest part of the whole report.
    citations_text = type_coerce(Message.citations, String)
    query = _answered_in(
        select(citations_text, latest.c.helpful).outerjoin(latest, latest.c.message_id == Message.id),
        period,
        audience,
    )
    rows: dict[str, ContentRow] = {}
    for stored, helpful in db.session.execute(query):
        for doc_id, cited in cited_documents(_json_value(stored)).items():
            row = rows.get(doc_id)
            if row is None:
                row = rows[doc_id] = ContentRow(document_id=doc_id, title=cited.title)
            row.cited += 1
            if helpful is not None:
                if helpful:
                    row.helpful += 1
                else:
                    row.not_helpful += 1
    _use_current_titles(rows)
    return sorted(rows.values(), key=lambda row: (-row.cited, -row.not_helpful, row.document_id))


def _json_value(stored: object) -> object:
    """A JSON column read as text: SQLite gives the text; PostgreSQL drivers may already have parsed it."""
    if not isinstance(stored, str):
        return stored
    if stored in ("", "[]", "null"):  # most abstentions: not worth a parse
        return []
    try:
        return json.loads(stored)
    except ValueError:
        return []


def _use_current_titles(rows: dict[str, ContentRow]) -> None:
    """The document's current title (the citation keeps the title it had then); deleted documents are flagged."""
    ids = list(rows)
    for start in range(0, len(ids), _IN_BATCH):
        batch = ids[start : start + _IN_BATCH]
        query = select(Document.id, Document.title, Document.deleted_at).where(Document.id.in_(batch))
        for doc_id, title, deleted_at in db.session.execute(query):
            rows[doc_id].title = title
            rows[doc_id].deleted = deleted_at is not None
    # Documents no longer in the table (purged) keep the title their last citation had.


# -- the SQL behind the daily series -----------------------------------------------------------------------------
def _conversations_by_day(period: DateRange, audience: AudienceFilter) -> Iterable[Any]:
    day = func.date(Conversation.created_at)
    handed_off = exists().where(Handoff.conversation_id == Conversation.id)
    query = select(day, func.count(), func.sum(case((handed_off, 1), else_=0))).where(
        *_in_range(Conversation.created_at, period)
    )
    if audience != "all":
        query = query.where(Conversation.audience == audience)
    return db.session.execute(query.group_by(day)).all()


def _questions_by_day(period: DateRange, audience: AudienceFilter) -> Iterable[Any]:
    day = func.date(Message.created_at)
    query = select(day, func.count(), func.sum(case((Message.is_gap, 1), else_=0)))
    return db.session.execute(_answered_in(query, period, audience).group_by(day)).all()


def _ratings_by_day(period: DateRange, audience: AudienceFilter) -> Iterable[Any]:
    latest = latest_feedback()
    day = func.date(Message.created_at)
    query = select(
        day, func.sum(case((latest.c.helpful, 1), else_=0)), func.sum(case((latest.c.helpful, 0), else_=1))
    ).join(latest, latest.c.message_id == Message.id)
    return db.session.execute(_answered_in(query, period, audience).group_by(day)).all()


def _answered_in(query: _Query, period: DateRange, audience: AudienceFilter) -> _Query:
    """``query`` restricted to the questions of the range: turns with an answer (status ok) of the audience, not
    conversational ones."""
    query = query.where(Message.status == "ok", is_question(), *_in_range(Message.created_at, period))
    return query if audience == "all" else query.where(Message.audience == audience)


def _in_range(column: InstrumentedAttribute[datetime], period: DateRange) -> tuple[ColumnElement[bool], ...]:
    return (column >= period.start_at, column < period.end_at)


def _as_date(value: object) -> date:
    """SQLite's date() returns text, PostgreSQL's a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
