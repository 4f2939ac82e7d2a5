"""One error shape for the whole API, ``{"error": {"code", "message"}}``, and the handlers that produce it.

API clients (paths under /api/, /healthz, /readyz) always get that JSON, never a traceback: unexpected exceptions
are logged with their traceback and answered with a generic 500. A fault of the database (locked past the busy
timeout, read-only, unreachable, out of disk: web/db/faults.py) is not a bug: it is 503 ``database_unavailable``
with a Retry-After, wherever in the request it happens. Browser pages get a small HTML error page.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from gunicorn.http.errors import NoMoreData, ParseException  # type: ignore[import-untyped]
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from chatbot.errors import AnswerdeskError
from web.db import faults
from web.http.expired import expired_form_page, is_form_post

log = logging.getLogger(__name__)

JSON_PATH_PREFIXES = ("/api/", "/healthz", "/readyz")

# The stable code of each HTTP error that werkzeug or an extension raises (our own errors bring their code).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}
# Our own wording: werkzeug's descriptions talk about "the server" and "the browser" to API clients.
HTTP_MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication is required.",
    403: "You are not allowed to do this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request body is larger than the 64 KiB limit.",
    429: "Too many requests; try again later.",
    500: "Something went wrong on our side; the error was logged.",
    503: "The service is temporarily unavailable; try again later.",
}
DATABASE_MESSAGE = "The database is unavailable right now; please try again in a moment."


class ApiError(AnswerdeskError):
    """An error answered to the client as is: its status, its code and its message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}


def database_unavailable(message: str = DATABASE_MESSAGE) -> ApiError:
    """The 503 for a database fault; Retry-After tells well-behaved clients when to come back."""
    return ApiError(503, faults.CODE, message, {"Retry-After": str(faults.RETRY_AFTER_S)})


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one JSON error body every API error uses."""
    return {"error": {"code": code, "message": message}}


def is_api_request() -> bool:
    return request.path.startswith(JSON_PATH_PREFIXES) or (request.accept_mimetypes.best == "application/json")


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """JSON for API clients, a simple HTML page for browsers."""
    if is_api_request():
        response = jsonify(error_body(code, message))
    else:
        response = Response(render_template("error.html", status=status, message=message), mimetype="text/html")
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AnswerdeskError, _answerdesk_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(SQLAlchemyError, _database_error)
    app.register_error_handler(ParseException, _unreadable_body)
    app.register_error_handler(NoMoreData, _unreadable_body)
    app.register_error_handler(Exception, _unexpected_error)


def _unreadable_body(exc: Exception) -> Response:
    """gunicorn stops reading a body it cannot parse (a bad chunk size, a missing terminator, a bad trailer) or that
    the client stopped sending: the client's fault, a 400 (werkzeug's own server says so too), not a 500 with a
    traceback in the log."""
    log.info("unreadable request body: %s: %s", type(exc).__name__, exc)
    return error_response(400, "bad_request", "The request body could not be read (malformed or cut short).")


def _answerdesk_error(exc: AnswerdeskError) -> Response:
    if exc.status >= 500:
        log.error("%s: %s", exc.code, exc.message)
    headers = exc.headers if isinstance(exc, ApiError) else None
    return error_response(exc.status, exc.code, exc.message, headers)


def _csrf_error(exc: CSRFError) -> Response:
    if not is_api_request() and is_form_post():
        # A page's form posted after its sign-in ended: a plain message, and the text typed kept (not saved).
        return expired_form_page(400)
    return error_response(
        400, "csrf_failed", f"{exc.description} Send the CSRF token of the page in the X-CSRFToken header."
    )


def _rate_limited(exc: RateLimitExceeded) -> Response:
    return error_response(
        429,
        "rate_limited",
        f"Too many requests (limit {exc.description}); try again later.",
        {"Retry-After": str(_retry_after_seconds())},
    )


def _retry_after_seconds() -> int:
    """Seconds until the breached limit lets a request through again: at least 1, at most its window."""
    limiter = current_app.extensions.get("answerdesk_limiter")
    current = limiter.current_limit if limiter is not None else None
    if current is None:
        return 60
    window = int(current.limit.get_expiry())
    return min(window, max(1, math.ceil(float(current.reset_at) - time.time())))


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = HTTP_CODES.get(status, "http_error")
    # A description set where the error was raised says what was wrong; the class default says nothing useful.
    specific = exc.description if exc.description != type(exc).description else None
    message = specific or HTTP_MESSAGES.get(status) or code
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    if status >= 500:
        log.error("HTTP %s on %s %s: %s", status, request.method, request.path, exc.description)
    return error_response(status, code, message, headers)


def _database_error(exc: SQLAlchemyError) -> Response:
    if not faults.is_database_fault(exc):
        return _unexpected_error(exc)  # a bug in a query, not an outage
    reason = exc.orig if isinstance(exc, DBAPIError) else exc  # "database is locked", without the SQL
    log.error("database unavailable on %s %s: %s", request.method, request.path, reason, exc_info=exc)
    error = database_unavailable()
    return error_response(error.status, error.code, error.message, error.headers)


def _unexpected_error(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", HTTP_MESSAGES[500])
