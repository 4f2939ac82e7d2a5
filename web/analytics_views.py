"""Analytics: the /editor/analytics page, GET /api/v1/analytics, and the CSV exports under /editor/exports/.

All three take the same parameters: ``from`` and ``to`` (YYYY-MM-DD, UTC: the first and the last day of the
range, both included, as on the contributors' board; default the last 30 days, today included) and ``audience``
(all, public, internal). Roles viewer, editor and admin; an employee gets 403, and a widget
site key on the API 401 (it is not an employee credential at all), as on /api/v1/gaps.

The charts are inline SVG computed here (no JavaScript chart library, nothing loaded from a CDN): each has a
<title> and <desc> for screen readers and the page has the same figures as a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, render_template, request, stream_with_context, url_for
from werkzeug.routing import BuildError

from web.analytics import (
    DEFAULT_RANGE_DAYS,
    AudienceFilter,
    DateRange,
    Day,
    RangeError,
    analytics_report,
    parse_audience,
    parse_range,
    report_json,
)
from web.auth import require_role
from web.callers import identify_employee_caller
from web.errors import ApiError
from web.exports import EXPORTS, csv_stream, export_rows
from web.permissions import READ_ROLES

bp = Blueprint("analytics", __name__)

API_PATH = "/api/v1/analytics"
EXPORT_KINDS = tuple(EXPORTS)
CONTENT_ROWS_ON_PAGE = 50


@bp.before_request
def _identify_api_caller() -> None:
    # Only the API route: the page and the exports are browser pages behind the login session.
    if request.path != API_PATH:
        return
    identify_employee_caller("Analytics are")


def _filters() -> tuple[DateRange, AudienceFilter]:
    """The request's range and audience; RangeError when they cannot be used."""
    period = parse_range(request.args.get("from") or None, request.args.get("to") or None)
    return period, parse_audience(request.args.get("audience") or None)


def _checked_filters() -> tuple[DateRange, AudienceFilter]:
    try:
        return _filters()
    except RangeError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None


@bp.get(API_PATH)
@require_role(*READ_ROLES)
def api() -> Any:
    period, audience = _checked_filters()
    return jsonify(report_json(analytics_report(period, audience)))


@bp.get("/editor/analytics")
@require_role(*READ_ROLES)
def page() -> Any:
    try:
        period, audience = _filters()
    except RangeError as exc:
        # Show the form again with what was typed and why it was refused.
        form = {"from": request.args.get("from", ""), "to": request.args.get("to", ""), "audience": "all"}
        page = render_template(
            "editor/analytics.html", section="analytics", error=str(exc), form=form, default_days=DEFAULT_RANGE_DAYS
        )
        return page, 400
    report = analytics_report(period, audience)
    params: dict[str, Any] = {"from": period.start.isoformat(), "to": period.last_day.isoformat(), "audience": audience}
    return render_template(
        "editor/analytics.html",
        section="analytics",
        error=None,
        form=params,
        report=report,
        default_days=DEFAULT_RANGE_DAYS,
        content_limit=CONTENT_ROWS_ON_PAGE,
        charts=daily_charts(report.daily),
        exports={kind: url_for("analytics.export", kind=kind, **params) for kind in EXPORT_KINDS},
        gap_url=gap_url,
        article_url=article_url,
        percent=percent,
        duration=duration,
        number=number,
    )


@bp.get("/editor/exports/<any(feedback, gaps, conversations):kind>.csv")
@require_role(*READ_ROLES)
def export(kind: str) -> Response:
    period, audience = _checked_filters()
    rows = export_rows(kind, period, audience)
    filename = f"{kind}_{period.start.isoformat()}_{period.last_day.isoformat()}.csv"
    return Response(
        stream_with_context(csv_stream(EXPORTS[kind], rows)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Personal data, even masked: not for shared caches.
            "Cache-Control": "no-store",
        },
    )


# -- links and formatting for the template -----------------------------------------------------------------------
def gap_url(gap_id: int) -> str:
    try:
        return url_for("editor.gap", gap_id=gap_id)
    except BuildError:  # the gap page is not installed (yet): its documented address
        return f"{request.script_root}/editor/gaps/{gap_id}"


def article_url(document_id: str) -> str:
    # Document ids are paths and may hold '#' or spaces (editor/faq#gap-3): quoted, slashes kept.
    return f"{request.script_root}/editor/articles/{quote(document_id, safe='/')}"


def number(value: int) -> str:
    return f"{value:,}"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def duration(hours: float | None) -> str:
    if hours is None:
        return "—"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


# -- charts: inline SVG geometry ---------------------------------------------------------------------------------
WIDTH = 720
HEIGHT = 200
LEFT = 52  # room for the y-axis labels
RIGHT = 8
TOP = 10
BOTTOM = 22  # room for the date labels
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
MAX_DATE_LABELS = 8


@dataclass(frozen=True)
class Series:
    label: str
    css: str  # a class of the page's stylesheet, which sets the colour
    values: list[float | None]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    tooltip: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    tooltip: str


@dataclass(frozen=True)
class Line:
    css: str
    segments: list[str]  # polyline points; a day without data breaks the line
    dots: list[Dot]


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    id: str
    title: str
    description: str
    legend: list[tuple[str, str]]  # (css, label)
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def daily_charts(days: list[Day]) -> list[Chart]:
    labels = [day.day.isoformat() for day in days]
    return [
        stacked_bars(
            "chart-questions",
            "Questions per day",
            "Questions answered and abstained (the bot said it does not know) per day.",
            labels,
            [
                Series("answered", "answered", [d.answered for d in days]),
                Series("abstained", "abstained", [d.abstained for d in days]),
            ],
        ),
        rate_lines(
            "chart-rates",
            "Rates per day",
            "Answer rate, abstain rate and helpful rate (thumbs up over rated answers) per day, 0 to 100 %; "
            "days without questions or ratings have no point.",
            labels,
            [
                Series("answer rate", "answered", [_rate(d.answered, d.questions) for d in days]),
                Series("abstain rate", "abstained", [_rate(d.abstained, d.questions) for d in days]),
                Series("helpful rate", "helpful", [_rate(d.helpful, d.rated) for d in days]),
            ],
        ),
        stacked_bars(
            "chart-conversations",
            "Conversations per day",
            "Conversations started per day: those that ended without a hand-off request (deflected) and those "
            "handed off to a human.",
            labels,
            [
                Series("deflected", "deflected", [d.conversations - d.handoffs for d in days]),
                Series("handed off", "handoff", [d.handoffs for d in days]),
            ],
        ),
        stacked_bars(
            "chart-feedback",
            "Feedback per day",
            "Thumbs up and thumbs down on the answers of each day (the latest click of each answer).",
            labels,
            [
                Series("👍 helpful", "helpful", [d.helpful for d in days]),
                Series("👎 not helpful", "not-helpful", [d.not_helpful for d in days]),
            ],
        ),
    ]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^k at or above ``value`` (at least 1): round numbers on the axis."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def stacked_bars(chart_id: str, title: str, description: str, labels: list[str], series: list[Series]) -> Chart:
    count = max(len(labels), 1)
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    top = nice_ceiling(max(totals, default=0))
    band = PLOT_WIDTH / count
    rects = []
    for i, label in enumerate(labels):
        base: float = TOP + PLOT_HEIGHT
        for s in series:
            value = s.values[i] or 0
            height = value / top * PLOT_HEIGHT
            if value:
                rects.append(
                    Rect(
                        x=_round(LEFT + i * band + band * 0.15),
                        y=_round(base - height),
                        width=_round(max(band * 0.7, 0.5)),
                        height=_round(height),
                        css=s.css,
                        tooltip=f"{label}: {value:g} {s.label}",
                    )
                )
            base -= height
    y_ticks = [Tick(_round(TOP + PLOT_HEIGHT * (1 - f)), f"{top * f:g}") for f in (0.0, 0.5, 1.0)]
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        legend=[(s.css, s.label) for s in series],
        y_ticks=y_ticks,
        x_ticks=_date_ticks(labels, band),
        rects=rects,
    )


def rate_lines(chart_id: str, title: str, description: str, labels: list[str], series: list[Series]) -> Chart:
    band = PLOT_WIDTH / max(len(labels), 1)
    lines = []
    for s in series:
        segments: list[list[str]] = []
        dots = []
        previous = None
        for i, value in enumerate(s.values):
            if value is None:
                previous = None
                continue
            x, y = _round(LEFT + (i + 0.5) * band), _round(TOP + PLOT_HEIGHT * (1 - value))
            if previous is None:
                segments.append([])
            segments[-1].append(f"{x},{y}")
            dots.append(Dot(x, y, f"{labels[i]}: {s.label} {value * 100:.1f} %"))
            previous = value
        lines.append(Line(css=s.css, segments=[" ".join(points) for points in segments], dots=dots))
    y_ticks = [Tick(_round(TOP + PLOT_HEIGHT * (1 - f)), f"{f * 100:.0f} %") for f in (0.0, 0.5, 1.0)]
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        legend=[(s.css, s.label) for s in series],
        y_ticks=y_ticks,
        x_ticks=_date_ticks(labels, band),
        lines=lines,
    )


def _date_ticks(labels: list[str], band: float) -> list[Tick]:
    step = max(1, math.ceil(len(labels) / MAX_DATE_LABELS))
    return [Tick(_round(LEFT + (i + 0.5) * band), labels[i][5:]) for i in range(0, len(labels), step)]


def _round(value: float) -> float:
    return round(value, 1)
