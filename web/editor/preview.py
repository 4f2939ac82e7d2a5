"""POST /editor/articles/preview: Markdown as the article page will show it, for every editor textarea
(web/static/editor.js). JSON in and out, so it is a blueprint of its own beside the HTML article pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from web.access.auth import csrf, require_role
from web.access.permissions import READ_ROLES
from web.articles.writer import MAX_BODY_CHARS
from web.editor.articles import allow_article_bodies
from web.editor.markdown import render_markdown
from web.http.errors import ApiError
from web.http.payloads import json_object

bp = Blueprint("editor_preview", __name__, url_prefix="/editor/articles")
csrf.exempt(bp)  # checked by allow_article_bodies, after the body limit is raised (see web/editor/articles.py)
bp.before_request(allow_article_bodies)


@bp.post("/preview")
@require_role(*READ_ROLES)
def preview() -> Any:
    """``{"text"}`` -> ``{"html"}`` (raw HTML escaped)."""
    text = json_object().get("text")
    if not isinstance(text, str):
        raise ApiError(400, "bad_request", "'text' must be a string.")
    if len(text) > MAX_BODY_CHARS:
        raise ApiError(413, "text_too_long", f"The preview takes at most {MAX_BODY_CHARS:,} characters.")
    return jsonify({"html": str(render_markdown(text))})
