"""Rate limits (Flask-Limiter) on the endpoints that cost an answer or write a row, and on login attempts.

One busy visitor must not cost the other visitors of a site their answers, so the limit that bites first is per
visitor, and the counts shared with others are ceilings well above it. A limited request is counted (per endpoint)
against each of these and refused with 429 and Retry-After when any is over:

- ANSWERDESK_RATE_LIMIT, per visitor: a widget visitor is (site, X-Session-Id, client address); an employee (API
  token or login) is their account, wherever they call from.
- ANSWERDESK_ADDRESS_RATE_LIMIT, per client address, widget requests only: session ids are made up by the client,
  so a script could be a new visitor on every request; its address bounds it. High, because an office or a mobile
  carrier puts many visitors behind one address.
- ANSWERDESK_SITE_RATE_LIMIT, per site, all its visitors together: a ceiling that keeps one site (or a flood of
  made-up visitors from many addresses) from taking a whole multi-site service, not a day-to-day limit.

Employees are not counted per address or site: their accounts are not free to make up, and the help page's users
often share an office address. Login attempts are limited per address with ANSWERDESK_RATE_LIMIT (and per account
with a back-off: web/access/login_throttle.py). ANSWERDESK_RATE_LIMIT=off turns every limit off (benchmarks);
ANSWERDESK_ADDRESS_RATE_LIMIT or ANSWERDESK_SITE_RATE_LIMIT=off turns off that one.

Counters live in ANSWERDESK_RATE_LIMIT_STORAGE: the default memory:// counts per process, so N gunicorn workers let
through up to N times each limit; production shares one count with redis://HOST:6379 (or memcached://).

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


def _widget_owner() -> tuple[int, str] | None:
    """(site id, session id) when a widget (site key) is calling, else None."""
    caller = g.get("caller")
    if caller is None or caller.via != "site_key":
        return None
    return caller.owner.site_id, caller.owner.session_id


def visitor_key() -> str:
    widget = _widget_owner()
    if widget is not None:
        site_id, session_id = widget
        return f"visitor:{site_id}:{session_id}:{client_address()}"
    caller = g.get("caller")
    return f"user:{caller.owner.user_id}" if caller is not None else client_address()


def site_key() -> str:
    widget = _widget_owner()
    return f"site:{widget[0]}" if widget is not None else "site:none"


def _not_a_widget() -> bool:
    return _widget_owner() is None


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
    for endpoint in LIMITED_ENDPOINTS:
        view: Callable[..., Any] = app.view_functions[endpoint]
        view = limiter.limit(settings.rate_limit, key_func=visitor_key)(view)
        if settings.address_rate_limit != "off":
            view = limiter.limit(settings.address_rate_limit, key_func=client_address, exempt_when=_not_a_widget)(view)
        if settings.site_rate_limit != "off":
            view = limiter.limit(settings.site_rate_limit, key_func=site_key, exempt_when=_not_a_widget)(view)
        app.view_functions[endpoint] = view
    # Password guessing from one address (showing the form is free); per account: web/access/login_throttle.py.
    login_view: Callable[..., Any] = app.view_functions[LOGIN_ENDPOINT]
    app.view_functions[LOGIN_ENDPOINT] = limiter.limit(settings.rate_limit, key_func=client_address, methods=["POST"])(
        login_view
    )
    return limiter
