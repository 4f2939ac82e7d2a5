"""The OpenAPI description of the agents' hand-off API (web/api/inbox.py), merged into the document."""

from __future__ import annotations

from typing import Any

from web.api.inbox import STATUS_CHOICES
from web.api.openapi.parts import ID, body, common_errors, json_content, query, ref, text
from web.inbox.actions import MAX_REPLY_CHARS

_HANDOFF_ID = {"name": "handoff_id", "in": "path", "required": True, "schema": ID}
_ERRORS = {
    **common_errors(),
    "403": json_content(ref("Error"), "Code forbidden: the role is not agent, editor or admin (or a site key)."),
}
_ACTION_ERRORS = {
    **_ERRORS,
    **common_errors(body=True),
    "404": json_content(ref("Error"), "No such hand-off (code handoff_not_found)."),
    "409": json_content(
        ref("Error"), "Code handoff_handled: the request was answered or closed already (one reply per request)."
    ),
}

INBOX_SCHEMAS: dict[str, Any] = {
    "InboxHandoff": {
        "allOf": [
            ref("Handoff"),
            {
                "type": "object",
                "required": [
                    "question",
                    "handled_by",
                    "asked_in",
                    "email_status",
                    "email_error",
                    "slack_status",
                    "slack_error",
                ],
                "properties": {
                    "question": {
                        "type": "string",
                        "description": "What the person wants answered: the last question before the request, "
                        "else their message (empty when neither).",
                    },
                    "handled_by": {"type": ["string", "null"], "description": "E-mail of the agent who handled it."},
                    "asked_in": {
                        "enum": ["chat", "slack"],
                        "description": "Where the person asked: chat (the widget, the help page, the chat API: the "
                        "reply is shown there and e-mailed) or slack (the reply is posted into their Slack thread).",
                    },
                    "email_status": {
                        "enum": ["sent", "failed", "no_address", "not_configured", None],
                        "description": "What became of the reply's e-mail: sent, failed (email_error says why); in "
                        "the answer to a reply also no_address or not_configured (no mail server). The reply is "
                        "stored whatever happens to the e-mail.",
                    },
                    "email_error": {"type": ["string", "null"]},
                    "slack_status": {
                        "enum": ["sent", "failed", "not_configured", None],
                        "description": "For a request asked in Slack, what became of the reply's message in the "
                        "thread: sent, failed (slack_error says why); in the answer to a reply also not_configured "
                        "(no ANSWERDESK_SLACK_BOT_TOKEN). Null otherwise. The reply is stored whatever Slack does.",
                    },
                    "slack_error": {"type": ["string", "null"]},
                },
            },
        ]
    }
}

INBOX_PATHS: dict[str, Any] = {
    "/api/v1/handoffs": {
        "get": {
            "operationId": "listHandoffs",
            "summary": "Hand-off requests, newest first, at most 100 (roles agent, editor, viewer, admin)",
            "parameters": [query("status", {"enum": list(STATUS_CHOICES)}, "open (default), answered, closed, all.")],
            "responses": {
                "200": json_content(
                    {
                        "type": "object",
                        "required": ["handoffs"],
                        "properties": {"handoffs": {"type": "array", "items": ref("InboxHandoff")}},
                    },
                    "The requests.",
                ),
                **_ERRORS,
            },
        }
    },
    "/api/v1/handoffs/{handoff_id}/reply": {
        "post": {
            "operationId": "replyToHandoff",
            "summary": "Answer an open request (roles agent, editor, admin)",
            "description": "The reply is stored first (the person sees it in their conversation), then e-mailed when "
            "they left an address and ANSWERDESK_SMTP_URL is set, or, for a request asked in Slack, posted into its "
            "Slack thread; a failed e-mail or Slack message does not undo the reply (still 200, with the outcome).",
            "parameters": [_HANDOFF_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body(["reply"], {"reply": text(MAX_REPLY_CHARS)})}},
            },
            "responses": {"200": json_content(ref("InboxHandoff"), "Answered."), **_ACTION_ERRORS},
        }
    },
    "/api/v1/handoffs/{handoff_id}/close": {
        "post": {
            "operationId": "closeHandoff",
            "summary": "Close an open request without a reply (roles agent, editor, admin)",
            "parameters": [_HANDOFF_ID],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": body([], {}, description="No fields: {} or no body.")}},
            },
            "responses": {"200": json_content(ref("InboxHandoff"), "Closed."), **_ACTION_ERRORS},
        }
    },
}
