"""Employees' edit suggestions, /api/v1/documents/<doc_id>/suggestions (described in api/openapi/suggestions.py).

- ``POST {"text"}``: any employee (session with X-CSRFToken, or a Bearer token) proposes a correction to a live
  document; internal documents included, since every caller here is an employee. 201 with the suggestion; the same
  open text from the same employee again returns the existing one (200), so a double click stores it once.
- ``GET [?status=open|applied|declined]``: the document's suggestions, newest first, for viewers, editors and
  admins (the article page shows them with apply/decline buttons).
A widget site key is not an employee credential: 401, as on the gap API. Unknown or deleted documents: 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from web.access.auth import acting_employee, csrf, require_role
from web.access.callers import identify_employee_caller
from web.access.permissions import READ_ROLES
from web.articles.catalogue import live_document_or_404
from web.db.models import EditSuggestion, db
from web.http.errors import ApiError
from web.http.payloads import json_object, required_str
from web.http.serialize import timestamp

bp = Blueprint("suggestions_api", __name__, url_prefix="/api/v1/documents")
csrf.exempt(bp)  # session callers are checked by identify_caller (X-CSRFToken), as on the rest of the API

MAX_SUGGESTION_CHARS = 4000
SUGGESTION_STATUSES = ("open", "applied", "declined")


@bp.before_request
def _identify_caller() -> None:
    identify_employee_caller("Edit suggestions are")


@bp.post("/<path:doc_id>/suggestions")
@require_role()
def create_suggestion(doc_id: str) -> Any:
    document = live_document_or_404(doc_id)
    text = required_str(json_object("text"), "text", MAX_SUGGESTION_CHARS)
    user = acting_employee()
    repeated = db.session.scalar(
        select(EditSuggestion).where(
            EditSuggestion.document_id == document.id,
            EditSuggestion.user_id == user.id,
            EditSuggestion.status == "open",
            EditSuggestion.text == text,
        )
    )
    if repeated is not None:
        return jsonify(suggestion_json(repeated)), 200
    suggestion = EditSuggestion(document_id=document.id, user_id=user.id, text=text, status="open")
    db.session.add(suggestion)
    db.session.commit()
    return jsonify(suggestion_json(suggestion)), 201


@bp.get("/<path:doc_id>/suggestions")
@require_role(*READ_ROLES)
def list_suggestions(doc_id: str) -> Any:
    document = live_document_or_404(doc_id)
    status = request.args.get("status") or None
    if status is not None and status not in SUGGESTION_STATUSES:
        raise ApiError(400, "bad_request", f"'status' must be one of: {', '.join(SUGGESTION_STATUSES)}.")
    query = select(EditSuggestion).where(EditSuggestion.document_id == document.id)
    if status is not None:
        query = query.where(EditSuggestion.status == status)
    rows = db.session.scalars(query.order_by(EditSuggestion.id.desc())).all()
    return jsonify([suggestion_json(s) for s in rows])


def suggestion_json(suggestion: EditSuggestion) -> dict[str, Any]:
    return {
        "id": suggestion.id,
        "document_id": suggestion.document_id,
        "text": suggestion.text,
        "status": suggestion.status,
        "author": suggestion.user.email if suggestion.user is not None else None,
        "created_at": timestamp(suggestion.created_at),
    }
