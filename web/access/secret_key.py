"""The key that signs session cookies and CSRF tokens when ANSWERDESK_SECRET_KEY is not set."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from web.db.files import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, tighten

FILE_NAME = "secret_key"


def load_secret_key(data_dir: Path) -> str:
    """The key kept in DATA_DIR/secret_key, created on first use.

    Kept in a file rather than made up per process: every gunicorn worker must sign with the same key (else a
    login made on one worker is invalid on the next) and logins must survive a restart. Workers start together,
    so the file is published with an atomic link: exactly one key wins and every process reads that one.

    The file is the owner's only (0600), from its first byte: anyone who reads it can forge a login. A key file
    found readable by others is tightened and logged (web/db/files.py).
    """
    path = data_dir / FILE_NAME
    if path.exists():
        tighten(path)
    else:
        data_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        draft = data_dir / f".{FILE_NAME}.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            draft.unlink()  # left by a crashed process that had our pid
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            with contextlib.suppress(FileNotFoundError):
                draft.unlink()
    return path.read_text(encoding="utf-8").strip()
