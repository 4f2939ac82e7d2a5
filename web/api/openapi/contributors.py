"""The OpenAPI description of GET /api/v1/contributors (web/api/contributors.py), merged into the document."""

from __future__ import annotations

from typing import Any

from web.api.openapi.parts import bad_request, common_errors, json_content, query, ref, response_ref

_DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
_COUNTS = {
    "score": {"type": "integer", "description": "Weighted sum of the counts (see weights)."},
    "verified_gaps": {"type": "integer", "description": "Gaps this person resolved whose verification passed."},
    "documents": {"type": "integer", "description": "Distinct documents they wrote a version of in the dashboard."},
    "versions": {"type": "integer", "description": "Document versions they wrote in the dashboard."},
    "thumbs_up": {"type": "integer", "description": "👍 (latest rating) on answers citing their writing."},
}

CONTRIBUTOR_SCHEMAS: dict[str, Any] = {
    "ContributorCounts": {"type": "object", "required": list(_COUNTS), "properties": _COUNTS},
    "Contributor": {
        "type": "object",
        "required": ["rank", "email", *_COUNTS, "communities", "badges"],
        "properties": {
            "rank": {"type": "integer", "minimum": 1},
            "email": {"type": "string"},
            **_COUNTS,
            "communities": {
                "type": "object",
                "additionalProperties": ref("ContributorCounts"),
                "description": "The same counts per community.",
            },
            "badges": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "label"],
                    "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
                },
                "description": "Earned over all time, whatever the date range.",
            },
        },
    },
    "ContributorBoard": {
        "type": "object",
        "required": ["from", "to", "community", "weights", "contributors"],
        "properties": {
            "from": _DATE_OR_NULL,
            "to": _DATE_OR_NULL,
            "community": {"type": ["string", "null"]},
            "weights": {"type": "object", "additionalProperties": {"type": "integer"}},
            "contributors": {"type": "array", "items": ref("Contributor")},
        },
    },
}

CONTRIBUTOR_PATHS: dict[str, Any] = {
    "/api/v1/contributors": {
        "get": {
            "operationId": "getContributors",
            "summary": "The contributors' board, ranked by score (roles viewer, editor, admin)",
            "description": "Without dates: all time. A widget site key gets 401, an employee without the role 403.",
            "parameters": [
                {"name": "community", "in": "query", "schema": {"type": "string"}},
                query("from", {"type": "string", "format": "date"}, "First day (UTC), included."),
                query("to", {"type": "string", "format": "date"}, "Last day (UTC), included."),
            ],
            "responses": {
                "200": json_content(ref("ContributorBoard"), "The board."),
                **common_errors(),
                "400": bad_request("bad_range (from after to)."),
                "403": response_ref("Forbidden"),
            },
        }
    }
}
