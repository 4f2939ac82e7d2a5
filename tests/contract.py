"""The answer JSON contract of the CLI and the API (issue "Answering core", item 9), spelled out once for tests;
and a check of a value against a schema of the OpenAPI document (web/api/openapi/)."""

from __future__ import annotations

from typing import Any

ANSWER_KEYS = {
    "question",
    "answer",
    "is_gap",
    "reason",
    "confidence",
    "language",
    "citations",
    "sources",
    "related",
    "latency_ms",
    "intent",  # null for an answer to a question; "greeting" | "thanks" | "goodbye" | "handoff" for conversation
}
CITATION_KEYS = {"n", "id", "title", "url", "version", "chunk_id", "score"}
SOURCE_KEYS = {"id", "title", "score", "url"}


def conforms(schema_name: str, instance: object) -> bool:
    """Whether ``instance`` is valid for components/schemas/``schema_name`` of the OpenAPI document."""
    return conforms_to({"$ref": f"#/components/schemas/{schema_name}"}, instance)


def conforms_to(schema: dict[str, Any], instance: object) -> bool:
    """Whether ``instance`` is valid for ``schema``, a part of the OpenAPI document (its $refs resolve)."""
    import jsonschema_rs  # here, not above: the answer contract's users need neither it nor the web app

    from web.api.openapi.document import openapi_document

    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "components": openapi_document()["components"],
    }
    return bool(jsonschema_rs.validator_for(root, validate_formats=True).is_valid(instance))
