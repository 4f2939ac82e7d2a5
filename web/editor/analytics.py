"""Analytics pages: /editor/analytics and the CSV exports under /editor/exports/ (the JSON is web/api/analytics.py).

All take the same parameters: ``from`` and ``to`` (YYYY-MM-DD, UTC: the first and the last day of the
range, both included, as on the contributors' board; default the last 30 days, today included) and ``audience``
(all, public, internal). Roles viewer, editor and admin; an employee gets 403, and a widget
site key on the API 401 (it is not an employee credential at all), as on /api/v1/gaps.

The charts are inline SVG (web/editor/charts.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from werkzeug.routing import BuildError

from web.access.auth import require_role
from web.access.permissions import READ_ROLES
from web.analytics.exports import EXPORTS, export_rows
from web.analytics.figures import analytics_report
from web.analytics.ranges import DEFAULT_RANGE_DAYS, AudienceFilter, DateRange, RangeError, filters_from_args
from web.audit.log import record
from web.editor.article_paths import article_path
from web.editor.charts import daily_charts
from web.http.errors import ApiError
from web.http.spreadsheet import csv_stream

bp = Blueprint("analytics", __name__)

EXPORT_KINDS = tuple(EXPORTS)
CONTENT_ROWS_ON_PAGE = 50


def _filters() -> tuple[DateRange, AudienceFilter]:
    return filters_from_args(request.args)


def _checked_filters() -> tuple[DateRange, AudienceFilter]:
    try:
        return _filters()
    except RangeError as exc:
        raise ApiError(400, exc.code, str(exc)) from None


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
    record(
        "analytics.export",
        f"export:{kind}",
        {"from": str(period.start), "to": str(period.last_day), "audience": audience},
    )
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
    try:
        return url_for("editor_articles.article", doc_id=document_id)  # a dashboard article's page is its slug
    except BuildError:  # the articles pages are not installed: the documented address, built the same way
        # Document ids are paths and may hold '#' or spaces (editor/faq#gap-3): quoted, slashes kept.
        return f"{request.script_root}/editor/articles/{quote(article_path(document_id), safe='/')}"


def number(value: int) -> str:
    return f"{value:,}"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def duration(hours: float | None) -> str:
    if hours is None:
        return "—"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"
