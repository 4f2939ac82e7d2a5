"""The Flask application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import Migrate

from chatbot.config import Settings, load_settings
from chatbot.runtime import Runtime, build_runtime
from web.models import db

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
migrate = Migrate()


def create_app(settings: Settings | None = None, **flask_config: Any) -> Flask:
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings.resolved_database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        ANSWERDESK_SETTINGS=settings,
    )
    app.config.update(flask_config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    return app


def get_settings(app: Flask) -> Settings:
    settings: Settings = app.config["ANSWERDESK_SETTINGS"]
    return settings


def get_runtime(app: Flask) -> Runtime:
    """The embedder, vector store and keyword index, built on first use and then shared by every request."""
    runtime: Runtime | None = app.extensions.get("answerdesk_runtime")
    if runtime is None:
        runtime = build_runtime(get_settings(app))
        app.extensions["answerdesk_runtime"] = runtime
    return runtime
