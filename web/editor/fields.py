"""Reading the dashboard's HTML form fields: each checked, with a message an editor understands (shown as a flash).

The forms are plain HTML posted with the page's CSRF token; Flask-WTF's CSRFProtect (web.access.auth.csrf) checks that
token on every POST before the view runs, so these helpers only deal with the values.
"""

from __future__ import annotations

from flask import request

from web.http.errors import ApiError


def form_text(field: str, label: str, max_chars: int) -> str:
    """A required text field, stripped."""
    value = optional_form_text(field, label, max_chars)
    if value is None:
        raise ApiError(400, "bad_request", f"Fill in {label}.")
    return value


def optional_form_text(field: str, label: str, max_chars: int) -> str | None:
    value = (request.form.get(field) or "").strip()
    if len(value) > max_chars:
        raise ApiError(400, "bad_request", f"{label.capitalize()} is too long (at most {max_chars} characters).")
    return value or None


def form_id(field: str, label: str) -> int:
    """A positive integer, such as a gap number typed with or without its '#'."""
    value = (request.form.get(field) or "").strip().lstrip("#")
    if not (value.isascii() and value.isdigit() and len(value) <= 12) or int(value) <= 0:
        raise ApiError(400, "bad_request", f"Enter {label} as a number.")
    return int(value)


def form_flag(field: str) -> bool:
    """A checkbox: present when ticked."""
    return request.form.get(field) in ("1", "on", "true", "yes")
