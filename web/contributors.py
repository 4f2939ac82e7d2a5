"""The contributors' board at /editor/contributors (skeleton)."""

from __future__ import annotations

from flask import Blueprint

from web.auth import require_role
from web.permissions import READ_ROLES

bp = Blueprint("contributors", __name__, url_prefix="/editor/contributors")


@bp.get("/")
@require_role(*READ_ROLES)
def board() -> str:
    return "contributors"
