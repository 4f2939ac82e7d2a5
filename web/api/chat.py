"""The JSON API, /api/v1: chat, feedback, hand-off and conversations (the agents' hand-off inbox is web/api/inbox.py).
Described in web/api/openapi/document.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, stream_with_context

from chatbot.language import has_visible_text
from chatbot.types import Audience
from web.access.auth import csrf
from web.access.callers import current_caller, identify_caller
from web.api.openapi.document import openapi_document
from web.chat.conversations import (
    add_feedback,
    conversation_for_owner,
    conversation_history,
    conversations_for_owner,
    create_conversation,
    message_for_owner,
    save_conversation,
)
from web.chat.handoffs import add_to_handoff, open_handoff, request_handoff
from web.chat.turns import answer_turn, capture_quietly, stream_turn
from web.db.models import FEEDBACK_REASONS, committed_id
from web.http.errors import ApiError
from web.http.payloads import (
    json_object,
    optional_bool,
    optional_choices,
    optional_email,
    optional_ref,
    optional_str,
    required_bool,
    required_id,
)
from web.http.serialize import conversation_json, conversation_summary, feedback_json, handoff_json
from web.services import get_settings

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Callers prove themselves with a site key, a token, or (cookie sessions) an X-CSRFToken header (access/callers.py).
csrf.exempt(bp)

MAX_QUESTION_CHARS = 2000
MAX_TEXT_CHARS = 2000
CONVERSATION_ID_CHARS = 64
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})


@bp.before_request
def _identify_caller() -> None:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        g.caller = identify_caller()


@bp.post("/chat")
def chat() -> Any:
    caller = current_caller()
    data = json_object("question", "conversation_id", "stream")
    question = _question(data)
    conversation_id = optional_ref(data, "conversation_id", CONVERSATION_ID_CHARS, nullable=True)
    stream = optional_bool(data, "stream", False)
    if conversation_id is not None:
        conversation = conversation_for_owner(conversation_id, caller.owner)
        if conversation is None:
            raise _conversation_not_found()
        history = conversation_history(conversation)
    else:
        conversation = create_conversation(caller.owner, caller.audience)
        history = []
    audience: Audience = caller.audience
    if stream:
        # The events are produced after this view returns, possibly in a new database session: the conversation
        # must be committed now and is passed on by id.
        save_conversation(conversation)
        events = stream_with_context(stream_turn(conversation.id, question, history, audience))
        # no-cache and X-Accel-Buffering: proxies (nginx) must pass each event on at once, not buffer the answer.
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return Response(events, mimetype="text/event-stream", headers=headers)
    answer, message = answer_turn(conversation, question, history, audience)
    ids = {"conversation_id": committed_id(conversation), "message_id": committed_id(message)}
    return jsonify({**answer.to_dict(), **ids})


def _question(data: dict[str, Any]) -> str:
    question = data.get("question")
    if not isinstance(question, str) or not has_visible_text(question):
        raise ApiError(400, "bad_question", "'question' must be a non-empty string.")
    if len(question) > MAX_QUESTION_CHARS:  # as sent, like the document's maxLength
        raise ApiError(400, "bad_question", f"'question' must be at most {MAX_QUESTION_CHARS} characters.")
    return question.strip()


@bp.post("/feedback")
def feedback() -> Any:
    caller = current_caller()
    data = json_object("message_id", "helpful", "reasons", "comment")
    message_id = required_id(data, "message_id")
    helpful = required_bool(data, "helpful")
    reasons = optional_choices(data, "reasons", FEEDBACK_REASONS)
    comment = optional_str(data, "comment", MAX_TEXT_CHARS, visible=True)
    message = message_for_owner(message_id, caller.owner)
    if message is None:
        raise ApiError(404, "message_not_found", "No such message in your conversations.")
    row = add_feedback(message, helpful, reasons, comment)
    if not helpful:
        # The reasons and comment stay on the Feedback row, shown with the gap.
        capture_quietly(message, "downvoted")
    return jsonify(feedback_json(row)), 201


@bp.post("/handoff")
def handoff() -> Any:
    caller = current_caller()
    data = json_object("conversation_id", "email", "message")
    conversation_id = optional_ref(data, "conversation_id", CONVERSATION_ID_CHARS, nullable=True)
    email = optional_email(data, "email")
    text = optional_str(data, "message", MAX_TEXT_CHARS, visible=True)
    if conversation_id is None:
        # "Talk to a human" works before any question: the request opens a conversation of its own.
        if not (email or text):
            raise ApiError(400, "bad_request", "A hand-off without a conversation needs an email or a message.")
        conversation = create_conversation(caller.owner, caller.audience)
    else:
        found = conversation_for_owner(conversation_id, caller.owner)
        if found is None:
            raise _conversation_not_found()
        conversation = found
        if not (email or text or caller.user) and all(m.intent is not None for m in conversation.messages):
            # Only "I want to talk to a person" was said, and no way to reach the visitor left: the agent would
            # get "(no question)" and nobody to write to (round 39, a tester in the widget).
            raise ApiError(400, "bad_request", "A hand-off with no question asked needs an email or a message.")
    if email is None and caller.user is not None:
        email = caller.user.email  # an employee is reachable at their own address
    pending = open_handoff(conversation)
    if pending is not None:
        # Asked again before the team answered (the button twice, or "I want a person" after it): one request.
        row, status, already_open = add_to_handoff(pending, email, text), 200, True
    else:
        row, status, already_open = request_handoff(conversation, email, text), 201, False
    # Whether the reply will be e-mailed too: the widget promises an email only then (it promised one on a service
    # without a mail server, and the visitor never came back to read the reply in the chat).
    settings = get_settings(current_app)
    reply_by_email = bool(row.email and settings.smtp_url and settings.mail_from)
    return jsonify({**handoff_json(row), "already_open": already_open, "reply_by_email": reply_by_email}), status


@bp.get("/conversations")
def conversations() -> Any:
    rows = conversations_for_owner(current_caller().owner)
    return jsonify({"conversations": [conversation_summary(c) for c in rows]})


@bp.get("/conversations/<conversation_id>")
def conversation(conversation_id: str) -> Any:
    row = conversation_for_owner(conversation_id, current_caller().owner)
    if row is None:
        raise _conversation_not_found()
    return jsonify(conversation_json(row))


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


def _conversation_not_found() -> ApiError:
    # The same answer for "someone else's" and "does not exist": ids must not be probed for existence.
    return ApiError(404, "conversation_not_found", "No such conversation.")
