"""The editor's articles pages under /editor/articles (skeleton: filled in by the articles work)."""

from __future__ import annotations

from flask import Blueprint

from web.auth import require_role
from web.permissions import READ_ROLES

bp = Blueprint("editor_articles", __name__, url_prefix="/editor/articles")


@bp.get("/")
@require_role(*READ_ROLES)
def index() -> str:
    return "articles"
