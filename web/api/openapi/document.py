"""The OpenAPI 3.1 description of the API, written by hand: it is the contract, so it is reviewed like code.

tests/test_api.py checks that every route of the app is described here.
"""

from __future__ import annotations

from typing import Any

from chatbot.language import VISIBLE_PATTERN
from web.api.openapi.analytics import ANALYTICS_PATHS, ANALYTICS_SCHEMAS
from web.api.openapi.answers import ANSWER_SCHEMAS, INTENT, SSE_DESCRIPTION
from web.api.openapi.contributors import CONTRIBUTOR_PATHS, CONTRIBUTOR_SCHEMAS
from web.api.openapi.gaps import GAP_PATHS, GAP_SCHEMAS
from web.api.openapi.inbox import INBOX_PATHS, INBOX_SCHEMAS
from web.api.openapi.parts import EMAIL, ID, common_errors, json_content, ref, response_ref, text
from web.api.openapi.suggestions import SUGGESTION_PATHS, SUGGESTION_SCHEMAS
from web.db.models import FEEDBACK_REASONS, HANDOFF_STATUSES

API_VERSION = "1.0.0"


_NULLABLE_STRING = {"type": ["string", "null"]}
_CONVERSATION_ID = {
    "type": ["string", "null"],
    "minLength": 1,
    "maxLength": 64,
    "pattern": VISIBLE_PATTERN,
    "description": "Continue this conversation (it must be the caller's); omit it or send null to start one. Blank "
    "is a 400, an id that is not the caller's a 404.",
}
_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "Stable machine-readable code, e.g. bad_question, invalid_site_key, "
                        "conversation_not_found, rate_limited, answerer_unavailable.",
                    },
                    "message": {"type": "string", "description": "Human-readable explanation (English)."},
                },
            }
        },
    },
    "ChatRequest": {
        "type": "object",
        "required": ["question"],
        "additionalProperties": False,
        "properties": {
            "question": text(
                2000,
                "Stripped first; it must show something: not only spaces, control or invisible format characters.",
                VISIBLE_PATTERN,
            ),
            "conversation_id": _CONVERSATION_ID,
            "stream": {"type": "boolean", "default": False, "description": "Answer as text/event-stream."},
        },
    },
    "FeedbackRequest": {
        "type": "object",
        "required": ["message_id", "helpful"],
        "additionalProperties": False,
        "properties": {
            "message_id": ID,
            "helpful": {"type": "boolean"},
            "reasons": {"type": "array", "items": {"type": "string", "enum": list(FEEDBACK_REASONS)}},
            "comment": {"type": ["string", "null"], "maxLength": 2000},
        },
    },
    "Feedback": {
        "type": "object",
        "required": ["id", "message_id", "helpful", "reasons", "comment", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "message_id": {"type": "integer"},
            "helpful": {"type": "boolean"},
            "reasons": {"type": "array", "items": {"type": "string", "enum": list(FEEDBACK_REASONS)}},
            "comment": _NULLABLE_STRING,
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "HandoffRequest": {
        "type": "object",
        "description": "Without conversation_id a new conversation is opened: then an email or a message (not "
        "blank) is required, or the person who answers would have nothing to go on.",
        "additionalProperties": False,
        "properties": {
            "conversation_id": _CONVERSATION_ID,
            "email": {**EMAIL, "description": "Where to answer. Null or absent: none (an employee's own address)."},
            "message": {"type": ["string", "null"], "maxLength": 2000},
        },
        "anyOf": [
            {"required": ["conversation_id"], "properties": {"conversation_id": {"type": "string"}}},
            {"required": ["email"], "properties": {"email": {"type": "string"}}},
            {"required": ["message"], "properties": {"message": {"type": "string", "pattern": VISIBLE_PATTERN}}},
        ],
    },
    "Handoff": {
        "type": "object",
        "required": ["id", "conversation_id", "email", "message", "status", "reply", "handled_at", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "conversation_id": {"type": "string"},
            "email": _NULLABLE_STRING,
            "message": _NULLABLE_STRING,
            "status": {
                "type": "string",
                "enum": list(HANDOFF_STATUSES),
                "description": "open: waiting; answered: an agent replied; closed: handled without a reply.",
            },
            "reply": {**_NULLABLE_STRING, "description": "The agent's reply (answered only)."},
            "handled_at": {"type": ["string", "null"], "format": "date-time"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "HandoffRequested": {
        "allOf": [
            ref("Handoff"),
            {
                "type": "object",
                "required": ["already_open", "reply_by_email"],
                "properties": {
                    "already_open": {
                        "type": "boolean",
                        "description": "true: the conversation's request was still open, and this one was added to "
                        "it (its message below the first, a new email replacing the old one).",
                    },
                    "reply_by_email": {
                        "type": "boolean",
                        "description": "true: the team's reply will be e-mailed too (the service has a mail server "
                        "and the request an address). Either way it shows in the conversation "
                        "(GET /api/v1/conversations/{id}, `handoffs`).",
                    },
                },
            },
        ]
    },
    "ConversationHandoff": {
        "type": "object",
        "description": "A hand-off request of the conversation as its owner sees it: the team's reply, once "
        "answered (who wrote it is not shown).",
        "required": ["id", "status", "reply", "answered_at", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": list(HANDOFF_STATUSES)},
            "reply": _NULLABLE_STRING,
            "answered_at": {"type": ["string", "null"], "format": "date-time"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "Message": {
        "type": "object",
        "required": [
            "id",
            "question",
            "answer",
            "status",
            "error_code",
            "is_gap",
            "reason",
            "intent",
            "confidence",
            "language",
            "citations",
            "sources",
            "related",
            "helpful",
            "created_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "question": {"type": "string"},
            "answer": {"type": ["string", "null"], "description": "Null when the answerer failed."},
            "status": {"type": "string", "enum": ["ok", "failed"]},
            "error_code": _NULLABLE_STRING,
            "is_gap": {"type": "boolean"},
            "reason": _NULLABLE_STRING,
            "intent": INTENT,
            "confidence": {"type": ["number", "null"]},
            "language": _NULLABLE_STRING,
            "citations": {"type": "array", "items": ref("Citation")},
            "sources": {"type": "array", "items": ref("SourceRef")},
            "related": {"type": "array", "items": ref("SourceRef")},
            "helpful": {"type": ["boolean", "null"], "description": "The latest feedback, if any."},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "Conversation": {
        "type": "object",
        "required": ["id", "audience", "created_at", "updated_at", "messages", "handoffs"],
        "properties": {
            "id": {"type": "string"},
            "audience": {"type": "string", "enum": ["public", "internal"]},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "messages": {"type": "array", "items": ref("Message")},
            "handoffs": {
                "type": "array",
                "items": ref("ConversationHandoff"),
                "description": "Requests to talk to a human, oldest first, with the team's replies.",
            },
        },
    },
    "ConversationSummary": {
        "type": "object",
        "required": ["id", "audience", "title", "messages", "created_at", "updated_at"],
        "properties": {
            "id": {"type": "string"},
            "audience": {"type": "string", "enum": ["public", "internal"]},
            "title": {"type": "string", "description": "The first question, shortened."},
            "messages": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
}

_RESPONSES: dict[str, Any] = {
    "BadRequest": json_content(
        ref("Error"),
        "Invalid body or field (codes bad_json, bad_request, bad_question, bad_text, bad_session_id, csrf_failed). "
        "Every JSON body: bad_text for a lone surrogate or a NUL character (\\u0000) in any string or key, "
        "bad_request for an integer beyond signed 64 bits, bad_json for nesting deeper than 32. Every request: "
        "bad_text for a NUL in a query or path parameter, a header or a form field.",
    ),
    "Unauthorized": json_content(
        ref("Error"), "Missing or unknown site key or token (codes invalid_site_key, invalid_token, unauthorized)."
    ),
    "Forbidden": json_content(ref("Error"), "The caller's role does not allow this (code forbidden)."),
    "NotFound": json_content(
        ref("Error"),
        "Not found, or not the caller's (codes not_found, conversation_not_found, message_not_found, "
        "handoff_not_found).",
    ),
    "MethodNotAllowed": json_content(ref("Error"), "Wrong HTTP method (code method_not_allowed)."),
    "TooLarge": json_content(ref("Error"), "Request body over 64 KiB (code body_too_large)."),
    "RateLimited": {
        **json_content(ref("Error"), "Rate limit reached (code rate_limited)."),
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    },
    "InternalError": json_content(ref("Error"), "Unexpected error, logged on the server (code internal_error)."),
    "Unavailable": {
        **json_content(
            ref("Error"),
            "The answerer, database or vector store is unavailable (codes answerer_unavailable, "
            "database_unavailable: locked, read-only or unreachable, on any endpoint; vector_store_unavailable).",
        ),
        "headers": {
            "Retry-After": {"description": "Seconds to wait (database_unavailable).", "schema": {"type": "integer"}}
        },
    },
}

_COMMON_ERRORS = common_errors()
_WRITE_ERRORS = {
    **common_errors(body=True),
    "404": response_ref("NotFound"),
    "429": response_ref("RateLimited"),
}

_PATHS: dict[str, Any] = {
    "/api/v1/chat": {
        "post": {
            "operationId": "chat",
            "summary": "Ask a question",
            "description": "The turn is stored in both modes, and the question even when the answerer fails; a "
            "turn that cannot be stored (database_unavailable) is not answered.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("ChatRequest")}}},
            "responses": {
                "200": {
                    "description": "The answer (JSON), or the answer events. " + SSE_DESCRIPTION,
                    "content": {
                        "application/json": {"schema": ref("ChatAnswer")},
                        "text/event-stream": {"schema": ref("ChatStreamEvent")},
                    },
                },
                **_WRITE_ERRORS,
            },
        }
    },
    "/api/v1/feedback": {
        "post": {
            "operationId": "feedback",
            "summary": "Rate an answer",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("FeedbackRequest")}},
            },
            "responses": {"201": json_content(ref("Feedback"), "Stored."), **_WRITE_ERRORS},
        }
    },
    "/api/v1/handoff": {
        "post": {
            "operationId": "handoff",
            "summary": "Ask for a human",
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("HandoffRequest")}}},
            "responses": {
                "201": json_content(ref("HandoffRequested"), "Stored; in the agents' inbox."),
                "200": json_content(ref("HandoffRequested"), "Added to the conversation's request still open."),
                **_WRITE_ERRORS,
            },
        }
    },
    "/api/v1/conversations": {
        "get": {
            "operationId": "listConversations",
            "summary": "The caller's conversations, most recent first (at most 50)",
            "responses": {
                "200": json_content(
                    {
                        "type": "object",
                        "required": ["conversations"],
                        "properties": {"conversations": {"type": "array", "items": ref("ConversationSummary")}},
                    },
                    "The conversations.",
                ),
                **_COMMON_ERRORS,
            },
        }
    },
    "/api/v1/conversations/{conversation_id}": {
        "get": {
            "operationId": "getConversation",
            "summary": "One of the caller's conversations with its messages",
            "parameters": [{"name": "conversation_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": json_content(ref("Conversation"), "The conversation."),
                "404": response_ref("NotFound"),
                **_COMMON_ERRORS,
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1 document.", "content": {"application/json": {}}}},
        }
    },
    "/healthz": {
        "get": {
            "operationId": "healthz",
            "summary": "The process is up",
            "security": [],
            "responses": {
                "200": json_content({"type": "object", "properties": {"status": {"const": "ok"}}}, "Up."),
            },
        }
    },
    "/readyz": {
        "get": {
            "operationId": "readyz",
            "summary": "The database takes writes (not locked, not read-only) and the vector store answers",
            "security": [],
            "responses": {
                "200": json_content({"type": "object", "properties": {"status": {"const": "ready"}}}, "Ready."),
                "503": response_ref("Unavailable"),
            },
        }
    },
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "answerdesk API",
            "version": API_VERSION,
            "description": (
                "Grounded answers with citations from the knowledge base. Callers: a website's widget sends "
                "X-Site-Key and X-Session-Id (audience public, CORS limited to the site's origins); an employee "
                "sends Authorization: Bearer TOKEN, or uses the login session cookie plus the X-CSRFToken header "
                '(audience internal). Every error has the body {"error": {"code", "message"}}.'
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"siteKey": [], "sessionId": []}, {"bearerToken": []}, {"sessionCookie": [], "csrfToken": []}],
        "paths": {**_PATHS, **INBOX_PATHS, **GAP_PATHS, **ANALYTICS_PATHS, **CONTRIBUTOR_PATHS, **SUGGESTION_PATHS},
        "components": {
            "schemas": {
                **_SCHEMAS,
                **ANSWER_SCHEMAS,
                **GAP_SCHEMAS,
                **ANALYTICS_SCHEMAS,
                **CONTRIBUTOR_SCHEMAS,
                **SUGGESTION_SCHEMAS,
                **INBOX_SCHEMAS,
            },
            "responses": _RESPONSES,
            "securitySchemes": {
                "siteKey": {"type": "apiKey", "in": "header", "name": "X-Site-Key"},
                "sessionId": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Session-Id",
                    "description": "Random id (16-128 of A-Z a-z 0-9 - _) the widget keeps in localStorage; "
                    "owns the visitor's conversations.",
                },
                "bearerToken": {"type": "http", "scheme": "bearer", "description": "`answerdesk tokens create`."},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }
