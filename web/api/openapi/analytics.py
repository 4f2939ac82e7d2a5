"""The OpenAPI description of GET /api/v1/analytics (web/editor/analytics.py), merged into the document (document.py).

The figures' definitions are in web/analytics/figures.py's docstring and docs/knowledge-gaps.md.
"""

from __future__ import annotations

from typing import Any

from web.analytics.ranges import AUDIENCES, DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS
from web.api.openapi.parts import bad_request, common_errors, json_content, query, ref, response_ref
from web.db.models import GAP_OPEN_STATUSES


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def _count(description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "description": description}


def _rate(description: str) -> dict[str, Any]:
    return {
        "type": ["number", "null"],
        "minimum": 0,
        "maximum": 1,
        "description": description + " Null when the denominator is 0.",
    }


_DATE = {"type": "string", "format": "date"}
_NULLABLE_HOURS = {"type": ["number", "null"], "minimum": 0}

_DAY_FIGURES = {
    "date": _DATE,
    "conversations": _count("Conversations started this day."),
    "handoffs": _count("Of those, conversations with a hand-off request."),
    "questions": _count("Questions asked this day that got an answer (status ok)."),
    "answered": _count("Questions not abstained."),
    "abstained": _count("Questions the bot said it cannot answer (is_gap)."),
    "helpful": _count("Answers of this day whose latest rating is 👍."),
    "not_helpful": _count("Answers of this day whose latest rating is 👎."),
    "answer_rate": _rate("answered / questions."),
    "abstain_rate": _rate("abstained / questions."),
    "helpful_rate": _rate("helpful / (helpful + not_helpful)."),
}

ANALYTICS_SCHEMAS: dict[str, Any] = {
    "AnalyticsDay": _object(_DAY_FIGURES),
    "Analytics": _object(
        {
            "from": {**_DATE, "description": "First day of the range (UTC), included."},
            "to": {**_DATE, "description": "Last day of the range (UTC), included."},
            "audience": {"enum": list(AUDIENCES)},
            "conversations": _count("Conversations started in the range."),
            "handoffs": _count("Of those, conversations with a hand-off request (made at any time)."),
            "questions": _count("Questions asked in the range that got an answer (status ok)."),
            "answered": _count("Questions not abstained."),
            "abstained": _count("Questions the bot said it cannot answer (is_gap)."),
            "rated": _count("Questions whose answer has feedback; the latest click of each counts."),
            "helpful": _count("Rated answers whose latest rating is 👍."),
            "not_helpful": _count("Rated answers whose latest rating is 👎."),
            "answer_rate": _rate("answered / questions."),
            "abstain_rate": _rate("abstained / questions."),
            "helpful_rate": _rate("helpful / rated."),
            "handoff_rate": _rate("handoffs / conversations."),
            "deflection_rate": _rate("Conversations that ended without a hand-off request / conversations."),
            "closure": _object(
                {
                    "verified": _count("Gaps verified in the range."),
                    "median_hours": {**_NULLABLE_HOURS, "description": "From first question to verification."},
                    "mean_hours": _NULLABLE_HOURS,
                }
            ),
            "top_questions": {
                "type": "array",
                "description": "The 10 most asked questions, grouped by masked, normalised text.",
                "items": _object(
                    {
                        "question": {"type": "string", "description": "Most frequent wording; personal data masked."},
                        "count": _count("Times asked."),
                        "abstained": _count("Times the bot abstained on it."),
                    }
                ),
            },
            "top_open_gaps": {
                "type": "array",
                "description": "The 10 highest-ranked open or assigned gaps with questions in the range, ranked by "
                "count x recency as of the end of the range.",
                "items": _object(
                    {
                        "id": {"type": "integer"},
                        "title": {"type": "string", "description": "Representative question, masked."},
                        "count": _count("Distinct questions."),
                        "status": {"enum": list(GAP_OPEN_STATUSES)},
                        "audience": {"enum": ["public", "internal"]},
                        "community": {"type": ["string", "null"]},
                        "last_seen": {"type": "string", "format": "date-time"},
                        "rank": {"type": "number"},
                    }
                ),
            },
            "content": {
                "type": "array",
                "description": "Every document cited by an answer of the range, most cited first.",
                "items": _object(
                    {
                        "id": {"type": "string", "description": "Document id."},
                        "title": {"type": "string"},
                        "cited": _count("Answers citing it (once per answer)."),
                        "helpful": _count("Of those, answers rated 👍 (latest click)."),
                        "not_helpful": _count("Of those, answers rated 👎 (latest click)."),
                        "helpful_rate": _rate("helpful / (helpful + not_helpful)."),
                        "deleted": {"type": "boolean", "description": "The document was deleted since."},
                    }
                ),
            },
            "daily": {"type": "array", "items": ref("AnalyticsDay"), "description": "Every day of the range."},
        }
    ),
}

ANALYTICS_PATHS: dict[str, Any] = {
    "/api/v1/analytics": {
        "get": {
            "operationId": "getAnalytics",
            "summary": "The analytics figures for a date range (roles viewer, editor, admin)",
            "description": f"Default range: the last {DEFAULT_RANGE_DAYS} days, today (UTC) included. At most "
            f"{MAX_RANGE_DAYS} days. A widget site key gets 401, an employee without the role 403.",
            "parameters": [
                query("from", _DATE, "First day (UTC), included."),
                query(
                    "to",
                    _DATE,
                    "Last day (UTC), included: from=2026-11-01&to=2026-11-30 is November. Default: "
                    f"today. Without 'from', the {DEFAULT_RANGE_DAYS} days that end with 'to'. 'from' after 'to' is "
                    "a 400; from = to is one day.",
                ),
                query("audience", {"enum": list(AUDIENCES), "default": "all"}),
            ],
            "responses": {
                "200": json_content(ref("Analytics"), "The figures."),
                **common_errors(),
                "400": bad_request(
                    f"bad_range (dates that are not a usable range: from after to, more than {MAX_RANGE_DAYS} days, "
                    "or past the calendar's ends)."
                ),
                "403": response_ref("Forbidden"),
            },
        }
    }
}
