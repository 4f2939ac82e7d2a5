"""The analytics report: its rows and totals, and its JSON shape (GET /api/v1/analytics)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from web.analytics.ranges import AudienceFilter, DateRange
from web.chat.privacy import mask_pii
from web.db.models import Gap
from web.http.serialize import timestamp


# -- results -----------------------------------------------------------------------------------------------------
def ratio(part: int, whole: int) -> float | None:
    """part / whole in [0, 1], or None when there is nothing to divide by (not 0: "no data" is not "0 %")."""
    return round(part / whole, 4) if whole else None


@dataclass
class Day:
    day: date
    conversations: int = 0
    handoffs: int = 0  # conversations started this day that have a hand-off request
    questions: int = 0
    answered: int = 0
    abstained: int = 0
    helpful: int = 0
    not_helpful: int = 0

    @property
    def rated(self) -> int:
        return self.helpful + self.not_helpful

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "conversations": self.conversations,
            "handoffs": self.handoffs,
            "questions": self.questions,
            "answered": self.answered,
            "abstained": self.abstained,
            "helpful": self.helpful,
            "not_helpful": self.not_helpful,
            "answer_rate": ratio(self.answered, self.questions),
            "abstain_rate": ratio(self.abstained, self.questions),
            "helpful_rate": ratio(self.helpful, self.rated),
        }


@dataclass
class Totals:
    conversations: int = 0
    handoffs: int = 0
    questions: int = 0
    answered: int = 0
    abstained: int = 0
    helpful: int = 0
    not_helpful: int = 0

    @property
    def rated(self) -> int:
        return self.helpful + self.not_helpful

    @property
    def answer_rate(self) -> float | None:
        return ratio(self.answered, self.questions)

    @property
    def abstain_rate(self) -> float | None:
        return ratio(self.abstained, self.questions)

    @property
    def helpful_rate(self) -> float | None:
        return ratio(self.helpful, self.rated)

    @property
    def handoff_rate(self) -> float | None:
        return ratio(self.handoffs, self.conversations)

    @property
    def deflection_rate(self) -> float | None:
        return ratio(self.conversations - self.handoffs, self.conversations)

    @classmethod
    def of(cls, days: Iterable[Day]) -> Totals:
        totals = cls()
        for day in days:
            totals.conversations += day.conversations
            totals.handoffs += day.handoffs
            totals.questions += day.questions
            totals.answered += day.answered
            totals.abstained += day.abstained
            totals.helpful += day.helpful
            totals.not_helpful += day.not_helpful
        return totals


@dataclass(frozen=True)
class TopQuestion:
    question: str  # masked; the most frequent wording of the group
    count: int
    abstained: int


@dataclass(frozen=True)
class RankedGap:
    gap: Gap
    rank: float

    @property
    def title(self) -> str:
        return mask_pii(self.gap.title)  # stored masked already; masked again in case of raw-text setups


@dataclass(frozen=True)
class Closure:
    verified: int
    median_hours: float | None
    mean_hours: float | None


@dataclass
class ContentRow:
    document_id: str
    title: str
    cited: int = 0
    helpful: int = 0
    not_helpful: int = 0
    deleted: bool = False

    @property
    def helpful_rate(self) -> float | None:
        return ratio(self.helpful, self.helpful + self.not_helpful)


@dataclass
class Report:
    range: DateRange
    audience: AudienceFilter
    totals: Totals
    daily: list[Day]
    top_questions: list[TopQuestion] = field(default_factory=list)
    top_gaps: list[RankedGap] = field(default_factory=list)
    closure: Closure = field(default_factory=lambda: Closure(0, None, None))
    content: list[ContentRow] = field(default_factory=list)


def report_json(report: Report) -> dict[str, Any]:
    """The body of GET /api/v1/analytics (described in web/api/openapi/analytics.py)."""
    totals = report.totals
    return {
        "from": report.range.start.isoformat(),
        "to": report.range.last_day.isoformat(),  # included, like the ``to`` parameter
        "audience": report.audience,
        "conversations": totals.conversations,
        "handoffs": totals.handoffs,
        "questions": totals.questions,
        "answered": totals.answered,
        "abstained": totals.abstained,
        "rated": totals.rated,
        "helpful": totals.helpful,
        "not_helpful": totals.not_helpful,
        "answer_rate": totals.answer_rate,
        "abstain_rate": totals.abstain_rate,
        "helpful_rate": totals.helpful_rate,
        "handoff_rate": totals.handoff_rate,
        "deflection_rate": totals.deflection_rate,
        "closure": {
            "verified": report.closure.verified,
            "median_hours": report.closure.median_hours,
            "mean_hours": report.closure.mean_hours,
        },
        "top_questions": [
            {"question": row.question, "count": row.count, "abstained": row.abstained} for row in report.top_questions
        ],
        "top_open_gaps": [
            {
                "id": row.gap.id,
                "title": row.title,
                "count": row.gap.count,
                "status": row.gap.status,
                "audience": row.gap.audience,
                "community": row.gap.community,
                "last_seen": timestamp(row.gap.last_seen),
                "rank": round(row.rank, 4),
            }
            for row in report.top_gaps
        ],
        "content": [
            {
                "id": row.document_id,
                "title": row.title,
                "cited": row.cited,
                "helpful": row.helpful,
                "not_helpful": row.not_helpful,
                "helpful_rate": row.helpful_rate,
                "deleted": row.deleted,
            }
            for row in report.content
        ],
        "daily": [day.to_dict() for day in report.daily],
    }
