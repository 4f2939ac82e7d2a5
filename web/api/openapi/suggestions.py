"""The OpenAPI description of the edit-suggestion routes (web/api/suggestions.py), merged into the document."""

from __future__ import annotations

from typing import Any

from web.api.openapi.parts import body, common_errors, json_content, query, response_ref, text
from web.api.suggestions import MAX_SUGGESTION_CHARS, SUGGESTION_STATUSES

_SUGGESTION_REF = {"$ref": "#/components/schemas/EditSuggestion"}
_DOC_ID = {
    "name": "doc_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The document id; may contain '/' (a file path) and must be URL-encoded otherwise ('#': %23).",
}
_ERRORS = {
    **common_errors(),
    "403": response_ref("Forbidden"),
    "404": response_ref("NotFound"),
}

SUGGESTION_SCHEMAS: dict[str, Any] = {
    "EditSuggestion": {
        "type": "object",
        "required": ["id", "document_id", "text", "status", "author", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "document_id": {"type": "string"},
            "text": {"type": "string"},
            "status": {"enum": list(SUGGESTION_STATUSES)},
            "author": {"type": ["string", "null"], "description": "E-mail of the employee who suggested it."},
            "created_at": {"type": "string", "format": "date-time"},
        },
    }
}

SUGGESTION_PATHS: dict[str, Any] = {
    "/api/v1/documents/{doc_id}/suggestions": {
        "get": {
            "operationId": "listEditSuggestions",
            "summary": "A document's edit suggestions, newest first (roles viewer, editor, admin)",
            "parameters": [_DOC_ID, query("status", {"enum": list(SUGGESTION_STATUSES)}, "Only these; empty: all.")],
            "responses": {
                "200": json_content({"type": "array", "items": _SUGGESTION_REF}, "The suggestions."),
                **_ERRORS,
            },
        },
        "post": {
            "operationId": "suggestEdit",
            "summary": "Suggest an edit to a document (any employee)",
            "parameters": [_DOC_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body(["text"], {"text": text(MAX_SUGGESTION_CHARS)})}},
            },
            "responses": {
                "201": json_content(_SUGGESTION_REF, "The new suggestion."),
                "200": json_content(_SUGGESTION_REF, "The same open suggestion, sent again: stored once."),
                **_ERRORS,
                **common_errors(body=True),
            },
        },
    }
}
