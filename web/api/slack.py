"""POST /slack/events: Slack's Events API and interactivity (button clicks) for the Bolt app of web/slack/.

Registered only when ANSWERDESK_SLACK_BOT_TOKEN and ANSWERDESK_SLACK_SIGNING_SECRET are set. Slack proves itself
with its request signature (Bolt checks it and answers 401 otherwise), not with a session: no CSRF token, and the
chat rate limits do not apply (Slack retries what we refuse, and the people asking are the company's own).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from slack_bolt.adapter.flask import SlackRequestHandler

from chatbot.config import Settings
from web.access.auth import csrf
from web.slack.bot import init_slack_bot, slack_bot

bp = Blueprint("slack", __name__)
csrf.exempt(bp)


@bp.post("/slack/events")
def events() -> Response:
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit()):
        # Slack signs every request with its Unix time; Slack's own verifier raised (a 500) on one that is not a
        # number, before any signature was checked.
        return Response("invalid request timestamp", status=401, mimetype="text/plain")
    return SlackRequestHandler(slack_bot(current_app).bolt).handle(request)


def init_slack(app: Flask, settings: Settings) -> None:
    if settings.slack_bot_token and settings.slack_signing_secret:
        init_slack_bot(app, settings)
        app.register_blueprint(bp)
