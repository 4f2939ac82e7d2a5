"""Analytics: the /editor/analytics page, GET /api/v1/analytics and CSV exports (skeleton)."""

from __future__ import annotations

from flask import Blueprint

from web.auth import require_role
from web.permissions import READ_ROLES

bp = Blueprint("analytics", __name__)


@bp.get("/editor/analytics")
@require_role(*READ_ROLES)
def page() -> str:
    return "analytics"
