"""The agents' hand-off API, /api/v1/handoffs: the requests by status, and replying to or closing one.

Reading needs agent, editor, viewer or admin; replying and closing need agent, editor or admin (web.access.permissions:
INBOX_READ_ROLES, INBOX_ROLES). A widget's site key is no employee credential: 403, as before this API had more than
the list. Errors: 404 ``handoff_not_found``, 409 ``handoff_handled`` (answered or closed already: one reply per
request), 400 ``bad_request`` (an empty or too long reply). The reply is stored before it is delivered, by e-mail or,
for a request asked in Slack, into its Slack thread; the response's ``email_status`` or ``slack_status`` says what
became of it (web/inbox/actions.py). A failed delivery is still a 200: the reply was stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from web.access.auth import acting_employee, csrf, require_role
from web.access.callers import identify_caller
from web.access.permissions import INBOX_READ_ROLES, INBOX_ROLES
from web.db.models import HANDOFF_STATUSES, Handoff
from web.http.errors import ApiError
from web.http.payloads import json_object, required_str
from web.http.serialize import inbox_handoff_json
from web.inbox.actions import MAX_REPLY_CHARS, Delivery, close_handoff, reply_to_handoff
from web.inbox.queries import MAX_LIST_LIMIT, customer_question, find_handoff, list_handoffs
from web.services import get_settings

bp = Blueprint("inbox_api", __name__, url_prefix="/api/v1/handoffs")
csrf.exempt(bp)  # session callers are checked by identify_caller (X-CSRFToken), as on the rest of the API

STATUS_CHOICES = (*HANDOFF_STATUSES, "all")


@bp.before_request
def _identify_caller() -> None:
    g.caller = identify_caller()


@bp.get("")
@require_role(*INBOX_READ_ROLES)
def handoffs() -> Any:
    """Newest first, at most 100; ``status`` open (the default), answered, closed or all."""
    status = request.args.get("status") or "open"
    if status not in STATUS_CHOICES:
        raise ApiError(400, "bad_request", f"'status' must be one of {', '.join(STATUS_CHOICES)}.")
    rows = list_handoffs(None if status == "all" else status, limit=MAX_LIST_LIMIT)
    return jsonify({"handoffs": [_json(h) for h in rows]})


@bp.post("/<int:handoff_id>/reply")
@require_role(*INBOX_ROLES)
def reply(handoff_id: int) -> Any:
    data = json_object("reply")
    text = required_str(data, "reply", MAX_REPLY_CHARS)
    handoff = _handoff(handoff_id)
    delivery = reply_to_handoff(handoff, acting_employee(), text, get_settings(current_app))
    return jsonify(_json(handoff, delivery))


@bp.post("/<int:handoff_id>/close")
@require_role(*INBOX_ROLES)
def close(handoff_id: int) -> Any:
    # No body needed; one that is sent must be an empty JSON object, as documented.
    if request.content_length and json_object():
        raise ApiError(400, "bad_request", "Closing takes no fields: send {} or no body.")
    handoff = _handoff(handoff_id)
    close_handoff(handoff, acting_employee())
    return jsonify(_json(handoff))


def _json(handoff: Handoff, delivery: Delivery | None = None) -> dict[str, Any]:
    body = inbox_handoff_json(handoff, customer_question(handoff))
    if delivery is not None:
        # Also "no_address" and "not_configured", which are not stored: the caller learns why nothing was sent.
        body[f"{delivery.route}_status"] = delivery.status
    return body


def _handoff(handoff_id: int) -> Handoff:
    handoff = find_handoff(handoff_id)
    if handoff is None:
        raise ApiError(404, "handoff_not_found", f"There is no hand-off {handoff_id}.")
    return handoff
