"""Building blocks of the hand-written OpenAPI description, shared by its parts (web/openapi*.py)."""

from __future__ import annotations

from typing import Any

from chatbot.language import VISIBLE_PATTERN
from web.http.payloads import EMAIL_PATTERN, MAX_EMAIL_LENGTH, MAX_INT64

# A row id: SQLite stores signed 64 bits, and the service refuses what does not fit (web/http/payloads.py).
ID = {"type": "integer", "minimum": 1, "maximum": MAX_INT64}


def ref(name: str) -> dict[str, str]:
    """A reference to a schema of components/schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def response_ref(name: str) -> dict[str, str]:
    """A reference to a shared response of components/responses (BadRequest, Unauthorized, ...)."""
    return {"$ref": f"#/components/responses/{name}"}


# The service's own check (deliberately loose: one @, no spaces, a dot in the domain), not JSON Schema's "email"
# format, which is RFC 5321 and refuses addresses the service takes ("a..b@example.com").
EMAIL = {"type": ["string", "null"], "maxLength": MAX_EMAIL_LENGTH, "pattern": EMAIL_PATTERN}


def text(max_length: int, description: str = "", pattern: str = VISIBLE_PATTERN) -> dict[str, Any]:
    """A required text field: the service strips it, so it must hold a character that shows, not only whitespace or
    invisible characters (or, with ``pattern``, another rule the service checks with the same pattern)."""
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": pattern}
    return {**schema, "description": description} if description else schema


def body(required: list[str], properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A request body object. Closed: the service answers a field it does not take with 400 bad_request."""
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False, **extra}


def common_errors(*, body: bool = False) -> dict[str, Any]:
    """What any API operation can answer, whatever it does: 400 (a widget without a valid session id, a session
    call without its CSRF token, bad text), 401, 405, 500, 503 (the database is unavailable); with a request body,
    413 too. An operation's own entries
    come after these and may replace them (a 400 that names its rules)."""
    errors = {
        "400": response_ref("BadRequest"),
        "401": response_ref("Unauthorized"),
        "405": response_ref("MethodNotAllowed"),
        "500": response_ref("InternalError"),
        "503": response_ref("Unavailable"),
    }
    return {**errors, "413": response_ref("TooLarge")} if body else errors


def query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    """A query parameter. Empty (``?to=``) is the same as absent, as an HTML form sends a field left empty (the
    editor's pages read the same parameters), so its schema takes "" besides the values."""
    parameter: dict[str, Any] = {"name": name, "in": "query", "schema": {"anyOf": [schema, {"const": ""}]}}
    return {**parameter, "description": description} if description else parameter


def bad_request(rules: str) -> dict[str, Any]:
    """The 400 of an operation whose requests can be well formed and still refused, by a rule that JSON Schema cannot
    state (an existing editor, a range of days): ``rules`` names each rule's own error code."""
    return json_content(
        ref("Error"),
        "Invalid request, as for every operation (codes bad_json, bad_request, bad_text, bad_session_id, "
        f"csrf_failed), or a request that is well formed but breaks a rule: {rules}",
    )


def json_content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A response with a JSON body."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}
