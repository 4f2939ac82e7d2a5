"""The editor area (placeholder): for now, the open hand-off requests."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.auth import current_employee, require_role
from web.queries import count_open_handoffs, open_handoffs

bp = Blueprint("editor", __name__, url_prefix="/editor")

EDITOR_ROLES = ("editor", "viewer")


@bp.get("/")
@require_role(*EDITOR_ROLES)
def index() -> str:
    return render_template(
        "editor.html", user=current_employee(), open_count=count_open_handoffs(), handoffs=open_handoffs(limit=20)
    )
