"""The contributors' board page, /editor/contributors/ (viewer and up); the scoring is web/analytics/contributors.py."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from web.access.auth import current_employee, require_role
from web.access.permissions import READ_ROLES
from web.analytics.contributors import BADGES, WEIGHTS, board_communities, board_query, contributor_board

bp = Blueprint("contributors", __name__, url_prefix="/editor/contributors")


@bp.get("/")
@require_role(*READ_ROLES)
def board() -> str:
    query = board_query(request.args)
    return render_template(
        "editor/contributors.html",
        section="contributors",
        contributors=contributor_board(query.period, query.community),
        communities=board_communities(),
        selected_community=query.community,
        first_day=query.period.first_day,
        last_day=query.period.last_day,
        weights=WEIGHTS,
        badges=BADGES,
        me=current_employee(),
    )
