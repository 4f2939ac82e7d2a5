"""Security headers on every response, and a ``Server`` header that names no versions.

HTML pages (demo, help, login, editor, error pages) get a Content-Security-Policy that allows only this origin:
scripts from our static files (no inline script, no ``eval``), styles from our static files plus the ``<style>``
blocks of our own templates, which carry the per-response nonce (``{{ csp_nonce() }}``); no inline ``style=``
attributes, no plugins, no ``<base>``, forms posting only here, and ``frame-ancestors 'none'`` (with the older
``X-Frame-Options: DENY``): no page of ours is meant to be framed. The widget is not framed either: it is a script
that other sites load, which draws into a Shadow DOM on their page and calls our API with CORS, so the policy of our
pages does not concern it (and it styles itself through a constructed stylesheet, which a host page's CSP allows).
Images may also come from any https: address (and data: URLs): an article may show a screenshot hosted elsewhere,
and an image cannot run code.

Every other response (JSON, the event stream, static files, widget.js) gets ``default-src 'none'; frame-ancestors
'none'``: if a browser ever rendered one as a document, it could load nothing and not be framed.

Every response: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (links from the editor
to an article elsewhere do not reveal editor URLs; same-origin requests keep their Referer, which Flask-WTF's CSRF
check needs over HTTPS). HSTS is left to the HTTPS proxy, which knows whether every host name is ready for it.

Server banner: werkzeug (``answerdesk serve``) announces ``Werkzeug/x.y Python/z``; :class:`BannerlessRequestHandler`
answers ``Server: answerdesk`` instead. gunicorn sends ``Server: gunicorn`` without a version (it has no setting to
change the name, and the app cannot replace it: gunicorn would send both).
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g
from werkzeug.serving import WSGIRequestHandler

SERVER_NAME = "answerdesk"
_NONCE_KEY = "answerdesk_csp_nonce"

PAGE_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",  # + the nonce of the response, when a template asked for it
    "img-src 'self' https: data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def csp_nonce() -> str:
    """The nonce of this response, for ``<style nonce="{{ csp_nonce() }}">`` in a template (made on first use)."""
    nonce: str | None = g.get(_NONCE_KEY)
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
        setattr(g, _NONCE_KEY, nonce)
    return nonce


def page_policy(nonce: str | None) -> str:
    directives = list(PAGE_POLICY)
    if nonce is not None:
        directives[directives.index("style-src 'self'")] = f"style-src 'self' 'nonce-{nonce}'"
    return "; ".join(directives)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", page_policy(g.get(_NONCE_KEY)))
        headers.setdefault("X-Frame-Options", "DENY")
    else:
        headers.setdefault("Content-Security-Policy", OTHER_POLICY)
    for name, value in COMMON_HEADERS.items():
        headers.setdefault(name, value)
    return response


def register_security_headers(app: Flask) -> None:
    app.add_template_global(csp_nonce)
    app.after_request(add_security_headers)


class BannerlessRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without the versions in ``Server``: they help an attacker pick exploits, nobody else."""

    def version_string(self) -> str:
        return SERVER_NAME
