"""The OpenAPI description of the editors' gap API (web/api/gaps.py), merged into the document (document.py)."""

from __future__ import annotations

from typing import Any

from web.api.gaps import (
    MAX_COMMUNITY_CHARS,
    MAX_FAQ_ANSWER_CHARS,
    MAX_FAQ_QUESTION_CHARS,
    MAX_ID_CHARS,
    MAX_REASON_CHARS,
)
from web.api.openapi.parts import (
    EMAIL,
    ID,
    bad_request,
    body,
    common_errors,
    json_content,
    query,
    ref,
    response_ref,
    text,
)
from web.db.models import EVIDENCE_KINDS, GAP_STATUSES
from web.gaps.actions import MAX_COMMENT_CHARS
from web.gaps.queries import STATUS_LIST_PATTERN
from web.http.payloads import MAX_INT64

_NULLABLE_STRING = {"type": ["string", "null"]}
_DATE_OR_TIME = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}
_TIME = {"type": "string", "format": "date-time"}
_DOCUMENT_REF = {
    "type": ["object", "null"],
    "required": ["id", "title"],
    "properties": {"id": {"type": "string"}, "title": {"type": "string"}},
}
_GAP_ID = {"name": "gap_id", "in": "path", "required": True, "schema": ID}
_READ_ERRORS = {
    **common_errors(),
    "403": response_ref("Forbidden"),
    "404": response_ref("NotFound"),
}
_WRITE_ERRORS = {
    **_READ_ERRORS,
    **common_errors(body=True),
    "403": json_content(
        ref("Error"),
        "Code forbidden: the role is not editor or admin, or the gap (or the other gap of a merge or move) belongs "
        "to a community the editor does not edit.",
    ),
    "409": json_content(ref("Error"), "The gap is closed."),
}

GAP_SCHEMAS: dict[str, Any] = {
    "GapSummary": {
        "type": "object",
        "required": ["id", "title", "count", "status", "audience", "community", "assignee", "first_seen", "last_seen"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string", "description": "Representative question, personal data masked."},
            "count": {"type": "integer", "description": "Distinct questions."},
            "status": {"enum": list(GAP_STATUSES)},
            "audience": {"enum": ["public", "internal"]},
            "community": _NULLABLE_STRING,
            "assignee": {**_NULLABLE_STRING, "description": "E-mail of the assigned editor."},
            "first_seen": _TIME,
            "last_seen": _TIME,
        },
    },
    "GapQuestion": {
        "type": "object",
        "required": [
            "message_id",
            "question",
            "answer",
            "confidence",
            "reason",
            "sources",
            "evidence",
            "feedback",
            "created_at",
        ],
        "properties": {
            "message_id": {"type": "integer"},
            "question": {"type": "string", "description": "Masked: [email], [phone], [card], [iban], [id]."},
            "answer": _NULLABLE_STRING,
            "confidence": {"type": ["number", "null"]},
            "reason": _NULLABLE_STRING,
            "sources": {"type": "array", "items": {"type": "object"}, "description": "Ranked, with scores."},
            "evidence": {"type": "array", "items": {"enum": list(EVIDENCE_KINDS)}},
            "feedback": {"type": "array", "items": {"type": "object"}},
            "created_at": _TIME,
        },
    },
    "Gap": {
        "allOf": [
            ref("GapSummary"),
            {
                "type": "object",
                "required": ["dismissed_reason", "resolution", "verified_at", "questions", "comments", "events"],
                "properties": {
                    "dismissed_reason": _NULLABLE_STRING,
                    "resolution": {"type": ["object", "null"]},
                    "verified_at": {"type": ["string", "null"], "format": "date-time"},
                    "questions": {"type": "array", "items": ref("GapQuestion")},
                    "comments": {"type": "array", "items": ref("GapComment")},
                    "events": {"type": "array", "items": ref("GapEvent"), "description": "The audit trail."},
                },
            },
        ]
    },
    "GapComment": {
        "type": "object",
        "required": ["id", "author", "text", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "author": {**_NULLABLE_STRING, "description": "E-mail of the editor."},
            "text": {"type": "string"},
            "created_at": _TIME,
        },
    },
    "GapEvent": {
        "type": "object",
        "required": ["action", "user", "detail", "created_at"],
        "properties": {
            "action": {
                "type": "string",
                "description": "assign, dismiss, merge, merged_from, move_out, move_in, resolve.",
            },
            "user": _NULLABLE_STRING,
            "detail": {"type": "object"},
            "created_at": _TIME,
        },
    },
    "Verification": {
        "type": "object",
        "required": ["replayed", "answered", "verified", "failing", "failing_message_ids"],
        "properties": {
            "replayed": {"type": "integer"},
            "answered": {"type": "integer", "description": "Replayed questions that were not abstentions."},
            "verified": {
                "type": "boolean",
                "description": "All answered, citing the new or linked content, with answers about the questions.",
            },
            "failing": {"type": "array", "items": {"type": "string"}, "description": "Failing questions, masked."},
            "failing_message_ids": {"type": "array", "items": {"type": "integer"}},
            "cited": {"type": "integer", "description": "Replayed questions answered citing the fix."},
            "support": {
                "type": ["number", "null"],
                "description": "Mean cosine between those questions and the answers they got (null: not checked). "
                "Below the embedder's bar the answers are not about the questions and the gap is not verified.",
            },
            "unsupported_message_ids": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "Questions that cited the fix but whose answers are not about them.",
            },
            "own_passing": {
                "type": ["integer", "null"],
                "description": "FAQ fixes: questions that passed with the FAQ as written, before the gap's "
                "questions were attached to it (null for articles).",
            },
            "fit": {
                "type": ["object", "null"],
                "description": "FAQ fixes: mean cosine of the questions to the FAQ's question (to_question) and answer "
                "(to_answer), and between themselves (cohesion, capped); null: not measured.",
                "properties": {
                    "to_question": {"type": "number"},
                    "to_answer": {"type": "number"},
                    "cohesion": {"type": "number"},
                },
            },
            "attached": {
                "type": "integer",
                "description": "FAQ fixes: the gap's questions (masked) attached to the FAQ as search-only phrasings "
                "of its question, once the FAQ as written showed it answers them; 0: none.",
            },
            "answer_off_topic": {
                "type": "boolean",
                "description": "FAQ fixes: its answer is off the questions (below the bar an answer must reach, and "
                "far less about them than its question is: their own wording over an answer about something else), "
                "so the gap is not verified even when every question cites it.",
            },
            "replays": {
                "type": "array",
                "description": "What the bot answered each replayed question, in the order asked (absent from "
                "resolves stored before it was kept, and from the gap's events: the gap keeps the last resolve's).",
                "items": ref("Replay"),
            },
        },
    },
    "Replay": {
        "type": "object",
        "required": [
            *("message_id", "question", "answered", "reason", "confidence"),
            *("citation", "suggested", "answer", "outcome", "passed"),
        ],
        "properties": {
            "message_id": {"type": "integer"},
            "question": {
                "type": "string",
                "description": "As asked (a follow-up as it reads on its own), masked; [deleted] once its message is.",
            },
            "answered": {"type": "boolean", "description": "Not an abstention."},
            "reason": {
                **_NULLABLE_STRING,
                "description": "Why it was not answered: low_confidence (“I'm not sure”), no_match (out of scope: "
                "“I don't know”), llm_declined, empty_index; null when answered.",
            },
            "confidence": {"type": "number"},
            "citation": {
                **_DOCUMENT_REF,
                "description": "The fix when the answer cites it, else the answer's first citation; null: none.",
            },
            "suggested": {
                **_DOCUMENT_REF,
                "description": "With “I'm not sure”: the first article suggested instead; null otherwise.",
            },
            "answer": {"type": "string", "description": "The answer's first 200 characters on one line, masked."},
            "outcome": {
                "type": "string",
                "enum": ["cited_fix", "unsupported", "cited_other", "not_sure", "did_not_know"],
                "description": "cited_fix passes; unsupported: cited the fix, the answer is not about the question; "
                "cited_other: answered from another document; not_sure and did_not_know: not answered.",
            },
            "passed": {"type": "boolean"},
        },
    },
}


def _action(operation_id: str, summary: str, body: dict[str, Any], rules: str = "") -> dict[str, Any]:
    errors = {**_WRITE_ERRORS, "400": bad_request(rules)} if rules else _WRITE_ERRORS
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary + " (roles editor, admin)",
            "parameters": [_GAP_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {"200": json_content(ref("Gap"), "The gap after the action."), **errors},
        }
    }


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


_ACCEPT_UNVERIFIED = {
    "type": "boolean",
    "default": False,
    "description": "When verification fails, close the gap anyway with status resolved (an editor's judgement, "
    "no proof); without it the gap keeps its status.",
}
_RESOLVE_BODY = body(
    [],
    {
        "faq": body(
            ["question", "answer"],
            {
                "question": text(MAX_FAQ_QUESTION_CHARS),
                "answer": text(MAX_FAQ_ANSWER_CHARS),
                "audience": {"enum": ["public", "internal"], "description": "Absent: the gap's."},
                "community": {
                    "type": "string",
                    "maxLength": MAX_COMMUNITY_CHARS,
                    "description": "Absent or blank: the gap's.",
                },
            },
        ),
        "article_id": text(MAX_ID_CHARS, "A live document of the gap's audience."),
        "accept_unverified": _ACCEPT_UNVERIFIED,
    },
    oneOf=[{"required": ["faq"]}, {"required": ["article_id"]}],
    description="Either a new FAQ (faq) or the id of an article that now answers the gap (article_id).",
)

_RESOLVE_RULES = (
    "audience_mismatch (a public gap resolved with internal content). An article_id that is no live document: 404 "
    "document_not_found."
)

GAP_PATHS: dict[str, Any] = {
    "/api/v1/gaps": {
        "get": {
            "operationId": "listGaps",
            "summary": "The gap queue ranked by count x recency (roles viewer, editor, admin)",
            "parameters": [
                query(
                    "status",
                    {"type": "string", "pattern": STATUS_LIST_PATTERN},
                    "A status, a comma list (open,assigned) or all (the default).",
                ),
                query("community", {"type": "string"}, "Gaps routed to this community."),
                query("audience", {"enum": ["public", "internal"]}, "Gaps of this audience."),
                query("q", {"type": "string", "maxLength": 200}, "Words in the title or in any of the questions."),
                query("from", _DATE_OR_TIME, "Last seen on or after this date (YYYY-MM-DD) or time (RFC 3339)."),
                query("to", _DATE_OR_TIME, "Last seen before the end of this date, or before this time."),
                query("assignee", {"type": "string"}, "me, or an editor's e-mail."),
                query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200}, "Page size."),
                query(
                    "offset",
                    {"type": "integer", "minimum": 0, "maximum": MAX_INT64, "default": 0},
                    "Gaps to skip (ranked order).",
                ),
            ],
            "responses": {
                "200": json_content({"type": "array", "items": ref("GapSummary")}, "The gaps."),
                **_READ_ERRORS,
            },
        }
    },
    "/api/v1/gaps/{gap_id}": {
        "get": {
            "operationId": "getGap",
            "summary": "One gap with its questions (roles viewer, editor, admin)",
            "parameters": [_GAP_ID],
            "responses": {"200": json_content(ref("Gap"), "The gap."), **_READ_ERRORS},
        }
    },
    "/api/v1/gaps/{gap_id}/assign": _action(
        "assignGap",
        "Assign to an editor of the gap's community or an admin (user null: unassign)",
        body(["user"], {"user": {**EMAIL, "description": "The editor's e-mail; null unassigns."}}),
        "bad_assignee (the user is not an editor of the gap's community, nor an admin).",
    ),
    "/api/v1/gaps/{gap_id}/comment": _action(
        "commentGap", "Add a comment to the gap's thread", body(["text"], {"text": text(MAX_COMMENT_CHARS)})
    ),
    "/api/v1/gaps/{gap_id}/dismiss": _action(
        "dismissGap", "Dismiss with a reason", body(["reason"], {"reason": text(MAX_REASON_CHARS)})
    ),
    "/api/v1/gaps/{gap_id}/merge": _action(
        "mergeGap",
        "Move this gap's questions into another gap of the same audience and community; returns that gap",
        body(["into"], {"into": ID}),
        "bad_merge (into is this gap), scope_mismatch (a gap of another audience or community). An into that is no "
        "gap: 404 gap_not_found.",
    ),
    "/api/v1/gaps/{gap_id}/move": _action(
        "moveGapQuestion",
        "Move one question to another open gap of the same audience and community; returns this gap (dismissed when "
        "emptied)",
        body(["message_id", "to"], {"message_id": ID, "to": ID}),
        "bad_move (to is this gap), scope_mismatch (a gap of another audience or community). A to that is no gap: "
        "404 gap_not_found; a message_id that is not a question of this gap: 404 question_not_found.",
    ),
    "/api/v1/gaps/{gap_id}/resolve": {
        "post": {
            **_action(
                "resolveGap",
                "Resolve with a new FAQ or a corrected article, then verify",
                _RESOLVE_BODY,
                _RESOLVE_RULES,
            )["post"],
            "description": "The FAQ is stored as document editor/faq#gap-<id> (a new version on each resolve) and "
            "indexed at once; then every question of the gap is asked again. verified is true (status verified) "
            "only when all are answered and cite the FAQ or article; otherwise the status is unchanged, or resolved "
            "with accept_unverified. Open, assigned and resolved gaps can be resolved. A public gap cannot be "
            "resolved with internal content (400 audience_mismatch).",
            "responses": {
                "200": json_content(
                    {"allOf": [ref("Gap"), _object(["verification"], {"verification": ref("Verification")})]},
                    "The gap and the verification.",
                ),
                **_WRITE_ERRORS,
                "400": bad_request(_RESOLVE_RULES),
            },
        }
    },
}
