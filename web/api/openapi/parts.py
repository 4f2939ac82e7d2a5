"""Building blocks of the hand-written OpenAPI description, shared by its parts (web/openapi*.py)."""

from __future__ import annotations

from typing import Any


def ref(name: str) -> dict[str, str]:
    """A reference to a schema of components/schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def response_ref(name: str) -> dict[str, str]:
    """A reference to a shared response of components/responses (BadRequest, Unauthorized, ...)."""
    return {"$ref": f"#/components/responses/{name}"}


def json_content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A response with a JSON body."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}
