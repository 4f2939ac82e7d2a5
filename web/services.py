"""The answerer, built once per process and shared by every request and thread."""

from __future__ import annotations

import threading

from flask import Flask

from chatbot.answering import Answerer, build_answerer
from web import get_runtime

_EXTENSION_KEY = "answerdesk_answerer"
_lock = threading.Lock()


def get_answerer(app: Flask) -> Answerer:
    """Loading the model takes seconds and hundreds of MB: never per request. The first request builds it
    (or `answerdesk serve` / the gunicorn hook does, before the first visitor); the lock keeps two
    simultaneous first requests from building it twice."""
    answerer: Answerer | None = app.extensions.get(_EXTENSION_KEY)
    if answerer is None:
        with _lock:
            answerer = app.extensions.get(_EXTENSION_KEY)
            if answerer is None:
                answerer = build_answerer(get_runtime(app))
                app.extensions[_EXTENSION_KEY] = answerer
    return answerer


def warm_up(app: Flask) -> None:
    """Build the answerer and answer one throwaway question (not stored): the keyword index, tokenizers and
    caches are built lazily, and the first visitor should not wait for them."""
    answerer = get_answerer(app)
    for audience in ("public", "internal"):
        answerer.answer("How do I get started?", audience=audience)
