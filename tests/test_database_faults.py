"""Database faults are outages, not bugs: a locked, read-only or unreachable database answers 503
``database_unavailable`` (JSON with Retry-After on the API, an HTML page in the browser) within the busy timeout,
/readyz says not ready, and a chat turn that cannot be stored is not answered.

Real parts only: the application's own SQLite file, locked by a second sqlite3 connection that holds
``BEGIN EXCLUSIVE`` (what a long ingest, a backup tool or a stuck process does to the service).

Read-only, as root (the tests run as root): root writes to a 0444 file anyway, through CAP_DAC_OVERRIDE, and a
read-only mount needs privileges a test does not have. Two real ways around it:

- the file's mode itself: the service runs in a subprocess under ``setpriv`` with CAP_DAC_OVERRIDE dropped from its
  bounding set, so the kernel refuses it the write as it would any other user (no model is loaded: /readyz and a
  hand-off, which writes, are enough);
- in process, for the chat and the stream: what the service meets on a read-only file or file system is SQLite
  opening the database O_RDONLY (its fallback when it cannot open it for writing) and failing every write with
  SQLITE_READONLY, "attempt to write a readonly database". ``?mode=ro`` in the database URL asks SQLite for that
  same open whoever the process runs as, so the test meets the same state through the same code.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from chatbot.config import Settings
from ingest.factory import build_pipeline
from tests.chat_kb import PUBLIC_QUESTION, write_knowledge_base
from web import create_app
from web.access.accounts import create_site
from web.db.engine import COMMAND_BUSY_TIMEOUT_S, engine_options, upgrade_database
from web.db.faults import RETRY_AFTER_S, is_database_fault
from web.db.models import Message, Site, db
from web.services import get_runtime, warm_up

pytestmark = pytest.mark.slow

SESSION = "session-faults-aaaaaaaa"
# The promise: a chat on a locked database is answered (503) within 5 s, answering time included.
CHAT_DEADLINE_S = 5.0


@dataclass
class Service:
    app: Flask
    data_dir: Path
    site_key: str

    @property
    def database(self) -> Path:
        return self.data_dir / "answerdesk.db"

    def headers(self) -> dict[str, str]:
        return {"X-Site-Key": self.site_key, "X-Session-Id": SESSION}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    base = tmp_path_factory.mktemp("faults")
    app = create_app(Settings(data_dir=base / "var", rate_limit="off"), TESTING=True)  # the default busy timeout
    upgrade_database(app)
    with app.app_context():
        report = build_pipeline(get_runtime(app), db.session()).sync_path(write_knowledge_base(base / "kb"))
        assert report.added == 6 and not report.failed
        key = create_site("shop", ["https://shop.example"]).key
    warm_up(app)  # as gunicorn's post_worker_init does: the deadline below is the database's, not the model's
    return Service(app=app, data_dir=base / "var", site_key=key)


@pytest.fixture
def locked(service: Service) -> Iterator[sqlite3.Connection]:
    """Another connection holds the database's write lock until the test ends."""
    holder = sqlite3.connect(service.database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield holder
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def assert_unavailable(response: Any) -> dict[str, Any]:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == "database_unavailable"
    assert "Traceback" not in body["error"]["message"] and "SQL" not in body["error"]["message"]
    assert response.headers["Retry-After"] == str(RETRY_AFTER_S)
    return body


def parse_sse(text_: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text_.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def stored_questions(service: Service, question: str) -> list[Message]:
    with service.app.app_context():
        return list(db.session.scalars(select(Message).where(Message.question == question)))


# -- locked ------------------------------------------------------------------------------------------------------
def test_a_locked_database_answers_the_chat_503_within_5_s(service: Service, locked: sqlite3.Connection) -> None:
    client = service.app.test_client()
    question = "How do I reset my password while the database is locked?"
    started = time.monotonic()
    response = client.post("/api/v1/chat", json={"question": question}, headers=service.headers())
    elapsed = time.monotonic() - started
    body = assert_unavailable(response)
    assert "did not answer" in body["error"]["message"]  # honest: no answer that could not be kept
    assert elapsed < CHAT_DEADLINE_S, f"took {elapsed:.1f} s"

    started = time.monotonic()
    assert_unavailable(client.get("/readyz"))
    assert time.monotonic() - started < 1.0  # a probe's default timeout

    locked.execute("ROLLBACK")  # the writer is done: everything works again, at once
    locked.execute("BEGIN")  # (the fixture's ROLLBACK needs a transaction to end)
    assert client.get("/readyz").status_code == 200
    assert stored_questions(service, question) == []  # the 503'd turn was not half-stored
    assert client.post("/api/v1/chat", json={"question": question}, headers=service.headers()).status_code == 200


def test_a_locked_database_ends_a_streamed_chat_with_an_error_event(
    service: Service, locked: sqlite3.Connection
) -> None:
    client = service.app.test_client()
    locked.execute("ROLLBACK")  # first a conversation, while the database is free
    first = client.post("/api/v1/chat", json={"question": PUBLIC_QUESTION}, headers=service.headers())
    conversation_id = first.get_json()["conversation_id"]
    locked.execute("BEGIN EXCLUSIVE")

    question = "And how long is the reset link valid?"
    started = time.monotonic()
    streamed = client.post(
        "/api/v1/chat",
        json={"question": question, "conversation_id": conversation_id, "stream": True},
        headers=service.headers(),
    )
    events = parse_sse(streamed.get_data(as_text=True))
    elapsed = time.monotonic() - started
    assert streamed.status_code == 200 and streamed.mimetype == "text/event-stream"
    name, data = events[-1]
    assert name == "error" and set(data) == {"error"} and data["error"]["code"] == "database_unavailable"
    assert "done" not in [name for name, _data in events] and "citations" not in [name for name, _data in events]
    assert elapsed < CHAT_DEADLINE_S, f"took {elapsed:.1f} s"

    # A new conversation must be stored before its stream starts: the 503 comes as JSON, before any event.
    started = time.monotonic()
    fresh = client.post("/api/v1/chat", json={"question": question, "stream": True}, headers=service.headers())
    assert_unavailable(fresh)
    assert time.monotonic() - started < CHAT_DEADLINE_S


# -- a store that fails with a bug -------------------------------------------------------------------------------
REFUSED = "refused by a test trigger"


@pytest.fixture
def messages_refused(service: Service) -> Iterator[None]:
    """Storing a message fails with an error that is not a fault (SQLITE_CONSTRAINT from a trigger): a bug, as a
    value the database refuses is (PostgreSQL and a NUL character)."""
    with sqlite3.connect(service.database) as connection:
        connection.execute(
            f"CREATE TRIGGER refuse_messages BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
        )
    try:
        yield
    finally:
        with sqlite3.connect(service.database) as connection:
            connection.execute("DROP TRIGGER IF EXISTS refuse_messages")


def assert_stream_ends_with_an_error_event(response: Any) -> list[str]:
    """The stream began (200, text/event-stream) and its last event is ``error`` (internal_error): no citations,
    no done. Returns the events' names."""
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    events = parse_sse(response.get_data(as_text=True))
    names = [name for name, _data in events]
    assert names[-1] == "error" and "done" not in names and "citations" not in names, events
    error = events[-1][1]["error"]
    assert error["code"] == "internal_error" and "Traceback" not in error["message"]
    assert REFUSED not in error["message"]  # the database's words stay in the log
    return names


def check_a_failing_store_ends_the_stream(client: Any, headers: dict[str, str], drop_trigger: Any) -> None:
    """Shared with tests/test_database_faults_postgres.py: streamed, the error event; not streamed, a 500 in the
    JSON error shape; and once the database takes messages again, the next turn is stored (nothing left broken)."""
    question = "How do I reset my password when storing fails?"
    names = assert_stream_ends_with_an_error_event(
        client.post("/api/v1/chat", json={"question": question, "stream": True}, headers=headers)
    )
    assert names[0] in ("delta", "replace", "error")
    plain = client.post("/api/v1/chat", json={"question": question}, headers=headers)
    assert plain.status_code == 500 and plain.get_json()["error"]["code"] == "internal_error"
    drop_trigger()
    again = client.post("/api/v1/chat", json={"question": question, "stream": True}, headers=headers)
    assert [name for name, _data in parse_sse(again.get_data(as_text=True))][-1] == "done"


def test_a_store_that_fails_with_a_bug_ends_a_streamed_chat_with_an_error_event(
    service: Service, messages_refused: None
) -> None:
    def drop_trigger() -> None:
        with sqlite3.connect(service.database) as connection:
            connection.execute("DROP TRIGGER refuse_messages")

    client = service.app.test_client()
    check_a_failing_store_ends_the_stream(client, service.headers(), drop_trigger)
    assert stored_questions(service, "How do I reset my password when storing fails?")[0].status == "ok"


def test_web_requests_wait_the_short_busy_timeout_and_commands_the_long_one(service: Service) -> None:
    def busy_timeout_ms() -> int:
        value = db.session.execute(text("PRAGMA busy_timeout")).scalar()
        db.session.remove()  # back to the pool, as at the end of a request or a command
        return int(value or 0)

    with service.app.test_request_context("/api/v1/chat"):
        assert busy_timeout_ms() == 4000  # ANSWERDESK_DB_BUSY_TIMEOUT's default
    with service.app.app_context():
        assert busy_timeout_ms() == COMMAND_BUSY_TIMEOUT_S * 1000
    with service.app.test_request_context("/readyz"):
        assert busy_timeout_ms() == 4000  # the same pooled connection, switched back


# -- read-only ---------------------------------------------------------------------------------------------------
def test_a_read_only_database_answers_503_and_is_not_ready(service: Service) -> None:
    writable = service.app.test_client()
    first = writable.post("/api/v1/chat", json={"question": PUBLIC_QUESTION}, headers=service.headers())
    conversation_id = first.get_json()["conversation_id"]

    settings = Settings(
        data_dir=service.data_dir, database_url=f"sqlite:///file:{service.database}?mode=ro&uri=true", rate_limit="off"
    )
    client = create_app(settings, TESTING=True).test_client()
    question = "Can I ask when the disk is read-only?"
    body = assert_unavailable(client.post("/api/v1/chat", json={"question": question}, headers=service.headers()))
    assert "did not answer" in body["error"]["message"]
    assert "read-only" in assert_unavailable(client.get("/readyz"))["error"]["message"]
    follow_up = {"question": question, "conversation_id": conversation_id, "stream": True}
    events = parse_sse(client.post("/api/v1/chat", json=follow_up, headers=service.headers()).get_data(as_text=True))
    assert events[-1] == ("error", {"error": {"code": "database_unavailable", "message": body["error"]["message"]}})
    # Reading still works: a visitor can still see the conversation they had.
    shown = client.get(f"/api/v1/conversations/{conversation_id}", headers=service.headers())
    assert shown.status_code == 200 and shown.get_json()["messages"][0]["question"] == PUBLIC_QUESTION
    assert stored_questions(service, question) == []


# What a process sees of a 0444 database file: run as root without CAP_DAC_OVERRIDE (the capability that lets root
# write anyway), or as any other user, it asks the app for readiness and for a hand-off (a write) and prints both.
READ_ONLY_PROBE = """
import json, sys
from pathlib import Path
from chatbot.config import Settings
from web import create_app
client = create_app(Settings(data_dir=Path(sys.argv[1]), rate_limit="off"), TESTING=True).test_client()
ready = client.get("/readyz")
handoff = client.post("/api/v1/handoff", json={"message": "help"}, headers={"X-Site-Key": sys.argv[2],
                      "X-Session-Id": "session-read-only-aaaa"})
print(json.dumps([[r.status_code, r.get_json(), r.headers.get("Retry-After")] for r in (ready, handoff)]))
"""


def test_a_database_file_chmod_0444_is_read_only_for_the_service(tmp_path: Path) -> None:
    """The real thing: the file's mode, enforced by the kernel. Root ignores file modes through CAP_DAC_OVERRIDE,
    so as root the service runs under ``setpriv`` with that capability dropped from its bounding set."""
    data_dir = tmp_path / "var"
    app = create_app(Settings(data_dir=data_dir, rate_limit="off"), TESTING=True)
    upgrade_database(app)
    with app.app_context():
        key = create_site("shop", ["https://shop.example"]).key
        db.engine.dispose()  # the last connection closes: the WAL is checkpointed into the file and removed
    (data_dir / "answerdesk.db").chmod(0o444)
    command = [sys.executable, "-c", READ_ONLY_PROBE, str(data_dir), key]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("as root, needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stderr
    (ready_status, ready, ready_retry), (handoff_status, handoff, handoff_retry) = json.loads(done.stdout)
    assert ready_status == 503 and ready["error"]["code"] == "database_unavailable"
    assert "read-only" in ready["error"]["message"]
    assert handoff_status == 503 and handoff["error"]["code"] == "database_unavailable"
    assert ready_retry == handoff_retry == str(RETRY_AFTER_S)
    assert "attempt to write a readonly database" in done.stderr  # what SQLite said, in the service's log


# -- unreachable -------------------------------------------------------------------------------------------------
def test_an_unreachable_database_is_503_json_on_the_api_and_an_html_page_in_the_browser(
    service: Service, tmp_path: Path
) -> None:
    # A database on a volume that is not mounted: its folder is missing, SQLite cannot open the file.
    settings = Settings(
        data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'unmounted' / 'answerdesk.db'}"
    ).replace(rate_limit="off")
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    client = app.test_client()

    assert_unavailable(client.get("/api/v1/conversations", headers=service.headers()))
    assert "not reachable" in assert_unavailable(client.get("/readyz"))["error"]["message"]
    page = client.post(
        "/login", data={"email": "ann@example.com", "password": "secret"}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert page.headers["Retry-After"] == str(RETRY_AFTER_S)
    html = page.get_data(as_text=True)
    assert "<h1>503</h1>" in html and "Traceback" not in html and "sqlite" not in html.lower()


# -- faults and bugs ---------------------------------------------------------------------------------------------
def test_only_faults_of_the_database_count_as_unavailable(service: Service, locked: sqlite3.Connection) -> None:
    """A bug stays a 500 with its traceback: a duplicate key or a missing table is not an outage."""
    with service.app.app_context():
        with pytest.raises(OperationalError) as missing_table:
            db.session.execute(text("SELECT * FROM no_such_table"))
        db.session.rollback()
        assert not is_database_fault(missing_table.value)

        db.session.execute(text("PRAGMA busy_timeout=50"))
        with pytest.raises(OperationalError) as busy:
            db.session.execute(text("UPDATE sites SET name = name"))
        db.session.rollback()
        assert is_database_fault(busy.value)

        locked.execute("ROLLBACK")
        locked.execute("BEGIN")
        db.session.add(Site(name="shop", key="another-key", origins=[]))
        with pytest.raises(IntegrityError) as duplicate:
            db.session.flush()
        db.session.rollback()
        assert not is_database_fault(duplicate.value)


def test_postgresql_through_libpq_gives_up_connecting_in_bounded_time() -> None:
    """libpq waits for an unanswering server as long as TCP does; the web's wait bounds it (libpq's minimum is 2 s)."""
    url = "postgresql+psycopg://answerdesk@db.internal/answerdesk"
    assert engine_options(Settings(database_url=url))["connect_args"] == {"connect_timeout": 4}
    assert engine_options(Settings(database_url=url, db_busy_timeout=0.5))["connect_args"] == {"connect_timeout": 2}
    assert "connect_args" not in engine_options(Settings(database_url=url + "?connect_timeout=30"))  # the URL's own
    assert "connect_args" not in engine_options(Settings())  # SQLite: the busy timeout does it
