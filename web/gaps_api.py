"""The editors' gap API, /api/v1/gaps: the queue, one gap, and the triage and resolve actions.

Reads need viewer, editor or admin; writes need editor or admin. A widget site key is not an employee credential
at all: 401 (send a token), where an employee without the role gets 403.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from chatbot.types import Audience
from web.auth import csrf, current_employee, require_role
from web.callers import identify_caller
from web.errors import ApiError
from web.gap_actions import assign_gap, dismiss_gap, merge_gap
from web.gap_queries import find_gap, gap_detail, gap_queue, gap_summary
from web.gap_resolve import FaqDraft, resolve_with_article, resolve_with_faq
from web.models import GAP_STATUSES, Gap, User
from web.payloads import json_object, optional_str, required_id, required_str

bp = Blueprint("gaps_api", __name__, url_prefix="/api/v1/gaps")
csrf.exempt(bp)  # session callers are checked by identify_caller (X-CSRFToken), as on the rest of the API

MAX_REASON_CHARS = 2000
MAX_FAQ_QUESTION_CHARS = 500
MAX_FAQ_ANSWER_CHARS = 10000
MAX_ID_CHARS = 512
READ_ROLES = ("editor", "viewer")
WRITE_ROLES = ("editor",)


@bp.before_request
def _identify_caller() -> None:
    caller = identify_caller()
    if caller.via == "site_key":
        raise ApiError(401, "unauthorized", "Gaps are for employees: send an API token or log in.")
    g.caller = caller


@bp.get("")
@require_role(*READ_ROLES)
def list_gaps() -> Any:
    status = request.args.get("status") or None
    if status is not None and status not in GAP_STATUSES:
        raise ApiError(400, "bad_request", f"'status' must be one of: {', '.join(GAP_STATUSES)}.")
    community = request.args.get("community") or None
    return jsonify([gap_summary(gap) for gap in gap_queue(status, community)])


@bp.get("/<int:gap_id>")
@require_role(*READ_ROLES)
def get_gap(gap_id: int) -> Any:
    return jsonify(gap_detail(_gap(gap_id)))


@bp.post("/<int:gap_id>/assign")
@require_role(*WRITE_ROLES)
def assign(gap_id: int) -> Any:
    data = json_object()
    return jsonify(gap_detail(assign_gap(_gap(gap_id), _actor(), required_str(data, "user", 254))))


@bp.post("/<int:gap_id>/dismiss")
@require_role(*WRITE_ROLES)
def dismiss(gap_id: int) -> Any:
    data = json_object()
    return jsonify(gap_detail(dismiss_gap(_gap(gap_id), _actor(), required_str(data, "reason", MAX_REASON_CHARS))))


@bp.post("/<int:gap_id>/merge")
@require_role(*WRITE_ROLES)
def merge(gap_id: int) -> Any:
    data = json_object()
    target = _gap(required_id(data, "into"))
    return jsonify(gap_detail(merge_gap(_gap(gap_id), _actor(), target)))


@bp.post("/<int:gap_id>/resolve")
@require_role(*WRITE_ROLES)
def resolve(gap_id: int) -> Any:
    data = json_object()
    gap = _gap(gap_id)
    faq = data.get("faq")
    article_id = optional_str(data, "article_id", MAX_ID_CHARS)
    if (faq is None) == (article_id is None):
        raise ApiError(400, "bad_request", "Send either 'faq' {question, answer} or 'article_id'.")
    if article_id is not None:
        verification = resolve_with_article(gap, _actor(), article_id)
    else:
        verification = resolve_with_faq(gap, _actor(), _faq_draft(faq))
    return jsonify({**gap_detail(gap), "verification": verification.to_dict()})


def _faq_draft(faq: object) -> FaqDraft:
    if not isinstance(faq, dict):
        raise ApiError(400, "bad_request", "'faq' must be an object with 'question' and 'answer'.")
    audience = optional_str(faq, "audience", 16)
    if audience is not None and audience not in ("public", "internal"):
        raise ApiError(400, "bad_request", "'audience' must be public or internal.")
    checked: Audience | None = "internal" if audience == "internal" else ("public" if audience else None)
    return FaqDraft(
        question=required_str(faq, "question", MAX_FAQ_QUESTION_CHARS),
        answer=required_str(faq, "answer", MAX_FAQ_ANSWER_CHARS),
        audience=checked,
        community=optional_str(faq, "community", 128),
    )


def _gap(gap_id: int) -> Gap:
    gap = find_gap(gap_id)
    if gap is None:
        raise ApiError(404, "gap_not_found", "No such gap.")
    return gap


def _actor() -> User:
    user = current_employee()
    assert user is not None  # require_role ran first
    return user
