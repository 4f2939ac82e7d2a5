"""The OpenAPI description of an answer: the JSON of POST /api/v1/chat and its server-sent events (stream=true).

OpenAPI 3.1 cannot say what the items of a stream are (3.2 adds ``itemSchema``), so the ``text/event-stream``
schema describes one event, the way tools that read event streams (schemathesis among them) take it: an object with
the event's name, ``event``, and its ``data``, a JSON text whose shape ``contentSchema`` gives. The events and
their order are web/chat/turns.py's.
"""

from __future__ import annotations

from typing import Any

from web.api.openapi.parts import ref

_NULLABLE_STRING = {"type": ["string", "null"]}

INTENT = {
    "type": ["string", "null"],
    "enum": ["greeting", "thanks", "goodbye", "handoff", "rejection", "clarify", None],
    "description": "Set when the message was conversation, not a question (a greeting, thanks, a goodbye, a "
    'request for a person, or a rejection of the answer before it: "that\'s not what I asked"): the answer is a '
    "short reply (for handoff: the offer to talk to a human), never a gap itself; a rejection records the answer "
    'before it as down-voted; clarify: a first message that names nothing ("how long will it take?") is '
    "asked what it is about. Clients show no sources or rating for it. Null for answers to questions.",
}

# What the answer says besides its text: the JSON answer and the `citations` event both carry these.
_ANSWER_FACTS: dict[str, Any] = {
    "is_gap": {"type": "boolean", "description": "True when the answer is an honest 'I don't know'."},
    "reason": {
        "type": ["string", "null"],
        "description": "Why it is a gap: no_match, low_confidence, empty_index, llm_declined.",
    },
    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    "language": {"type": "string", "description": "Language of the question, e.g. en or zh."},
    "citations": {"type": "array", "items": ref("Citation")},
    "sources": {"type": "array", "items": ref("SourceRef"), "description": "Retrieved documents."},
    "related": {
        "type": "array",
        "items": ref("SourceRef"),
        "description": "Articles to offer when the answer is a gap.",
    },
    "intent": INTENT,
}
_TURN_IDS: dict[str, Any] = {"conversation_id": {"type": "string"}, "message_id": {"type": "integer"}}

SSE_DESCRIPTION = (
    "With stream=true: text/event-stream, one ChatStreamEvent after the other: `delta` {text} (append) and "
    "`replace` {text} (replace the text shown so far) while the answer is written, then `citations` {citations, "
    "sources, related, is_gap, reason, confidence, language, intent} and last `done` {conversation_id, message_id}. "
    "On failure the stream ends with `error` {error: {code, message}} instead."
)


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def _event(name: str, data: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["event", "data"],
        "description": description,
        "properties": {
            "event": {"const": name},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
        },
    }


_TEXT = _object({"text": {"type": "string"}})

ANSWER_SCHEMAS: dict[str, Any] = {
    "Citation": {
        "type": "object",
        "required": ["n", "id", "title", "url", "version", "chunk_id", "score"],
        "properties": {
            "n": {"type": "integer", "description": "The number used as [n] in the answer text."},
            "id": {"type": "string", "description": "Document id."},
            "title": {"type": "string"},
            "url": _NULLABLE_STRING,
            "version": {"type": "integer"},
            "chunk_id": {"type": "string"},
            "score": {"type": "number"},
        },
    },
    "SourceRef": {
        "type": "object",
        "required": ["id", "title", "score", "url"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "score": {"type": "number", "description": "Retrieval score; sources are in rank order."},
            "url": _NULLABLE_STRING,
            "excerpt": {
                "type": "string",
                "description": 'Only for an article suggested with "I\'m not sure" (reason low_confidence): its '
                "line closest to the question, as plain text.",
            },
        },
    },
    "ChatAnswer": _object(
        {
            "question": {"type": "string"},
            "answer": {"type": "string", "description": "Plain text with [n] citation markers."},
            **_ANSWER_FACTS,
            "latency_ms": {"type": "number"},
            **_TURN_IDS,
        }
    ),
    "ChatStreamEvent": {
        "description": "One server-sent event of a streamed answer: its name (`event`) and its JSON `data`.",
        "oneOf": [
            _event("delta", _TEXT, "Text to append to the answer shown."),
            _event("replace", _TEXT, "The whole answer text, replacing what was shown (an LLM reply was rejected)."),
            _event("citations", _object(_ANSWER_FACTS), "What the answer cites and says besides its text."),
            _event("done", _object(_TURN_IDS), "The last event of an answered turn: the ids of the stored turn."),
            _event("error", ref("Error"), "The last event of a turn the answerer failed (the question is kept)."),
        ],
    },
}
