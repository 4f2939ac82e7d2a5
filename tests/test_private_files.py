"""The data dir's secrets are the owner's only: the database (and its -wal, -shm) and the secret key are created
0600 and the data dir 0700, whatever the umask; looser files found on start are tightened and the change logged."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatbot.config import Settings
from web import create_app
from web.access.accounts import create_site
from web.db.engine import upgrade_database


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def everyday_umask() -> Iterator[None]:
    """022, the usual default: without our care files come out 0644 and folders 0755."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_data_dir_database_and_secret_key_are_created_private(tmp_path: Path, everyday_umask: None) -> None:
    data_dir = tmp_path / "var"
    app = create_app(Settings(data_dir=data_dir), TESTING=True)
    upgrade_database(app)
    with app.app_context():
        create_site("shop", ["https://shop.example"])  # the -wal and -shm exist while the pool holds the connection
        files = {name: mode(data_dir / name) for name in ("answerdesk.db", "answerdesk.db-wal", "answerdesk.db-shm")}
    assert files == {"answerdesk.db": 0o600, "answerdesk.db-wal": 0o600, "answerdesk.db-shm": 0o600}
    assert mode(data_dir / "secret_key") == 0o600
    assert mode(data_dir) == 0o700
    assert not list(data_dir.glob(".secret_key.*"))  # the draft is gone


def test_looser_files_are_tightened_on_start_and_logged(
    tmp_path: Path, everyday_umask: None, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    database = data_dir / "answerdesk.db"
    made = sqlite3.connect(database)  # an earlier version's database: SQLite makes it 0644 under umask 022
    made.execute("PRAGMA journal_mode=WAL")
    made.execute("CREATE TABLE kept (x)")
    made.commit()
    (data_dir / "secret_key").write_text("an-old-key", encoding="utf-8")
    assert mode(database) == mode(data_dir / "secret_key") == 0o644

    with caplog.at_level(logging.WARNING, logger="web.db.files"):
        app = create_app(Settings(data_dir=data_dir), TESTING=True)
    assert mode(database) == 0o600 and mode(data_dir / "secret_key") == 0o600
    assert mode(data_dir / "answerdesk.db-wal") == 0o600  # still there: the old connection is open
    made.close()
    assert app.config["SECRET_KEY"] == "an-old-key"  # tightened, not replaced: logins survive
    logged = caplog.text
    assert f"{database} was readable by other users (mode 0644): now 0600" in logged
    assert f"{data_dir / 'secret_key'} was readable by other users" in logged
    assert mode(data_dir) == 0o755  # the folder is the operator's (docs/web-service.md asks for 0700)
