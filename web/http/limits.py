"""Rate limits (Flask-Limiter) on the endpoints that cost an answer or write a row, and on login attempts.

Each limited request is counted twice, and refused when either count is over ANSWERDESK_RATE_LIMIT: once for
its client address, once for its site key (all visitors of a site together) or employee. Counters live in
ANSWERDESK_RATE_LIMIT_STORAGE: the default memory:// counts per process, so N gunicorn workers let through up
to N times the limit; use redis:// or memcached:// to share one count. ANSWERDESK_RATE_LIMIT=off turns it off.

One Limiter per app, not a module global: it holds the counters and the storage, which must not leak from one
app (e.g. a test's) into another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, g, request
from flask_limiter import Limiter

from chatbot.config import Settings

LIMITED_ENDPOINTS = ("api.chat", "api.feedback", "api.handoff", "suggestions_api.create_suggestion")
LOGIN_ENDPOINT = "auth.login"


def client_address() -> str:
    # request.remote_addr is the proxy's address unless ANSWERDESK_PROXY_HOPS is set (see create_app).
    return f"address:{request.remote_addr or 'unknown'}"


def caller_key() -> str:
    caller = g.get("caller")
    return caller.rate_limit_key if caller is not None else client_address()


def init_rate_limits(app: Flask, settings: Settings) -> Limiter:
    enabled = settings.rate_limit != "off"
    app.config["RATELIMIT_ENABLED"] = enabled
    limiter = Limiter(
        key_func=client_address,
        storage_uri=settings.rate_limit_storage,
        strategy="moving-window",  # no burst of twice the limit across a window boundary
        key_prefix="answerdesk",
        # Our 429 handler sets Retry-After itself; the X-RateLimit-* headers on every response are not needed.
        headers_enabled=False,
    )
    limiter.init_app(app)
    app.extensions["answerdesk_limiter"] = limiter
    if not enabled:
        return limiter
    limit = settings.rate_limit
    for endpoint in LIMITED_ENDPOINTS:
        view: Callable[..., Any] = app.view_functions[endpoint]
        view = limiter.limit(limit, key_func=caller_key)(view)
        view = limiter.limit(limit, key_func=client_address)(view)
        app.view_functions[endpoint] = view
    # Password guessing: the same limit on login attempts per address (showing the form is free).
    login_view: Callable[..., Any] = app.view_functions[LOGIN_ENDPOINT]
    app.view_functions[LOGIN_ENDPOINT] = limiter.limit(limit, key_func=client_address, methods=["POST"])(login_view)
    return limiter
