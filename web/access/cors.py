"""CORS for the widget: a site's pages may call the API from the origins registered for that site, no others.

``Access-Control-Allow-Origin`` is never ``*``: it echoes the request's Origin when the site key's origins list
it. A preflight (OPTIONS) carries no site key, only the Origin, so it is allowed when any site lists the origin;
the real request is then checked against its own site. No cookies cross origins (no Allow-Credentials).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request

from web.access.accounts import origin_is_registered
from web.access.callers import SESSION_ID_HEADER, SITE_KEY_HEADER

API_PREFIX = "/api/"
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = f"Content-Type, {SITE_KEY_HEADER}, {SESSION_ID_HEADER}"
# Headers the widget must be able to read on a cross-origin response (Retry-After is not CORS-safelisted).
EXPOSED_HEADERS = "Retry-After"
PREFLIGHT_MAX_AGE_S = 600


def normalise_origin(value: str) -> str:
    """``scheme://host[:port]`` as browsers send it in the Origin header (no path, no trailing slash); raises
    ValueError for anything else."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"{value!r} is not an origin; expected e.g. https://www.example.com")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def register_cors(app: Flask) -> None:
    app.before_request(_answer_preflight)
    app.after_request(_allow_site_origin)


def _answer_preflight() -> Response | None:
    if request.method != "OPTIONS" or not request.path.startswith(API_PREFIX):
        return None
    response = current_app.response_class(status=204)
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin and origin_is_registered(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
    return response


def _allow_site_origin(response: Response) -> Response:
    if not request.path.startswith(API_PREFIX) or request.method == "OPTIONS":
        return response
    # Caches must not serve one origin's answer (with its CORS headers) to another origin.
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    caller = g.get("caller")
    site = caller.site if caller is not None else None
    if origin and site is not None and origin in site.origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response
