"""Probes for a process manager or load balancer: /healthz (the process answers) and /readyz (it can work)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from web.db.models import db
from web.http.errors import error_body
from web.services import get_runtime

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Any:
    """Database and vector store reachable. The first call also loads the model, so a readiness probe warms
    a new worker before it gets traffic."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        log.exception("readiness: the database is not reachable")
        return jsonify(error_body("database_unavailable", "The database is not reachable.")), 503
    try:
        get_runtime(current_app).store.ping()
    except Exception:
        log.exception("readiness: the vector store is not reachable")
        return jsonify(error_body("vector_store_unavailable", "The vector store is not reachable.")), 503
    return jsonify({"status": "ready"})
