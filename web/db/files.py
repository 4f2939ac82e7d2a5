"""Private files in the data dir: the SQLite database (and its -wal, -shm) and the secret key are the owner's only.

The database holds visitors' questions, employees' password hashes and tokens' digests; the secret key signs login
sessions. Other local users must not read them, whatever the umask of the process that first wrote them:

- created here: the data dir 0700, the files 0600 (SQLite gives its -wal and -shm the mode of the database file,
  so creating the empty database file first is what makes them 0600 too);
- found looser (made by an earlier version, or copied in by hand): group and other permissions are removed on start
  and the change is logged as a warning. Refusing to start would turn a harmless upgrade into an outage.
- an existing data dir is the operator's (a mount point, a folder shared with a backup group): it is left as it is,
  and silently: a warning on every start would be repeated by every command (`answerdesk ingest --json` included)
  without ever going away. docs/web-service.md tells operators to make it 0700.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_OTHERS = stat.S_IRWXG | stat.S_IRWXO
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def make_private_dir(path: Path) -> None:
    """Create ``path`` (0700) if it is missing; an existing one is left as it is."""
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True)
    except FileExistsError:
        return
    path.chmod(PRIVATE_DIR_MODE)  # mkdir's mode went through the umask


def make_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it is missing, else tighten it (:func:`tighten`)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        tighten(path)


def tighten(path: Path) -> None:
    """Remove group and other permissions from an existing ``path``; log what changed. Never fails the start: a
    file that cannot be changed (read-only file system, another owner) is logged and left."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if not mode & _OTHERS:
        return
    try:
        path.chmod(mode & ~_OTHERS)
    except OSError as exc:
        log.warning("%s (mode %04o) is readable by other users and could not be made private: %s", path, mode, exc)
        return
    log.warning("%s was readable by other users (mode %04o): now %04o", path, mode, mode & ~_OTHERS)


def sqlite_file(url: URL) -> tuple[Path, bool] | None:
    """The database file of a SQLite ``url`` and whether the URL may create it; None for other databases and for
    in-memory ones. ``sqlite:///file:PATH?mode=ro&uri=true`` opens PATH read-only and must not create it."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    mode = url.query.get("mode")
    if str(url.query.get("uri", "")).lower() in {"true", "1"} and database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    if database in {"", ":memory:"} or mode == "memory":
        return None
    return Path(database), mode not in {"ro", "rw"}  # "rw": open only an existing file


def make_private_sqlite_files(url: URL) -> None:
    """Create the database file 0600 before SQLite does (SQLite would make it 0644) and tighten its companions."""
    found = sqlite_file(url)
    if found is None:
        return
    path, may_create = found
    if may_create and path.parent.is_dir():
        make_private_file(path)
    else:
        tighten(path)
    for suffix in SQLITE_COMPANIONS:
        tighten(path.with_name(path.name + suffix))
