"""Per-process parts of the service (settings, runtime, answerer), built once and handed to services as arguments.

Routes and commands call these accessors; the services below them take the part they need as a parameter, so
they can be used (and tested) without an application context.
"""

from __future__ import annotations

import threading
from typing import cast

from flask import Flask, current_app

from chatbot.answering import Answerer, build_answerer
from chatbot.config import Settings
from chatbot.runtime import Runtime, build_runtime

_RUNTIME_KEY = "answerdesk_runtime"
_ANSWERER_KEY = "answerdesk_answerer"
# Threaded servers: two first requests at once must not load the model twice.
_runtime_lock = threading.Lock()
_answerer_lock = threading.Lock()


def running_app() -> Flask:
    """The application of the current request or command as the object itself, not Flask's proxy: background work
    handed it (alerts, regroupings) opens its own app context on it after the request has ended."""
    return cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]


def get_settings(app: Flask) -> Settings:
    settings: Settings = app.config["ANSWERDESK_SETTINGS"]
    return settings


def get_runtime(app: Flask) -> Runtime:
    """The embedder, vector store and keyword index, built on first use and then shared by every request."""
    runtime: Runtime | None = app.extensions.get(_RUNTIME_KEY)
    if runtime is None:
        with _runtime_lock:
            runtime = app.extensions.get(_RUNTIME_KEY)
            if runtime is None:
                runtime = build_runtime(get_settings(app))
                app.extensions[_RUNTIME_KEY] = runtime
    return runtime


def get_answerer(app: Flask) -> Answerer:
    """Loading the model takes seconds and hundreds of MB: never per request. The first request builds it
    (or `answerdesk serve` / the gunicorn hook does, before the first visitor)."""
    answerer: Answerer | None = app.extensions.get(_ANSWERER_KEY)
    if answerer is None:
        with _answerer_lock:
            answerer = app.extensions.get(_ANSWERER_KEY)
            if answerer is None:
                answerer = build_answerer(get_runtime(app))
                app.extensions[_ANSWERER_KEY] = answerer
    return answerer


def warm_up(app: Flask) -> None:
    """Build the answerer and answer one throwaway question (not stored): the keyword index, tokenizers and
    caches are built lazily, and the first visitor should not wait for them."""
    answerer = get_answerer(app)
    for audience in ("public", "internal"):
        answerer.answer("How do I get started?", audience=audience)
