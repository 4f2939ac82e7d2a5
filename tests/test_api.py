"""The chat service's HTTP contract, with the real answerer over a small knowledge base in real SQLite/Chroma."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from chatbot.config import Settings
from chatbot.errors import ServiceUnavailableError
from ingest.factory import build_pipeline
from tests.chat_kb import INTERNAL_DOC, INTERNAL_QUESTION, PUBLIC_QUESTION, SECRET_PHRASE, write_knowledge_base
from web import create_app
from web.access.accounts import create_api_token, create_site, create_user
from web.db.engine import upgrade_database
from web.db.models import Conversation, Feedback, Handoff, Message, db
from web.editor.login import safe_next
from web.services import get_runtime

pytestmark = pytest.mark.slow

SHOP_ORIGIN = "https://shop.example"
OTHER_ORIGIN = "https://other.example"
SESSION_A = "session-aaaaaaaaaaaaaaaa"
SESSION_B = "session-bbbbbbbbbbbbbbbb"


@dataclass
class Service:
    app: Flask
    shop_key: str
    other_key: str
    employee_token: str
    editor_token: str
    employee_id: int

    def client(self) -> FlaskClient:
        return self.app.test_client()


def make_app(data_dir: Path, **changes: Any) -> Flask:
    settings = Settings(data_dir=data_dir, rate_limit="off").replace(**changes)
    app = create_app(settings, TESTING=True)
    upgrade_database(app)
    return app


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    base = tmp_path_factory.mktemp("api")
    app = make_app(base / "var")
    with app.app_context():
        report = build_pipeline(get_runtime(app), db.session()).sync_path(write_knowledge_base(base / "kb"))
        assert report.added == 6 and not report.failed
        shop = create_site("shop", [SHOP_ORIGIN])
        other = create_site("other", [OTHER_ORIGIN])
        employee = create_user("employee@example.com", "correct horse", "employee")
        editor = create_user("editor@example.com", "correct horse", "editor")
        return Service(
            app=app,
            shop_key=shop.key,
            other_key=other.key,
            employee_token=create_api_token(employee),
            editor_token=create_api_token(editor),
            employee_id=employee.id,
        )


@pytest.fixture
def client(service: Service) -> FlaskClient:
    return service.client()


def site_headers(service: Service, session: str = SESSION_A, **extra: str) -> dict[str, str]:
    return {"X-Site-Key": service.shop_key, "X-Session-Id": session, **extra}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]
    return body


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def message_row(service: Service, message_id: int) -> Message:
    with service.app.app_context():
        row = db.session.get(Message, message_id)
        assert row is not None
        db.session.expunge(row)  # readable after the context closes
        return row


def conversation_row(service: Service, conversation_id: str) -> Conversation:
    with service.app.app_context():
        row = db.session.get(Conversation, conversation_id)
        assert row is not None
        db.session.expunge(row)
        return row


# -- chat --------------------------------------------------------------------------------------------------------
def test_chat_answers_with_the_answer_shape_and_ids(service: Service, client: FlaskClient) -> None:
    response = client.post("/api/v1/chat", json={"question": PUBLIC_QUESTION}, headers=site_headers(service))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {
        "question", "answer", "is_gap", "reason", "confidence", "language", "citations", "sources", "related",
        "latency_ms", "conversation_id", "message_id",
    }  # fmt: skip
    assert body["is_gap"] is False and "Forgot password" in body["answer"]
    assert body["citations"][0]["id"] == "account/password.md"
    assert re.fullmatch(r"[0-9a-f]{32}", body["conversation_id"])
    assert isinstance(body["message_id"], int)


def test_a_turn_does_not_read_back_the_rows_it_wrote(service: Service, client: FlaskClient) -> None:
    """The reply's ids come from the rows just committed; a commit expires them, and reading ``.id`` would select
    each row again (the message with its JSON columns) on every turn."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    with service.app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.post("/api/v1/chat", json={"question": PUBLIC_QUESTION}, headers=site_headers(service))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    body = response.get_json()
    assert response.status_code == 200 and not body["is_gap"]  # a well-answered turn: no gap evidence to write
    assert any(s.startswith("INSERT INTO messages") for s in statements)
    read_back = [s for s in statements if s.startswith("SELECT") and re.search(r"FROM (messages|conversations)\b", s)]
    assert read_back == []
    assert message_row(service, body["message_id"]).conversation_id == body["conversation_id"]


def test_every_turn_is_stored_with_sources_scores_and_caller(service: Service, client: FlaskClient) -> None:
    body = client.post("/api/v1/chat", json={"question": PUBLIC_QUESTION}, headers=site_headers(service)).get_json()
    row = message_row(service, body["message_id"])
    assert row.status == "ok" and row.error_code is None
    assert row.question == PUBLIC_QUESTION and row.answer == body["answer"]
    assert row.audience == "public" and row.writer == "extractive"
    assert row.sources[0]["id"] == "account/password.md" and isinstance(row.sources[0]["score"], float)
    assert [s["id"] for s in row.sources] == [s["id"] for s in body["sources"]]
    assert row.citations == body["citations"]
    assert row.confidence == pytest.approx(body["confidence"], abs=1e-3)
    assert row.latency_ms is not None and row.latency_ms > 0
    assert row.is_gap is False and row.language == "en"
    conversation = conversation_row(service, body["conversation_id"])
    assert conversation.audience == "public" and conversation.session_id == SESSION_A
    assert conversation.site_id is not None and conversation.user_id is None

    by_token = client.post(
        "/api/v1/chat", json={"question": PUBLIC_QUESTION}, headers=bearer(service.employee_token)
    ).get_json()
    assert message_row(service, by_token["message_id"]).audience == "internal"
    conversation = conversation_row(service, by_token["conversation_id"])
    assert conversation.user_id == service.employee_id and conversation.site_id is None


def test_a_conversation_continues_with_its_history(service: Service, client: FlaskClient) -> None:
    first = client.post("/api/v1/chat", json={"question": PUBLIC_QUESTION}, headers=site_headers(service)).get_json()
    second = client.post(
        "/api/v1/chat",
        json={"question": "and how long is the link valid?", "conversation_id": first["conversation_id"]},
        headers=site_headers(service),
    ).get_json()
    assert second["conversation_id"] == first["conversation_id"]
    # The follow-up is searched together with the previous question, so the password article leads.
    assert second["sources"][0]["id"] == "account/password.md"
    # The previous answer already said it; the answer says it again rather than quote another article, which used
    # to be the two-factor article, with the password article's confidence (0.99).
    assert second["citations"][0]["id"] == "account/password.md", second["answer"]
    assert "valid for 24 hours" in second["answer"]
    with service.app.app_context():
        count = len(
            db.session.scalars(select(Message).where(Message.conversation_id == first["conversation_id"])).all()
        )
    assert count == 2


def test_streaming_sends_text_then_citations_then_done(service: Service, client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/chat", json={"question": PUBLIC_QUESTION, "stream": True}, headers=site_headers(service)
    )
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    events = parse_sse(response.get_data(as_text=True))
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"]
    assert set(names[:-2]) <= {"delta", "replace"} and names[0] == "delta"
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert "Forgot password" in text
    citations = events[-2][1]
    assert set(citations) >= {"citations", "sources", "related", "is_gap", "reason", "confidence"}
    assert citations["citations"][0]["id"] == "account/password.md"
    done = events[-1][1]
    assert set(done) == {"conversation_id", "message_id"}
    row = message_row(service, done["message_id"])
    assert row.status == "ok" and row.answer == text and row.conversation_id == done["conversation_id"]
    conversation = conversation_row(service, done["conversation_id"])
    assert conversation.session_id == SESSION_A and conversation.audience == "public"

    follow_up = client.post(
        "/api/v1/chat",
        json={
            "question": "and how long is the link valid?",
            "conversation_id": done["conversation_id"],
            "stream": True,
        },
        headers=site_headers(service),
    )
    assert parse_sse(follow_up.get_data(as_text=True))[-1][1]["conversation_id"] == done["conversation_id"]


def test_a_client_leaving_mid_stream_still_leaves_its_question(service: Service, client: FlaskClient) -> None:
    question = "Does the app work offline when I leave early?"
    response = client.post(
        "/api/v1/chat", json={"question": question, "stream": True}, headers=site_headers(service), buffered=False
    )
    first = next(iter(response.response))
    assert first.startswith(b"event: delta")
    response.close()  # what the server does when the connection drops
    with service.app.app_context():
        row = db.session.scalars(select(Message).where(Message.question == question)).one()
        assert (row.status, row.error_code) == ("failed", "client_disconnected")


# -- audience per caller -----------------------------------------------------------------------------------------
def test_site_key_callers_never_see_internal_documents(service: Service, client: FlaskClient) -> None:
    for stream in (False, True):
        response = client.post(
            "/api/v1/chat", json={"question": INTERNAL_QUESTION, "stream": stream}, headers=site_headers(service)
        )
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert SECRET_PHRASE not in text.replace(INTERNAL_QUESTION, "")
        assert INTERNAL_DOC not in text


def test_employees_get_internal_answers(service: Service, client: FlaskClient) -> None:
    body = client.post(
        "/api/v1/chat", json={"question": INTERNAL_QUESTION}, headers=bearer(service.employee_token)
    ).get_json()
    assert body["is_gap"] is False
    assert SECRET_PHRASE in body["answer"]
    assert body["citations"][0]["id"] == INTERNAL_DOC


def test_a_site_key_wins_over_an_employee_token(service: Service, client: FlaskClient) -> None:
    headers = {**site_headers(service), **bearer(service.employee_token)}
    body = client.post("/api/v1/chat", json={"question": INTERNAL_QUESTION}, headers=headers).get_json()
    assert INTERNAL_DOC not in json.dumps(body)


# -- errors ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"question": ""}, "bad_question"),
        ({"question": "   "}, "bad_question"),
        # Nothing a person could read: was answered "I don't know" and became a knowledge gap titled "\u200b\u200b".
        ({"question": "\u200b\u200b"}, "bad_question"),
        ({"question": "\ufeff\u0001"}, "bad_question"),
        # NUL is refused in any text before the question's own check (web/http/payloads.py).
        ({"question": "\ufeff\u0000"}, "bad_text"),
        ({"question": "\u0007\u001b\u3000"}, "bad_question"),
        ({}, "bad_question"),
        ({"question": 42}, "bad_question"),
        ({"question": "x" * 2001}, "bad_question"),
        ({"question": PUBLIC_QUESTION, "stream": "yes"}, "bad_request"),
        ({"question": PUBLIC_QUESTION, "conversation_id": 7}, "bad_request"),
        ([PUBLIC_QUESTION], "bad_json"),
    ],
)
def test_bad_chat_bodies_are_400(service: Service, client: FlaskClient, payload: Any, code: str) -> None:
    assert_error(client.post("/api/v1/chat", json=payload, headers=site_headers(service)), 400, code)


def test_a_question_of_exactly_2000_characters_is_accepted(service: Service, client: FlaskClient) -> None:
    question = ("password " * 250)[:2000]
    response = client.post("/api/v1/chat", json={"question": question}, headers=site_headers(service))
    assert response.status_code == 200


def test_malformed_json_and_other_content_types_are_400(service: Service, client: FlaskClient) -> None:
    headers = site_headers(service)
    broken = client.post("/api/v1/chat", data='{"question": ', content_type="application/json", headers=headers)
    assert_error(broken, 400, "bad_json")
    form = client.post("/api/v1/chat", data={"question": PUBLIC_QUESTION}, headers=headers)
    assert_error(form, 400, "bad_json")


def test_missing_or_unknown_credentials_are_401(service: Service, client: FlaskClient) -> None:
    question = {"question": PUBLIC_QUESTION}
    assert_error(client.post("/api/v1/chat", json=question), 401, "invalid_site_key")
    unknown = {"X-Site-Key": "site_nope", "X-Session-Id": SESSION_A}
    assert_error(client.post("/api/v1/chat", json=question, headers=unknown), 401, "invalid_site_key")
    assert_error(client.post("/api/v1/chat", json=question, headers=bearer("adt_nope")), 401, "invalid_token")
    assert_error(client.get("/api/v1/conversations"), 401, "invalid_site_key")


def test_a_site_key_needs_a_session_id(service: Service, client: FlaskClient) -> None:
    for session in (None, "short", "bad chars <script>!!"):
        headers = {"X-Site-Key": service.shop_key} | ({"X-Session-Id": session} if session else {})
        assert_error(client.post("/api/v1/chat", json={"question": "hi"}, headers=headers), 400, "bad_session_id")


def test_roles_are_checked_403(service: Service, client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/handoffs", headers=bearer(service.employee_token)), 403, "forbidden")
    assert_error(client.get("/api/v1/handoffs", headers=site_headers(service)), 403, "forbidden")
    response = client.get("/api/v1/handoffs", headers=bearer(service.editor_token))
    assert response.status_code == 200 and isinstance(response.get_json()["handoffs"], list)


def test_unknown_routes_are_404_json(service: Service, client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/nothing-here", headers=site_headers(service)), 404, "not_found")


def test_browser_pages_get_an_html_error_page(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_wrong_method_is_405_with_allow(service: Service, client: FlaskClient) -> None:
    response = client.get("/api/v1/chat", headers=site_headers(service))
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_bodies_over_64_kib_are_413(service: Service, client: FlaskClient) -> None:
    body = json.dumps({"question": "x", "padding": "y" * (64 * 1024)})
    response = client.post("/api/v1/chat", data=body, content_type="application/json", headers=site_headers(service))
    assert_error(response, 413, "body_too_large")


def test_unexpected_errors_are_500_json_without_traceback(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(tmp_path / "var")

    @app.get("/api/v1/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/api/v1/boom")
    body = assert_error(response, 500, "internal_error")
    assert "secret internals" not in json.dumps(body)
    assert "secret internals" in caplog.text  # logged with its traceback for us


def test_answerer_failure_is_503_and_the_question_is_kept(
    service: Service, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    class BrokenAnswerer:
        def answer(self, *args: Any, **kwargs: Any) -> Any:
            raise ServiceUnavailableError("the vector store is not reachable")

        def stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            raise RuntimeError("boom")
            yield  # a generator, like the real one

    monkeypatch.setattr("web.chat.turns.get_answerer", lambda app: BrokenAnswerer())
    question = "Is my question kept when things break?"
    assert_error(
        client.post("/api/v1/chat", json={"question": question}, headers=site_headers(service)),
        503,
        "answerer_unavailable",
    )
    streamed = client.post("/api/v1/chat", json={"question": question, "stream": True}, headers=site_headers(service))
    assert streamed.status_code == 200
    events = parse_sse(streamed.get_data(as_text=True))
    assert events == [
        ("error", {"error": {"code": "answerer_unavailable", "message": events[0][1]["error"]["message"]}})
    ]
    with service.app.app_context():
        rows = db.session.scalars(select(Message).where(Message.question == question).order_by(Message.id)).all()
        assert [(r.status, r.error_code, r.answer) for r in rows] == [
            ("failed", "service_unavailable", None),
            ("failed", "answerer_error", None),
        ]
        assert all(r.conversation.site_id is not None and r.audience == "public" for r in rows)


# -- CORS --------------------------------------------------------------------------------------------------------
def test_cors_allows_only_the_sites_own_origins(service: Service, client: FlaskClient) -> None:
    question = {"question": PUBLIC_QUESTION}
    allowed = client.post("/api/v1/chat", json=question, headers=site_headers(service, Origin=SHOP_ORIGIN))
    assert allowed.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    assert "Origin" in allowed.headers["Vary"]
    assert "Retry-After" in allowed.headers["Access-Control-Expose-Headers"]
    # Another registered site's origin with this site's key, and an unknown origin: no CORS header at all.
    for origin in (OTHER_ORIGIN, "https://evil.example"):
        refused = client.post("/api/v1/chat", json=question, headers=site_headers(service, Origin=origin))
        assert "Access-Control-Allow-Origin" not in refused.headers
    # Errors to an allowed origin carry the header too, so the widget can read them.
    error = client.post("/api/v1/chat", json={"question": ""}, headers=site_headers(service, Origin=SHOP_ORIGIN))
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN


def test_preflight_is_answered_for_registered_origins_only(client: FlaskClient) -> None:
    request_headers = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-site-key"}
    allowed = client.options("/api/v1/chat", headers={"Origin": SHOP_ORIGIN, **request_headers})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    assert {"X-Site-Key", "X-Session-Id", "Content-Type"} <= {
        h.strip() for h in allowed.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "Origin" in allowed.headers["Vary"]
    foreign = client.options("/api/v1/chat", headers={"Origin": "https://evil.example", **request_headers})
    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert all(value != "*" for value in (*allowed.headers.values(), *foreign.headers.values()))


# -- feedback, hand-off, conversations ---------------------------------------------------------------------------
def ask(service: Service, client: FlaskClient, session: str = SESSION_A) -> dict[str, Any]:
    response = client.post("/api/v1/chat", json={"question": PUBLIC_QUESTION}, headers=site_headers(service, session))
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def test_feedback_is_stored_for_the_owner(service: Service, client: FlaskClient) -> None:
    answer = ask(service, client)
    payload = {
        "message_id": answer["message_id"],
        "helpful": False,
        "reasons": ["outdated", "unclear"],
        "comment": "old",
    }
    response = client.post("/api/v1/feedback", json=payload, headers=site_headers(service))
    assert response.status_code == 201
    assert response.get_json()["reasons"] == ["outdated", "unclear"]
    with service.app.app_context():
        row = db.session.scalars(select(Feedback).where(Feedback.message_id == answer["message_id"])).one()
        assert (row.helpful, row.reasons, row.comment) == (False, ["outdated", "unclear"], "old")
    thumbs_up = client.post(
        "/api/v1/feedback", json={"message_id": answer["message_id"], "helpful": True}, headers=site_headers(service)
    )
    assert thumbs_up.status_code == 201
    conversation = client.get(f"/api/v1/conversations/{answer['conversation_id']}", headers=site_headers(service))
    assert conversation.get_json()["messages"][-1]["helpful"] is True  # the latest click counts


def test_a_feedback_comment_is_stored_masked_as_a_question_is(service: Service, client: FlaskClient) -> None:
    """Was stored as typed: a 👎 comment is free text where people paste what they would type in a question."""
    answer = ask(service, client)
    typed = "wrong: card 4111111111111111 was charged, write to jo@example.com"
    payload = {"message_id": answer["message_id"], "helpful": False, "comment": typed}
    assert client.post("/api/v1/feedback", json=payload, headers=site_headers(service)).status_code == 201
    with service.app.app_context():
        row = db.session.scalars(select(Feedback).where(Feedback.message_id == answer["message_id"])).one()
        assert row.comment == "wrong: card [card] was charged, write to [email]"


def test_a_thumbs_down_is_kept_when_gap_capture_cannot_get_its_parts(
    service: Service, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = ask(service, client)

    def unavailable(app: Any) -> Any:
        raise ServiceUnavailableError("the vector store is not reachable")

    monkeypatch.setattr("web.chat.turns.get_runtime", unavailable)
    payload = {"message_id": answer["message_id"], "helpful": False}
    assert client.post("/api/v1/feedback", json=payload, headers=site_headers(service)).status_code == 201
    handoff = {"conversation_id": answer["conversation_id"], "email": "a@example.com"}
    assert client.post("/api/v1/handoff", json=handoff, headers=site_headers(service)).status_code == 201
    with service.app.app_context():
        assert db.session.scalars(select(Feedback).where(Feedback.message_id == answer["message_id"])).one()


@pytest.mark.parametrize(
    "payload",
    [
        {"helpful": True},
        {"message_id": "1", "helpful": True},
        {"message_id": True, "helpful": True},
        {"message_id": 1},
        {"message_id": 1, "helpful": "no"},
        {"message_id": 1, "helpful": False, "reasons": ["boring"]},
        {"message_id": 1, "helpful": False, "reasons": "wrong"},
        {"message_id": 1, "helpful": False, "comment": 5},
        {"message_id": 1, "helpful": False, "comment": "x" * 2001},
    ],
)
def test_bad_feedback_is_400(service: Service, client: FlaskClient, payload: dict[str, Any]) -> None:
    assert_error(client.post("/api/v1/feedback", json=payload, headers=site_headers(service)), 400, "bad_request")


def test_feedback_on_someone_elses_message_is_404(service: Service, client: FlaskClient) -> None:
    answer = ask(service, client, SESSION_A)
    payload = {"message_id": answer["message_id"], "helpful": True}
    assert_error(
        client.post("/api/v1/feedback", json=payload, headers=site_headers(service, SESSION_B)),
        404,
        "message_not_found",
    )
    assert_error(
        client.post("/api/v1/feedback", json=payload, headers=bearer(service.employee_token)), 404, "message_not_found"
    )


def test_handoff_is_stored_and_visible_to_editors(service: Service, client: FlaskClient) -> None:
    answer = ask(service, client)
    payload = {"conversation_id": answer["conversation_id"], "email": "ann@example.com", "message": "Call me"}
    response = client.post("/api/v1/handoff", json=payload, headers=site_headers(service))
    assert response.status_code == 201
    created = response.get_json()
    assert created["status"] == "open" and created["email"] == "ann@example.com"
    with service.app.app_context():
        row = db.session.get(Handoff, created["id"])
        assert row is not None and (row.conversation_id, row.message) == (answer["conversation_id"], "Call me")
    listed = client.get("/api/v1/handoffs", headers=bearer(service.editor_token)).get_json()["handoffs"]
    assert created["id"] in [h["id"] for h in listed]


def test_asking_for_a_person_again_adds_to_the_open_request(service: Service, client: FlaskClient) -> None:
    # The button twice (or "I want a person" after it) queued two requests for one conversation, which two agents
    # would answer (a browser check, round 37). While one is open, the next adds to it; once it is closed, the next
    # is a new request.
    answer = ask(service, client)
    first = {"conversation_id": answer["conversation_id"], "email": "ann@example.com", "message": "Call me"}
    created = client.post("/api/v1/handoff", json=first, headers=site_headers(service))
    assert created.status_code == 201 and created.get_json()["already_open"] is False
    assert created.get_json()["reply_by_email"] is False  # no mail server here: the reply shows in the chat only
    again = {
        "conversation_id": answer["conversation_id"],
        "email": "ann@example.org",
        "message": "My card is 4111 1111 1111 1111",
    }
    added = client.post("/api/v1/handoff", json=again, headers=site_headers(service))
    assert added.status_code == 200
    body = added.get_json()
    assert body["already_open"] is True and body["id"] == created.get_json()["id"]
    assert body["email"] == "ann@example.org"  # the newer address: the person may be correcting it
    with service.app.app_context():
        rows = db.session.scalars(select(Handoff).where(Handoff.conversation_id == answer["conversation_id"])).all()
        assert len(rows) == 1
        assert rows[0].message.startswith("Call me\n\n") and "4111" not in rows[0].message  # masked as before
        rows[0].status = "closed"
        db.session.commit()
    later = client.post("/api/v1/handoff", json=first, headers=site_headers(service))
    assert later.status_code == 201 and later.get_json()["id"] != body["id"]


def test_handoff_before_any_question_opens_a_conversation(service: Service, client: FlaskClient) -> None:
    payload = {"email": "ann@example.com", "message": "I need help with my invoice"}
    response = client.post("/api/v1/handoff", json=payload, headers=site_headers(service))
    assert response.status_code == 201
    conversation_id = response.get_json()["conversation_id"]
    # The visitor owns the new conversation; another visitor cannot see it.
    mine = client.get(f"/api/v1/conversations/{conversation_id}", headers=site_headers(service))
    assert mine.status_code == 200
    theirs = client.get(f"/api/v1/conversations/{conversation_id}", headers=site_headers(service, SESSION_B))
    assert_error(theirs, 404, "conversation_not_found")


def test_a_handoff_after_only_asking_for_a_person_needs_a_way_to_reach_them(
    service: Service, client: FlaskClient
) -> None:
    # Round 39 (a tester in the widget): "I want to talk to a person", then Send with no email and no message, was
    # accepted, and the agent got "(no question)" and nobody to write to.
    said = client.post("/api/v1/chat", json={"question": "I want to talk to a person"}, headers=site_headers(service))
    assert said.status_code == 200
    conversation = {"conversation_id": said.get_json()["conversation_id"]}
    error = assert_error(
        client.post("/api/v1/handoff", json=conversation, headers=site_headers(service)), 400, "bad_request"
    )
    assert "email or a message" in error["error"]["message"]
    with_message = {**conversation, "message": "My invoice total is wrong"}
    assert client.post("/api/v1/handoff", json=with_message, headers=site_headers(service)).status_code == 201
    # After a question, the question is what the team answers: no email or message needed.
    asked = ask(service, client, SESSION_B)
    only = {"conversation_id": asked["conversation_id"]}
    assert client.post("/api/v1/handoff", json=only, headers=site_headers(service, SESSION_B)).status_code == 201


def test_bad_or_foreign_handoffs_are_rejected(service: Service, client: FlaskClient) -> None:
    answer = ask(service, client)
    bad_email = {"conversation_id": answer["conversation_id"], "email": "not an email"}
    assert_error(client.post("/api/v1/handoff", json=bad_email, headers=site_headers(service)), 400, "bad_request")
    assert_error(client.post("/api/v1/handoff", json={}, headers=site_headers(service)), 400, "bad_request")
    foreign = {"conversation_id": answer["conversation_id"]}
    assert_error(
        client.post("/api/v1/handoff", json=foreign, headers=site_headers(service, SESSION_B)),
        404,
        "conversation_not_found",
    )


def test_conversations_are_visible_to_their_owner_only(service: Service, client: FlaskClient) -> None:
    answer = ask(service, client, SESSION_A)
    url = f"/api/v1/conversations/{answer['conversation_id']}"
    mine = client.get(url, headers=site_headers(service, SESSION_A))
    assert mine.status_code == 200
    body = mine.get_json()
    assert body["id"] == answer["conversation_id"] and body["audience"] == "public"
    assert body["messages"][0]["question"] == PUBLIC_QUESTION
    assert body["messages"][0]["sources"] == answer["sources"]
    # Someone else's and a made-up id get the same 404: existence is not revealed.
    other_session = client.get(url, headers=site_headers(service, SESSION_B))
    other_site = client.get(url, headers={"X-Site-Key": service.other_key, "X-Session-Id": SESSION_A})
    employee = client.get(url, headers=bearer(service.employee_token))
    made_up = client.get("/api/v1/conversations/0123456789abcdef0123456789abcdef", headers=site_headers(service))
    bodies = [assert_error(r, 404, "conversation_not_found") for r in (other_session, other_site, employee, made_up)]
    assert all(b == bodies[0] for b in bodies)
    # Nor can it be continued by someone else.
    continued = client.post(
        "/api/v1/chat",
        json={"question": "and then?", "conversation_id": answer["conversation_id"]},
        headers=site_headers(service, SESSION_B),
    )
    assert_error(continued, 404, "conversation_not_found")
    listed = client.get("/api/v1/conversations", headers=site_headers(service, SESSION_A)).get_json()
    assert answer["conversation_id"] in [c["id"] for c in listed["conversations"]]
    assert answer["conversation_id"] not in [
        c["id"]
        for c in client.get("/api/v1/conversations", headers=site_headers(service, SESSION_B)).get_json()[
            "conversations"
        ]
    ]


# -- login session callers ---------------------------------------------------------------------------------------
def csrf_token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, html
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = "correct horse", next_url: str = "") -> Any:
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    url = f"/login?next={next_url}" if next_url else "/login"
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def test_login_session_callers_need_the_csrf_header(service: Service) -> None:
    client = service.client()
    assert login(client, "employee@example.com", "wrong password").status_code == 401
    response = login(client, "employee@example.com", next_url="/api/v1/conversations")
    assert response.status_code == 302 and response.headers["Location"] == "/api/v1/conversations"
    question = {"question": INTERNAL_QUESTION}
    assert_error(client.post("/api/v1/chat", json=question), 400, "csrf_failed")
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    body = client.post("/api/v1/chat", json=question, headers={"X-CSRFToken": token}).get_json()
    assert SECRET_PHRASE in body["answer"]  # a logged-in employee is internal
    assert conversation_row(service, body["conversation_id"]).user_id == service.employee_id
    assert client.get("/api/v1/conversations").status_code == 200  # reading needs no CSRF token


def test_editor_page_needs_an_editor(service: Service) -> None:
    anonymous = service.client().get("/editor/")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login?next=/editor/")
    employee = service.client()
    login(employee, "employee@example.com")
    assert employee.get("/editor/").status_code == 403
    editor = service.client()
    login(editor, "editor@example.com")
    page = editor.get("/editor/")
    assert page.status_code == 200 and "open hand-off" in page.get_data(as_text=True)
    assert editor.post("/logout", data={"csrf_token": csrf_token_of(page.get_data(as_text=True))}).status_code == 302
    assert editor.get("/editor/").status_code == 302


def test_login_redirects_only_within_the_site() -> None:
    assert safe_next("/help?x=1") == "/help?x=1"
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""):
        assert safe_next(target) is None


# -- OpenAPI and probes ------------------------------------------------------------------------------------------
def test_openapi_describes_every_api_route(service: Service, client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")  # public: no credentials
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in service.app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/healthz", "/readyz"))
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    assert routes and routes == described
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]


def test_health_and_readiness(service: Service, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json() == {"status": "ready"}

    def unreachable() -> None:
        raise ServiceUnavailableError("the vector store is not reachable")

    monkeypatch.setattr(get_runtime(service.app).store, "ping", unreachable)
    assert_error(client.get("/readyz"), 503, "vector_store_unavailable")
