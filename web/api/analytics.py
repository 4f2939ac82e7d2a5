"""GET /api/v1/analytics: the analytics report as JSON (viewer and up; parameters as on /editor/analytics)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from web.access.auth import require_role
from web.access.callers import identify_employee_caller
from web.access.permissions import READ_ROLES
from web.analytics.figures import analytics_report
from web.analytics.ranges import RangeError, filters_from_args
from web.analytics.report import report_json
from web.http.errors import ApiError

bp = Blueprint("analytics_api", __name__, url_prefix="/api/v1")


@bp.before_request
def _identify_api_caller() -> None:
    identify_employee_caller("Analytics are")


@bp.get("/analytics")
@require_role(*READ_ROLES)
def report() -> Any:
    try:
        period, audience = filters_from_args(request.args)
    except RangeError as exc:
        raise ApiError(400, exc.code, str(exc)) from None
    return jsonify(report_json(analytics_report(period, audience)))
