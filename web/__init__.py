"""The Flask application factory: ``create_app()`` builds the app from its parts and nothing else.

The per-process parts (settings, runtime, answerer) are in web/services.py; the rooms of this package are
described in docs/architecture.md.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from chatbot.config import Settings, load_settings
from chatbot.errors import ConfigError
from web.access.auth import csrf, login_manager
from web.access.cors import register_cors
from web.access.secret_key import load_secret_key
from web.api import analytics as analytics_api
from web.api import chat as chat_api
from web.api import contributors as contributors_api
from web.api import gaps as gaps_api
from web.api import inbox as inbox_api
from web.api import slack as slack_api
from web.api import suggestions as suggestions_api
from web.audit.log import init_audit
from web.chat.retention import init_retention
from web.db.engine import configure_engine, engine_options, init_migrations
from web.db.files import make_private_dir
from web.db.models import db
from web.editor import admin, login, preview
from web.editor import analytics as analytics_pages
from web.editor import articles as article_pages
from web.editor import audit as audit_pages
from web.editor import contributors as contributor_pages
from web.editor import gaps as gap_pages
from web.editor import inbox as inbox_pages
from web.editor import privacy as privacy_pages
from web.http.errors import register_error_handlers
from web.http.headers import register_security_headers
from web.http.limits import init_rate_limits
from web.http.links import register_link_helpers
from web.http.payloads import register_input_checks
from web.pages import health, widget
from web.pages import help as help_page
from web.wording import answer_outcome, clipped

# The widget posts a question and a little JSON; anything bigger is a mistake or an attack.
MAX_CONTENT_LENGTH = 64 * 1024
BLUEPRINTS = (
    *(chat_api.bp, gaps_api.bp, suggestions_api.bp, analytics_api.bp, contributors_api.bp, inbox_api.bp),
    *(gap_pages.bp, article_pages.bp, analytics_pages.bp, contributor_pages.bp, admin.bp, login.bp, preview.bp),
    *(audit_pages.bp, privacy_pages.bp, inbox_pages.bp),
    *(widget.bp, help_page.bp, health.bp),
)


def create_app(settings: Settings | None = None, **flask_config: Any) -> Flask:
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        make_private_dir(settings.data_dir)  # 0700 when created here: see web/db/files.py
    except OSError as exc:
        # Named as every other bad setting is ("[Errno 2] No such file or directory: '/proc/foo'" said nothing).
        raise ConfigError(
            f"ANSWERDESK_DATA_DIR={settings.data_dir}: cannot create the data folder ({exc.strerror or exc})"
        ) from exc

    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings.resolved_database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings),
        ANSWERDESK_SETTINGS=settings,
        ANSWERDESK_DEMO_SITE_KEY=None,  # set by `answerdesk serve` (web.pages.demo.ensure_demo_site)
        SECRET_KEY=settings.secret_key or load_secret_key(settings.data_dir),
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        SESSION_COOKIE_HTTPONLY=True,
        # Lax, not Strict: a link to /editor/gaps/7 in a Slack alert must open signed in; cross-site POSTs (the
        # CSRF risk) still go without the cookie, and every POST needs the CSRF token anyway.
        SESSION_COOKIE_SAMESITE="Lax",
        # Off by default so that `answerdesk serve` on http://127.0.0.1 can sign in; on behind HTTPS (README).
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        # Flask-Login's "remember me" cookie is not used today; it gets the same flags should it ever be.
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
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
    init_migrations(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_link_helpers(app)
    app.add_template_filter(clipped)  # {{ text|clipped }}: a customer's long text where a glimpse fits
    app.add_template_global(answer_outcome)  # what the bot did with a question, one plain statement
    register_input_checks(app)  # before the blueprints: their <int:...> rules
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    slack_api.init_slack(app, settings)  # only when the Slack settings are set
    register_cors(app)
    init_rate_limits(app, settings)
    init_audit(app)
    init_retention(app)
    return app
