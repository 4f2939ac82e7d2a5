"""A message to ``ANSWERDESK_HANDOFF_WEBHOOK_URL`` for every new hand-off request, so that agents learn someone is
waiting for a person without watching the inbox.

As the gap alerts (web/gaps/notifications.py): a Slack incoming-webhook message (``text`` + ``blocks``; other
receivers read the machine fields under ``answerdesk``), sent in the background with retries (web/http/webhooks.py),
never in the way of the request that asked. The link is built on ``ANSWERDESK_PUBLIC_URL``, never on the Host
header of the visitor's request. What the person wrote is masked again (in case raw questions are kept), clipped,
and has Slack's control characters escaped; their e-mail address is not sent, only whether there is one. A request
whose alert is lost (the receiver down through every retry) is still in the inbox, the source of truth.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.routing import BuildError

from chatbot.config import Settings
from web.chat.privacy import mask_pii
from web.db.models import Handoff
from web.http.links import absolute_link
from web.http.serialize import timestamp
from web.http.webhooks import retry_delays, slack_escape, start_delivery
from web.inbox.queries import customer_question
from web.wording import clipped

log = logging.getLogger(__name__)

EVENT_HANDOFF_REQUESTED = "handoff.requested"
REQUEST_PAGE_ENDPOINT = "inbox.handoff"
REQUEST_PAGE_PATH = "/editor/inbox/{handoff_id}"
MAX_TEXT_CHARS = 300  # a Slack section holds 3,000 characters; the whole text is on the request's page


def alert_new_handoff(app: Flask, settings: Settings, handoff: Handoff) -> None:
    """Queue the alert for ``handoff`` (committed) when a webhook is set. Returns at once; never raises."""
    if not settings.handoff_webhook_url:
        return
    try:
        payload = handoff_alert_payload(handoff, customer_question(handoff), request_link(app, handoff.id))
        start_delivery(settings.handoff_webhook_url, payload, f"hand-off {handoff.id}", retry_delays(app))
    except Exception:
        log.exception("could not queue the webhook alert for hand-off %s", handoff.id)


def request_link(app: Flask, handoff_id: int) -> str:
    """The request's page in the inbox, on the public base URL (else its path)."""
    try:
        path = app.url_map.bind("answerdesk.invalid").build(REQUEST_PAGE_ENDPOINT, {"handoff_id": handoff_id})
    except BuildError:  # the inbox pages are not registered
        path = REQUEST_PAGE_PATH.format(handoff_id=handoff_id)
    return absolute_link(app, path)


def handoff_alert_payload(handoff: Handoff, question: str, link: str) -> dict[str, Any]:
    asked = clipped(mask_pii(question), MAX_TEXT_CHARS)
    message = clipped(mask_pii(handoff.message or ""), MAX_TEXT_CHARS)
    asked_in = "slack" if handoff.conversation.in_slack else "chat"
    replies = "in the Slack thread" if asked_in == "slack" else "by e-mail" if handoff.email else "in the chat only"
    is_absolute = link.startswith(("http://", "https://"))
    quoted = slack_escape(asked) if asked else "(no question yet)"
    text = f"Someone asked for a person (hand-off {handoff.id}): {quoted}"
    text += f" <{link}|Open it in the inbox>" if is_absolute else f" Open {link} in answerdesk."
    lines = f"*Someone asked for a person*\n>{quoted}"
    if message and message != asked:
        lines += f"\nTheir message: {slack_escape(message)}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": lines}},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"Asked in: *{'Slack' if asked_in == 'slack' else 'the chat'}*"},
                {"type": "mrkdwn", "text": f"The answer goes {replies}"},
                {"type": "mrkdwn", "text": f"Hand-off {handoff.id}"},
            ],
        },
    ]
    if is_absolute:  # Slack rejects a whole message whose button has a relative URL
        button = {"type": "button", "text": {"type": "plain_text", "text": "Answer it"}, "url": link}
        blocks.append({"type": "actions", "elements": [{**button, "style": "primary"}]})
    return {
        "text": text,
        "blocks": blocks,
        "answerdesk": {
            "event": EVENT_HANDOFF_REQUESTED,
            "handoff_id": handoff.id,
            "asked_in": asked_in,
            "question": asked,
            "message": message or None,
            "has_email": handoff.email is not None,
            "url": link,
            "created_at": timestamp(handoff.created_at),
        },
    }
