"""Can the database take a write right now? The check behind /readyz: cheap, bounded in time, and it changes nothing.

Reading is not enough: a locked or read-only SQLite database still answers ``SELECT 1`` while every chat turn, which
must be stored, fails. So the check takes the write lock and writes inside a transaction it rolls back:

- SQLite: ``BEGIN IMMEDIATE`` waits at most PROBE_WAIT_MS for another writer's lock, then the database header's
  ``user_version`` is written back unchanged (a read-only connection accepts ``BEGIN IMMEDIATE`` and fails only on
  the write), then ROLLBACK. Microseconds when the database is healthy.
- PostgreSQL: ``SHOW transaction_read_only`` (on for a hot standby or ``default_transaction_read_only``); reaching
  the server at all proves the connection.
- Other databases: ``SELECT 1``.
"""

from __future__ import annotations

import logging
import sqlite3

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from web.db.engine import set_busy_timeout

log = logging.getLogger(__name__)

# Kubernetes gives a probe 1 s by default: the answer must come well before, and a turn holds the write lock for
# milliseconds, so a lock still held after half a second is one a chat would be waiting on too.
PROBE_WAIT_MS = 500
LOCKED = "The database is locked by another writer."
READ_ONLY = "The database is read-only."
UNREACHABLE = "The database is not reachable."
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 5, 6, 8


def database_problem(engine: Engine) -> str | None:
    """None when the database accepts writes; else what is wrong, in a sentence for the operator (logged too)."""
    try:
        if engine.dialect.name == "sqlite":
            _try_sqlite_write(engine)
        elif engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                if str(connection.execute(text("SHOW transaction_read_only")).scalar()).lower() == "on":
                    log.warning("readiness: the PostgreSQL server only accepts read-only transactions")
                    return READ_ONLY
        else:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
    except Exception as exc:
        problem = _describe(exc)
        log.warning("readiness: %s (%s: %s)", problem, type(exc).__name__, exc)
        return problem
    return None


def _try_sqlite_write(engine: Engine) -> None:
    pooled = engine.raw_connection()
    try:
        raw = pooled.dbapi_connection
        assert raw is not None  # a checked-out connection always has one
        set_busy_timeout(raw, pooled.info, PROBE_WAIT_MS)  # the next checkout restores the caller's timeout
        cursor = raw.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                (version,) = cursor.execute("PRAGMA user_version").fetchone()
                cursor.execute(f"PRAGMA user_version={int(version)}")
            finally:
                cursor.execute("ROLLBACK")
        finally:
            cursor.close()
    finally:
        pooled.close()


def _describe(exc: BaseException) -> str:
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(original, sqlite3.Error):
        code = (getattr(original, "sqlite_errorcode", None) or 0) & 0xFF
        if code in {_SQLITE_BUSY, _SQLITE_LOCKED}:
            return LOCKED
        if code == _SQLITE_READONLY:
            return READ_ONLY
    return UNREACHABLE
