"""Probes for a process manager or load balancer: /healthz (the process answers) and /readyz (it can work)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify

from web.db import faults
from web.db.models import db
from web.db.readiness import database_problem
from web.http.errors import error_body, error_response
from web.services import get_runtime

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Any:
    """The database takes writes (a locked or read-only one fails every chat turn, which must be stored) and the
    vector store answers. The first call also loads the model, so a readiness probe warms a new worker before it
    gets traffic."""
    problem = database_problem(db.engine)
    if problem is not None:
        return error_response(503, faults.CODE, problem, {"Retry-After": str(faults.RETRY_AFTER_S)})
    try:
        get_runtime(current_app).store.ping()
    except Exception:
        log.exception("readiness: the vector store is not reachable")
        return jsonify(error_body("vector_store_unavailable", "The vector store is not reachable.")), 503
    return jsonify({"status": "ready"})
