"""Database set-up: SQLite tuned for a threaded server and several workers, and schema upgrades on start."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import Migrate, upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine

from web.db.models import db

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
migrate = Migrate()

# Seconds a writer waits for another worker's write lock before SQLite gives up with "database is locked".
SQLITE_BUSY_TIMEOUT_S = 30


def configure_engine(app: Flask) -> None:
    """For SQLite: write-ahead logging (readers never wait for the one writer) and a generous busy timeout,
    so that gunicorn workers and threads storing turns at the same time queue up instead of failing."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine
    event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        # In WAL mode NORMAL syncs at checkpoints instead of on every commit: a crashed process loses nothing,
        # only a power cut can lose the last commits, and the write lock is no longer held through an fsync per
        # stored turn (which serialises every worker under load).
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def init_migrations(app: Flask) -> None:
    """Flask-Migrate for ``flask db ...`` and for the schema upgrade on start; batch mode because SQLite cannot
    alter most column properties in place."""
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)


def upgrade_database(app: Flask) -> None:
    if app.extensions.get("answerdesk_db_upgraded"):
        return
    with app.app_context():
        # alembic logs each step at INFO; at our default level that is noise on every command.
        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade(directory=str(MIGRATIONS_DIR))
    app.extensions["answerdesk_db_upgraded"] = True
