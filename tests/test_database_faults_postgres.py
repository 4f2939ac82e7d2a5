"""The database faults of test_database_faults.py on PostgreSQL: a table locked by another session, a database
that only accepts read-only transactions (as a hot standby does), and a server that refuses connections.

The server is the ``postgres_url`` fixture's (tests/postgres.py): a throwaway one on loopback from Debian's
``postgresql`` package, or the server of ANSWERDESK_TEST_POSTGRES_URL (an account that may create databases). The
driver is psycopg (a dev dependency). Each run creates its own database and drops it.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chatbot.config import Settings
from tests.postgres import fresh_database
from web import create_app
from web.access.accounts import create_site
from web.db.engine import upgrade_database
from web.db.faults import RETRY_AFTER_S
from web.db.models import db

pytestmark = pytest.mark.slow
SESSION = "session-postgres-aaaaaaaa"
CHAT_DEADLINE_S = 5.0


@pytest.fixture(scope="module")
def database_url(postgres_url: str) -> Iterator[str]:
    yield from fresh_database(postgres_url, f"answerdesk_faults_{os.getpid()}")


@pytest.fixture(scope="module")
def site_key(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("pg") / "var", database_url=database_url))
    upgrade_database(app)
    with app.app_context():
        key = create_site("shop", ["https://shop.example"]).key
        db.engine.dispose()
    return key


def make_client(database_url: str, data_dir: Path) -> Any:
    settings = Settings(data_dir=data_dir, database_url=database_url, rate_limit="off")
    return create_app(settings, TESTING=True).test_client()


def ask(client: Any, site_key: str, question: str) -> Any:
    return client.post(
        "/api/v1/chat", json={"question": question}, headers={"X-Site-Key": site_key, "X-Session-Id": SESSION}
    )


def assert_unavailable(response: Any) -> str:
    assert response.status_code == 503, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["code"] == "database_unavailable"
    assert response.headers["Retry-After"] == str(RETRY_AFTER_S)
    return str(body["error"]["message"])


def test_a_locked_table_answers_the_chat_503_within_5_s(database_url: str, site_key: str, tmp_path: Path) -> None:
    client = make_client(database_url, tmp_path / "var")
    assert ask(client, site_key, "Hello, anyone?").status_code == 200  # loads the answerer: not what is timed
    holder = create_engine(database_url).connect()
    try:
        holder.execute(text("LOCK TABLE messages IN EXCLUSIVE MODE"))  # reads go on, writes wait
        started = time.monotonic()
        assert "did not answer" in assert_unavailable(ask(client, site_key, "Is the table locked?"))
        assert time.monotonic() - started < CHAT_DEADLINE_S
    finally:
        holder.rollback()
        holder.close()
    assert ask(client, site_key, "And now?").status_code == 200


def test_a_read_only_database_answers_503_and_is_not_ready(
    postgres_url: str, database_url: str, site_key: str, tmp_path: Path
) -> None:
    name = make_url(database_url).database
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"ALTER DATABASE {name} SET default_transaction_read_only = on"))
    try:
        client = make_client(database_url, tmp_path / "var")  # new connections: read-only transactions
        assert_unavailable(ask(client, site_key, "Can I ask on a standby?"))
        assert "read-only" in assert_unavailable(client.get("/readyz"))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"ALTER DATABASE {name} RESET default_transaction_read_only"))
        admin.dispose()


def test_a_server_that_refuses_connections_is_503(postgres_url: str, site_key: str, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = make_url(postgres_url).set(host="127.0.0.1", port=port, database="answerdesk")
    client = make_client(refused.render_as_string(hide_password=False), tmp_path / "var")
    started = time.monotonic()
    assert_unavailable(ask(client, site_key, "Anyone there?"))
    assert "not reachable" in assert_unavailable(client.get("/readyz"))
    assert time.monotonic() - started < CHAT_DEADLINE_S
