"""The key that signs session cookies and CSRF tokens when ANSWERDESK_SECRET_KEY is not set."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"


def load_secret_key(data_dir: Path) -> str:
    """The key kept in DATA_DIR/secret_key, created on first use.

    Kept in a file rather than made up per process: every gunicorn worker must sign with the same key (else a
    login made on one worker is invalid on the next) and logins must survive a restart. Workers start together,
    so the file is published with an atomic link: exactly one key wins and every process reads that one.
    """
    path = data_dir / FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        draft = data_dir / f".{FILE_NAME}.{os.getpid()}"
        draft.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            with contextlib.suppress(FileNotFoundError):
                draft.unlink()
    return path.read_text(encoding="utf-8").strip()
