"""The Flask application factory."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_migrate import Migrate
from werkzeug.middleware.proxy_fix import ProxyFix

from chatbot.config import Settings, load_settings
from chatbot.runtime import Runtime, build_runtime
from web.models import db

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The widget posts a question and a little JSON; anything bigger is a mistake or an attack.
MAX_CONTENT_LENGTH = 64 * 1024
# Blueprints owned by other areas: registered when their module is installed, so the app starts without them.
OPTIONAL_BLUEPRINTS = ("web.widget", "web.help")

migrate = Migrate()
_runtime_lock = threading.Lock()


def create_app(settings: Settings | None = None, **flask_config: Any) -> Flask:
    from web.auth import csrf, login_manager
    from web.database import configure_engine
    from web.errors import register_error_handlers
    from web.limits import init_rate_limits
    from web.payloads import register_input_checks
    from web.secret_key import load_secret_key

    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings.resolved_database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        ANSWERDESK_SETTINGS=settings,
        ANSWERDESK_DEMO_SITE_KEY=None,  # set by `answerdesk serve` (web.demo.ensure_demo_site)
        SECRET_KEY=settings.secret_key or load_secret_key(settings.data_dir),
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # A CSRF token lives as long as the login session: the help page stays open for hours.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update(flask_config)
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # keep the documented field order in responses
        app.json.ensure_ascii = False  # Chinese answers stay readable
    if settings.proxy_hops:
        # Behind N trusted proxies the client address is in X-Forwarded-For; without this every visitor
        # would share the proxy's address and its rate limit.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    configure_engine(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    register_error_handlers(app)
    register_input_checks(app)  # before the blueprints: their <int:...> rules
    _register_blueprints(app)
    init_rate_limits(app, settings)
    return app


def _register_blueprints(app: Flask) -> None:
    from web.admin import bp as admin_bp
    from web.analytics_views import bp as analytics_bp
    from web.api import bp as api_bp
    from web.auth import bp as auth_bp
    from web.contributors import bp as contributors_bp
    from web.cors import register_cors
    from web.editor import bp as editor_bp
    from web.editor_articles import bp as editor_articles_bp
    from web.gaps_api import bp as gaps_api_bp
    from web.health import bp as health_bp
    from web.suggestions_api import bp as suggestions_api_bp

    blueprints = (
        *(api_bp, auth_bp, health_bp, gaps_api_bp, suggestions_api_bp),
        *(editor_bp, editor_articles_bp, analytics_bp, contributors_bp, admin_bp),
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    register_cors(app)
    for module_name in OPTIONAL_BLUEPRINTS:
        if importlib.util.find_spec(module_name) is not None:
            app.register_blueprint(importlib.import_module(module_name).bp)


def get_settings(app: Flask) -> Settings:
    settings: Settings = app.config["ANSWERDESK_SETTINGS"]
    return settings


def get_runtime(app: Flask) -> Runtime:
    """The embedder, vector store and keyword index, built on first use and then shared by every request."""
    runtime: Runtime | None = app.extensions.get("answerdesk_runtime")
    if runtime is None:
        # Threaded servers: two first requests at once must not load the model twice.
        with _runtime_lock:
            runtime = app.extensions.get("answerdesk_runtime")
            if runtime is None:
                runtime = build_runtime(get_settings(app))
                app.extensions["answerdesk_runtime"] = runtime
    return runtime
