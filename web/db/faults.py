"""Which database errors are faults of the database (locked, read-only, unreachable, out of disk) rather than bugs.

A fault is answered 503 ``database_unavailable`` with a Retry-After (web/http/errors.py): the client did nothing
wrong and may try again. A bug (a constraint violated, bad SQL, a missing table) stays a 500 with its traceback in
the log. SQLAlchemy's exception classes alone cannot tell them apart: SQLite reports "no such table" and "database
is locked" with the same ``OperationalError``, so SQLite errors are sorted by their result code.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

CODE = "database_unavailable"
# A write lock held past the busy timeout, or a database gone read-only, rarely clears within a second or two;
# asking clients to wait a little longer spares a struggling database a storm of retries.
RETRY_AFTER_S = 10

# SQLite's primary result codes (https://sqlite.org/rescode.html) that say the database cannot be used right now.
_SQLITE_FAULTS = frozenset(
    {
        3,  # SQLITE_PERM: the file system refuses access
        5,  # SQLITE_BUSY: another connection holds the lock past the busy timeout ("database is locked")
        6,  # SQLITE_LOCKED: a conflicting lock inside this process
        7,  # SQLITE_NOMEM
        8,  # SQLITE_READONLY: "attempt to write a readonly database" (file, directory or file system read-only)
        10,  # SQLITE_IOERR: "disk I/O error"
        11,  # SQLITE_CORRUPT
        13,  # SQLITE_FULL: "database or disk is full"
        14,  # SQLITE_CANTOPEN: "unable to open database file" (missing directory, volume not mounted)
        15,  # SQLITE_PROTOCOL: lock protocol failure
        26,  # SQLITE_NOTADB
    }
)
# PostgreSQL SQLSTATEs that psycopg reports as something other than OperationalError but are still faults:
# a read-only server (a hot standby, default_transaction_read_only) raises 25006 as an InternalError.
_POSTGRES_FAULTS = frozenset({"25006"})


def is_database_fault(exc: BaseException) -> bool:
    """True when ``exc`` says the database is unavailable (worth a 503 and a retry), not that a query is wrong."""
    if isinstance(exc, PoolTimeoutError | DisconnectionError):
        return True  # every pooled connection busy for the pool timeout; a connection that died and cannot return
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    original = exc.orig
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _SQLITE_FAULTS  # extended codes (SQLITE_READONLY_DBMOVED, ...) keep it low
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate in _POSTGRES_FAULTS:
        return True
    # Other drivers (psycopg, pymysql, ...): OperationalError is what PEP 249 gives connection failures, server
    # shutdowns, out-of-disk and lock timeouts; InterfaceError a connection that is closed.
    return isinstance(exc, OperationalError | InterfaceError)
