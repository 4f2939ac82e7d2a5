"""Reading JSON request bodies: each field checked for its type, with a 400 that names the field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask import request

from web.errors import ApiError

# Deliberately loose: one @, no spaces, a dot in the domain. Only a mail that arrives proves an address.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
MAX_EMAIL_LENGTH = 254


def json_object() -> dict[str, Any]:
    if not request.is_json:
        raise ApiError(400, "bad_json", "Send a JSON object with Content-Type: application/json.")
    data = request.get_json(silent=True)  # a body over the size limit still raises 413
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "The request body is not a JSON object.")
    return data


def _bad(field: str, expected: str) -> ApiError:
    return ApiError(400, "bad_request", f"'{field}' must be {expected}.")


def optional_str(data: dict[str, Any], field: str, max_length: int) -> str | None:
    """The stripped string, or None when absent, null or blank."""
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(field, "a string")
    value = value.strip()
    if len(value) > max_length:
        raise _bad(field, f"at most {max_length} characters")
    return value or None


def required_str(data: dict[str, Any], field: str, max_length: int) -> str:
    value = optional_str(data, field, max_length)
    if value is None:
        raise _bad(field, "a non-empty string")
    return value


def optional_bool(data: dict[str, Any], field: str, default: bool) -> bool:
    value = data.get(field)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _bad(field, "true or false")
    return value


def required_bool(data: dict[str, Any], field: str) -> bool:
    if data.get(field) is None:
        raise _bad(field, "true or false")
    return optional_bool(data, field, False)


def required_id(data: dict[str, Any], field: str) -> int:
    value = data.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:  # bool is an int in Python
        raise _bad(field, "a positive integer")
    return value


def optional_choices(data: dict[str, Any], field: str, allowed: Sequence[str]) -> list[str]:
    """A list of distinct values from ``allowed``, in the order given."""
    value = data.get(field)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        raise _bad(field, f"a list of: {', '.join(allowed)}")
    return list(dict.fromkeys(value))


def is_email(value: str) -> bool:
    return len(value) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(value) is not None


def optional_email(data: dict[str, Any], field: str) -> str | None:
    value = optional_str(data, field, MAX_EMAIL_LENGTH)
    if value is not None and not is_email(value):
        raise _bad(field, "an email address")
    return value
