"""NUL (U+0000) on PostgreSQL, whose text columns cannot hold it (psycopg refuses it before sending): every case of
tests/nul_text.py is a 400 ``bad_text`` here too, not a 500, and nothing is stored; a stored turn that fails after
its stream began ends the stream with an ``error`` event; ``answerdesk db upgrade`` migrates the database.

The server is the ``postgres_url`` fixture's (tests/postgres.py): a throwaway one on loopback from Debian's
``postgresql`` package, or ANSWERDESK_TEST_POSTGRES_URL's. Each run creates its own database and drops it. Real
answerer, real MiniLM, the small knowledge base of tests/chat_kb.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests import nul_text
from tests.postgres import fresh_database
from tests.test_database_faults import check_a_failing_store_ends_the_stream
from web.cli import cli
from web.db.models import db

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def database_url(postgres_url: str) -> Iterator[str]:
    yield from fresh_database(postgres_url, f"answerdesk_bad_input_{os.getpid()}")


@pytest.fixture(scope="module")
def service(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> nul_text.NulService:
    return nul_text.make_service(tmp_path_factory.mktemp("pg-nul"), database_url)


def test_the_service_runs_on_postgresql(service: nul_text.NulService) -> None:
    with service.app.app_context():
        assert db.engine.dialect.name == "postgresql"
        db.session.remove()


def test_a_question_with_nul_is_400_not_500(service: nul_text.NulService) -> None:
    nul_text.check_chat_refuses_nul(service)


def test_nul_in_feedback_handoff_and_every_json_string_is_400(service: nul_text.NulService) -> None:
    nul_text.check_json_bodies_refuse_nul(service)


def test_nul_in_query_strings_paths_and_headers_is_400(service: nul_text.NulService) -> None:
    nul_text.check_query_path_and_headers_refuse_nul(service)


def test_nul_in_the_sign_in_and_article_forms_is_400_not_500(service: nul_text.NulService) -> None:
    nul_text.check_forms_refuse_nul(service)


def test_a_store_that_fails_after_the_stream_began_ends_it_with_an_error_event(
    service: nul_text.NulService, database_url: str
) -> None:
    """A trigger refuses messages with an error that is not a fault (RAISE EXCEPTION: SQLSTATE P0001), as
    PostgreSQL refuses a value (a NUL) that reaches it: a bug, answered internal_error, here as the last event."""
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(
                "CREATE FUNCTION refuse_messages() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused by a test trigger'; END $$"
            )
        )
        connection.execute(
            text(
                "CREATE TRIGGER refuse_messages BEFORE INSERT ON messages "
                "FOR EACH ROW EXECUTE FUNCTION refuse_messages()"
            )
        )

    def drop_trigger() -> None:
        with admin.connect() as connection:
            connection.execute(text("DROP TRIGGER IF EXISTS refuse_messages ON messages"))
            connection.execute(text("DROP FUNCTION IF EXISTS refuse_messages()"))

    try:
        check_a_failing_store_ends_the_stream(service.app.test_client(), service.site(), drop_trigger)
    finally:
        drop_trigger()
        admin.dispose()


def test_db_upgrade_on_postgresql(service: nul_text.NulService) -> None:
    """The database was upgraded by the fixture: the command says so, and exits 0."""
    result = service.app.test_cli_runner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("database postgresql+psycopg://") and "is up to date (revision " in result.output
