"""Absolute links to our own pages: in messages sent elsewhere (gap alerts) and in the embed snippets we show.

The base is ``ANSWERDESK_PUBLIC_URL`` (with its path prefix, if the service is mounted under one). It is never
taken from a request: the Host header is chosen by whoever sends the request, so a visitor sending
``Host: evil.example`` with a question would otherwise choose where the editors' Slack alert links to.

Without the setting, ``answerdesk serve`` supplies the address it listens on (``--host``/``--port``: typed by the
operator, so trusted), except when it listens on every address (0.0.0.0, ::), which is no address a browser can
use. Otherwise there is no base: a message carries the path alone (Slack then gets no button) and a warning says
so, once per process. Pages shown to the visitor who asked for them (the embed snippet) fall back to the request's
own address: that only shows visitors what they sent.
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, request

from chatbot.config import Settings

log = logging.getLogger(__name__)

# Set by `answerdesk serve` (web/cli/serve.py) to the address it listens on, when that is a usable one.
SERVE_URL_CONFIG = "ANSWERDESK_SERVE_URL"
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # "listen on every address": no address to link to


def serve_url(host: str, port: int) -> str | None:
    """The base URL of ``answerdesk serve --host HOST --port PORT``; None when it listens on every address."""
    if host in WILDCARD_HOSTS:
        return None
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def public_base_url(app: Flask) -> str | None:
    """``ANSWERDESK_PUBLIC_URL``, else the address of `answerdesk serve`, else None. No trailing slash."""
    settings: Settings = app.config["ANSWERDESK_SETTINGS"]
    fallback: str | None = app.config.get(SERVE_URL_CONFIG)
    return settings.public_url or fallback


def public_origin(app: Flask) -> str | None:
    """The origin (scheme://host[:port]) of the public base URL, as a browser sends it in ``Origin``."""
    base = public_base_url(app)
    if base is None:
        return None
    parts = urlsplit(base)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def absolute_link(app: Flask, path: str) -> str:
    """``path`` (from the root of the app, e.g. /editor/gaps/7) on the public base URL; ``path`` itself when there
    is no trusted base (logged once)."""
    base = public_base_url(app)
    if base is None:
        _warn_no_public_url()
        return path
    return base + path


def embed_root() -> str:
    """The root URL shown in "embed the widget with ..." snippets (``{{ embed_root() }}``), with a trailing slash."""
    base = public_base_url(current_app)
    return base + "/" if base else request.url_root


def register_link_helpers(app: Flask) -> None:
    app.add_template_global(embed_root)


@functools.cache
def _warn_no_public_url() -> None:
    log.warning(
        "ANSWERDESK_PUBLIC_URL is not set: links in gap alerts are paths without a host (set it to the address "
        "editors use, e.g. https://help.example.com)"
    )
