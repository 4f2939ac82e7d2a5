"""Database set-up: SQLite tuned for a threaded server and several workers, bounded lock waits, and schema upgrades
on start."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context
from flask_migrate import Migrate, upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from chatbot.config import Settings
from web.db.files import make_private_sqlite_files
from web.db.models import db

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
migrate = Migrate()

# Seconds a command (ingest, db upgrade, users create, ...) or a background job waits for another writer's lock:
# nobody is waiting on a socket, so queueing behind a long ingest beats failing it.
COMMAND_BUSY_TIMEOUT_S = 30
_LOCK_WAIT_KEY = "answerdesk_lock_wait_ms"  # in the pool's per-connection info: the value in force
# PostgreSQL drivers built on libpq, which take its connect_timeout.
_LIBPQ_DRIVERS = frozenset({"psycopg2", "psycopg"})


def engine_options(settings: Settings) -> dict[str, Any]:
    """SQLAlchemy engine options. PostgreSQL through libpq gets a connect timeout: libpq's default is to wait for
    an unanswering server for as long as TCP does (minutes), a gunicorn thread with it."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    url = make_url(settings.resolved_database_url)
    is_libpq = url.get_backend_name() == "postgresql" and url.get_driver_name() in _LIBPQ_DRIVERS
    if is_libpq and "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": max(2, math.ceil(settings.db_busy_timeout))}  # libpq: >= 2
    return options


def configure_engine(app: Flask) -> None:
    """How long a connection waits for another writer's lock, and for SQLite: private files and write-ahead
    logging (readers never wait for the one writer), so that gunicorn workers and threads storing turns at the same
    time queue up instead of failing.

    The wait depends on who asks. A web request waits ANSWERDESK_DB_BUSY_TIMEOUT (default 4 s): past that a locked
    database is an outage, answered 503 (web/http/errors.py) rather than holding a gunicorn thread for half a
    minute. A command or a background job waits COMMAND_BUSY_TIMEOUT_S. One process can be both (`answerdesk serve`
    upgrades the database, then serves), so the value is chosen when a connection is checked out of the pool, and
    set only when it differs from the one the connection has. SQLite: ``busy_timeout``; PostgreSQL: ``lock_timeout``.
    """
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    backend = url.get_backend_name()
    if backend == "sqlite":
        make_private_sqlite_files(url)
    elif backend != "postgresql":
        return
    settings: Settings = app.config["ANSWERDESK_SETTINGS"]
    request_ms = max(1, round(settings.db_busy_timeout * 1000))
    set_wait = set_busy_timeout if backend == "sqlite" else _set_lock_timeout

    def wanted_ms() -> int:
        return request_ms if has_request_context() else COMMAND_BUSY_TIMEOUT_S * 1000

    def on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # The wait first: switching SQLite to WAL may itself have to wait for a lock.
        set_wait(dbapi_connection, record.info, wanted_ms())
        if backend == "sqlite":
            _sqlite_pragmas(dbapi_connection)

    def on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        wanted = wanted_ms()
        if record.info.get(_LOCK_WAIT_KEY) != wanted:
            set_wait(dbapi_connection, record.info, wanted)

    with app.app_context():
        engine: Engine = db.engine
    event.listen(engine, "connect", on_connect)
    event.listen(engine, "checkout", on_checkout)


def _sqlite_pragmas(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints instead of on every commit: a crashed process loses nothing,
        # only a power cut can lose the last commits, and the write lock is no longer held through an fsync per
        # stored turn (which serialises every worker under load).
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def set_busy_timeout(dbapi_connection: Any, info: dict[Any, Any], milliseconds: int) -> None:
    """Set SQLite's busy timeout on a pooled connection and remember it in the pool's ``info`` for that connection
    (the next checkout puts back the value its caller needs)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(milliseconds)}")
    finally:
        cursor.close()
    info[_LOCK_WAIT_KEY] = milliseconds


def _set_lock_timeout(dbapi_connection: Any, info: dict[Any, Any], milliseconds: int) -> None:
    """PostgreSQL's lock_timeout for the session. Committed at once: a SET is undone with the transaction it ran in,
    and the pool rolls back every connection it gets back."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"SET lock_timeout = {int(milliseconds)}")
    finally:
        cursor.close()
    dbapi_connection.commit()
    info[_LOCK_WAIT_KEY] = milliseconds


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
