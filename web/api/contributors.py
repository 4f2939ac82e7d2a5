"""GET /api/v1/contributors: the contributors' board as JSON (viewer and up; parameters as on the page)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from web.access.auth import require_role
from web.access.callers import identify_employee_caller
from web.access.permissions import READ_ROLES
from web.analytics.contributors import WEIGHTS, board_query, contributor_board

bp = Blueprint("contributors_api", __name__, url_prefix="/api/v1")


@bp.before_request
def _identify_api_caller() -> None:
    identify_employee_caller("The board is")


@bp.get("/contributors")
@require_role(*READ_ROLES)
def board() -> Any:
    query = board_query(request.args)
    return jsonify(
        {
            "from": query.period.first_day.isoformat() if query.period.first_day else None,
            "to": query.period.last_day.isoformat() if query.period.last_day else None,
            "community": query.community,
            "weights": WEIGHTS,
            "contributors": [c.to_dict() for c in contributor_board(query.period, query.community)],
        }
    )
