"""The editors' gap API, /api/v1/gaps: the queue, one gap, and the triage and resolve actions.

Reads need viewer, editor or admin; writes need editor or admin, and an editor scoped to communities may only act
on gaps of those communities (403 forbidden; web.gaps.actions checks it). A widget site key is not an employee
credential at all: 401 (send a token), where an employee without the role gets 403.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from chatbot.types import Audience
from web.access.auth import acting_employee, csrf, current_employee, require_role
from web.access.callers import identify_employee_caller
from web.access.permissions import READ_ROLES, WRITE_ROLES
from web.db.models import Gap
from web.gaps.actions import MAX_COMMENT_CHARS, add_comment, assign_gap, dismiss_gap, merge_gap, move_question
from web.gaps.notifications import GapAlerts, gap_alerts
from web.gaps.queries import QUEUE_LIMIT, find_gap, gap_detail, gap_filter_from_args, gap_summary, search_gaps
from web.gaps.resolve import FaqDraft, resolve_with_article, resolve_with_faq
from web.http.errors import ApiError
from web.http.payloads import (
    MAX_INT64,
    check_fields,
    json_object,
    optional_bool,
    optional_email,
    optional_str,
    required_id,
    required_str,
)
from web.services import get_answerer, get_runtime, get_settings, running_app

bp = Blueprint("gaps_api", __name__, url_prefix="/api/v1/gaps")
csrf.exempt(bp)  # session callers are checked by identify_caller (X-CSRFToken), as on the rest of the API

MAX_REASON_CHARS = 2000
MAX_FAQ_QUESTION_CHARS = 500
MAX_FAQ_ANSWER_CHARS = 10000
MAX_ID_CHARS = 512
MAX_LIST_LIMIT = 1000
FAQ_FIELDS = ("question", "answer", "audience", "community")
MAX_COMMUNITY_CHARS = 128


@bp.before_request
def _identify_caller() -> None:
    identify_employee_caller("Gaps are")


@bp.get("")
@require_role(*READ_ROLES)
def list_gaps() -> Any:
    """Ranked by count x recency. Without ``status`` every status is listed (the dashboard defaults to open and
    assigned instead: it is a work queue, the API is also for reports)."""
    gap_filter = gap_filter_from_args(request.args, current_employee(), default_statuses=None)
    limit = _int_arg("limit", QUEUE_LIMIT, 1, MAX_LIST_LIMIT)
    offset = _int_arg("offset", 0, 0, MAX_INT64)
    gaps, _total = search_gaps(gap_filter, offset=offset, limit=limit)
    return jsonify([gap_summary(gap) for gap in gaps])


def _int_arg(name: str, default: int, lowest: int, highest: int | None) -> int:
    value = request.args.get(name)
    if not value:
        return default
    try:
        # Digits only, as the document's integer: int() alone also takes " 5", "+5", "1_0" and other scripts' digits.
        number = int(value) if value.isascii() and value.isdigit() else lowest - 1
    except ValueError:  # more digits than int() converts
        number = lowest - 1
    if number < lowest or (highest is not None and number > highest):
        allowed = f"between {lowest} and {highest}" if highest is not None else f"of at least {lowest}"
        raise ApiError(400, "bad_request", f"'{name}' must be an integer {allowed}.")
    return number


@bp.get("/<int:gap_id>")
@require_role(*READ_ROLES)
def get_gap(gap_id: int) -> Any:
    return jsonify(gap_detail(_gap(gap_id)))


@bp.post("/<int:gap_id>/assign")
@require_role(*WRITE_ROLES)
def assign(gap_id: int) -> Any:
    """``{"user": email}`` assigns (to an editor of the gap's community or an admin); ``{"user": null}`` unassigns."""
    data = json_object("user")
    if "user" not in data:
        raise ApiError(400, "bad_request", "'user' must be an editor's e-mail, or null to unassign.")
    return jsonify(gap_detail(assign_gap(_gap(gap_id), acting_employee(), optional_email(data, "user"))))


@bp.post("/<int:gap_id>/comment")
@require_role(*WRITE_ROLES)
def comment(gap_id: int) -> Any:
    data = json_object("text")
    gap = _gap(gap_id)
    add_comment(gap, acting_employee(), required_str(data, "text", MAX_COMMENT_CHARS))
    return jsonify(gap_detail(gap))


@bp.post("/<int:gap_id>/dismiss")
@require_role(*WRITE_ROLES)
def dismiss(gap_id: int) -> Any:
    data = json_object("reason")
    return jsonify(
        gap_detail(dismiss_gap(_gap(gap_id), acting_employee(), required_str(data, "reason", MAX_REASON_CHARS)))
    )


@bp.post("/<int:gap_id>/merge")
@require_role(*WRITE_ROLES)
def merge(gap_id: int) -> Any:
    data = json_object("into")
    target = _gap(required_id(data, "into"))
    return jsonify(gap_detail(merge_gap(_gap(gap_id), acting_employee(), target, _alerts())))


@bp.post("/<int:gap_id>/move")
@require_role(*WRITE_ROLES)
def move(gap_id: int) -> Any:
    """Move one question (``message_id``) to another open gap of the same audience (``to``); returns this gap."""
    data = json_object("message_id", "to")
    gap = _gap(gap_id)
    message_id = required_id(data, "message_id")
    target = _gap(required_id(data, "to"))
    embedder = get_runtime(current_app).embedder
    return jsonify(gap_detail(move_question(gap, acting_employee(), message_id, target, embedder, _alerts())))


@bp.post("/<int:gap_id>/resolve")
@require_role(*WRITE_ROLES)
def resolve(gap_id: int) -> Any:
    data = json_object("faq", "article_id", "accept_unverified")
    gap = _gap(gap_id)
    # Which one is sent decides, not which one is null: {"faq": null, "article_id": ...} is a wrong faq, not an
    # article resolve (the document has no nullable member here).
    if ("faq" in data) == ("article_id" in data):
        raise ApiError(400, "bad_request", "Send either 'faq' {question, answer} or 'article_id'.")
    accept_unverified = optional_bool(data, "accept_unverified", False)
    runtime, answerer = get_runtime(current_app), get_answerer(current_app)
    if "article_id" in data:
        article_id = required_str(data, "article_id", MAX_ID_CHARS)
        verification = resolve_with_article(
            gap, acting_employee(), article_id, answerer, runtime.embedder, accept_unverified=accept_unverified
        )
    else:
        faq = _faq_draft(data["faq"])
        verification = resolve_with_faq(
            gap, acting_employee(), faq, runtime, answerer, accept_unverified=accept_unverified
        )
    return jsonify({**gap_detail(gap), "verification": verification.to_dict()})


def _faq_draft(faq: object) -> FaqDraft:
    if not isinstance(faq, dict):
        raise ApiError(400, "bad_request", "'faq' must be an object with 'question' and 'answer'.")
    check_fields(faq, FAQ_FIELDS, "faq")
    audience = faq.get("audience", "")
    if "audience" in faq and audience not in ("public", "internal"):
        raise ApiError(400, "bad_request", "'faq.audience' must be public or internal (leave it out for the gap's).")
    checked: Audience | None = "internal" if audience == "internal" else ("public" if audience else None)
    return FaqDraft(
        question=required_str(faq, "question", MAX_FAQ_QUESTION_CHARS),
        answer=required_str(faq, "answer", MAX_FAQ_ANSWER_CHARS),
        audience=checked,
        community=optional_str(faq, "community", MAX_COMMUNITY_CHARS, nullable=False),
    )


def _alerts() -> GapAlerts:
    app = running_app()
    return gap_alerts(app, get_settings(app))


def _gap(gap_id: int) -> Gap:
    gap = find_gap(gap_id)
    if gap is None:
        raise ApiError(404, "gap_not_found", "No such gap.")
    return gap
