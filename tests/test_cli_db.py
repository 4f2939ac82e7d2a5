"""`answerdesk db upgrade` (README.md, docs/web-service.md): the schema migrations alone; it says what it did, and a
database it cannot upgrade is one line on stderr and exit code 1, not a traceback."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import inspect

from chatbot.config import Settings
from tests.conftest import REPO_ROOT
from web import create_app
from web.cli import cli
from web.db.models import db


def fresh_app(data_dir: Path, database_url: str | None = None) -> Flask:
    return create_app(Settings(data_dir=data_dir, database_url=database_url, rate_limit="off"), TESTING=True)


def upgrade(app: Flask) -> Any:
    return app.test_cli_runner().invoke(cli, ["db", "upgrade"])


def test_db_upgrade_migrates_an_empty_database_then_says_it_is_up_to_date(tmp_path: Path) -> None:
    app = fresh_app(tmp_path / "var")
    first = upgrade(app)
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert "upgraded from an empty database to " in lines[0]
    assert any(line.startswith("  applied ") and "chat service" in line for line in lines[1:])
    with app.app_context():
        assert {"conversations", "messages", "alembic_version"} <= set(inspect(db.engine).get_table_names())

    again = upgrade(fresh_app(tmp_path / "var"))  # a new process would start from scratch too
    assert again.exit_code == 0, again.output
    assert again.output.strip().endswith(")") and "is up to date (revision " in again.output
    assert "applied" not in again.output


def test_db_upgrade_refuses_a_revision_it_does_not_know(tmp_path: Path) -> None:
    app = fresh_app(tmp_path / "var")
    assert upgrade(app).exit_code == 0
    with sqlite3.connect(tmp_path / "var" / "answerdesk.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    result = upgrade(fresh_app(tmp_path / "var"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: the database ") and "revision ffffffffffff" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_db_upgrade_of_an_unreachable_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    # The `answerdesk` executable itself, as an operator runs it: a database on a volume that is not mounted.
    database = f"sqlite:///{tmp_path / 'unmounted' / 'answerdesk.db'}"
    env = {"ANSWERDESK_DATA_DIR": str(tmp_path / "var"), "ANSWERDESK_DATABASE_URL": database, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", "db", "upgrade"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert errors == [f"Error: cannot upgrade the database {database}: unable to open database file"], done.stderr
