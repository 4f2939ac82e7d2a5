"""Shared fixtures: the real embedding model loaded once per session, a fresh data dir and app per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_KB = REPO_ROOT / "examples" / "helpcenter"


def shared_data_dir() -> Path:
    return Path(os.environ.get("ANSWERDESK_EVAL_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def eval_data() -> Path:
    path = shared_data_dir()
    if not (path / "emanual").is_dir():
        pytest.skip(f"needs the public evaluation data in {path} (set ANSWERDESK_EVAL_DATA); CI has it")
    return path


@pytest.fixture(scope="session", autouse=True)
def _tiktoken_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    from chatbot.tokens import seed_tiktoken_cache

    seed_tiktoken_cache(tmp_path_factory.mktemp("tiktoken"))


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from chatbot.config import Settings

    return Settings(data_dir=tmp_path / "var")


@pytest.fixture
def app(settings) -> Iterator:  # type: ignore[no-untyped-def]
    from web import create_app
    from web.db.engine import upgrade_database

    application = create_app(settings, TESTING=True)
    upgrade_database(application)
    with application.app_context():
        yield application


@pytest.fixture
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL superuser's SQLAlchemy URL: a throwaway server on loopback for the whole run (tests/postgres.py),
    or ANSWERDESK_TEST_POSTGRES_URL's. Skips with a reason when PostgreSQL is not installed."""
    from tests.postgres import postgres_server

    yield from postgres_server()
