"""POST /slack/events: Slack's Events API and interactivity (button clicks) for the Bolt app of web/slack/.

Registered only when ANSWERDESK_SLACK_BOT_TOKEN and ANSWERDESK_SLACK_SIGNING_SECRET are set. Slack proves itself
with its request signature (Bolt checks it and answers 401 otherwise), not with a session: no CSRF token, and the
chat rate limits do not apply (Slack retries what we refuse, and the people asking are the company's own).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from flask import Blueprint, Flask, Response, current_app, request
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from chatbot.config import Settings
from web.access.auth import csrf
from web.http.errors import error_body
from web.services import get_settings
from web.slack.bot import init_slack_bot, slack_bot

bp = Blueprint("slack", __name__)
csrf.exempt(bp)


@bp.post("/slack/events")
def events() -> Response:
    settings = get_settings(current_app)
    body = request.get_data(cache=True)  # Bolt reads the same bytes again
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit()):
        # Slack signs every request with its Unix time; Slack's own verifier raised (a 500) on one that is not a
        # number, before any signature was checked.
        return _refused(401, "unauthorized", "The request timestamp is missing or not a number.")
    verifier = SignatureVerifier(settings.slack_signing_secret or "")
    if not verifier.is_valid(body, timestamp, request.headers.get("X-Slack-Signature", "")):
        # Checked on the raw bytes before anything is parsed: Bolt parsed the body first, and any client that sent a
        # current timestamp with a body that is not JSON got a 500 and a traceback in the log (round 38).
        return _refused(401, "unauthorized", "The request is not signed with this app's signing secret.")
    problem = _malformed(body, request.content_type or "")
    if problem is not None:
        return _refused(400, "bad_request", problem)
    response = SlackRequestHandler(slack_bot(current_app).bolt).handle(request)
    if response.status_code == 404:
        return _refused(404, "not_handled", "Nothing here handles this kind of Slack request.")
    return response


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refused(status: int, code: str, message: str) -> Response:
    return Response(json.dumps(error_body(code, message)), status=status, mimetype="application/json")


def _malformed(body: bytes, content_type: str) -> str | None:
    """Why a signed body is not a Slack request the app can read, or None. Slack sends events as a JSON object and
    button clicks as a form with a JSON-object ``payload``; a body of another shape reached the listeners, which
    failed with a 500 (``"event": null``, ``"actions": []``)."""
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_qs(body.decode("utf-8"))
            if "payload" not in form:
                return None  # a slash command's form: its fields are read one by one
            data = json.loads(form["payload"][0])
        else:
            data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "The body is not JSON (nor a form with a JSON payload)."
    if not isinstance(data, dict):
        return "The body must be a JSON object."
    kind = data.get("type")
    if kind == "url_verification" and not isinstance(data.get("challenge"), str):
        return "A url_verification request needs a challenge."
    if kind == "event_callback":
        event = data.get("event")
        if not isinstance(event, dict):
            return "An event_callback request needs an event object."
        # Read as text by the listeners and stored: a number, a NUL or a lone surrogate failed there (an apology
        # in Slack and a traceback; PostgreSQL refuses a NUL), where the HTTP API answers 400.
        for name in ("text", "channel", "user", "ts", "thread_ts"):
            value = event.get(name)
            if value is not None and not (isinstance(value, str) and _storable(value)):
                return f"The event's {name} must be text without NUL characters or lone surrogates."
    if kind == "block_actions":
        actions = data.get("actions")
        if not (
            isinstance(actions, list)
            and actions
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
        ):
            return "A block_actions request needs a list of actions, each with an action_id."
    return None


def init_slack(app: Flask, settings: Settings) -> None:
    if settings.slack_bot_token and settings.slack_signing_secret:
        init_slack_bot(app, settings)
        app.register_blueprint(bp)
