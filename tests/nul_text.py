"""NUL (U+0000) in any text a request brings is 400 ``bad_text`` before anything is stored (web/http/payloads.py):
the cases, shared by the SQLite run (tests/test_bad_input.py) and the PostgreSQL one
(tests/test_bad_input_postgres.py), where a NUL that got through was a 500 (psycopg refuses it in text) and, in a
stream, a stream that just stopped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from chatbot.config import Settings
from ingest.factory import build_pipeline
from tests.chat_kb import PUBLIC_QUESTION, write_knowledge_base
from tests.sessions import log_in
from tests.test_api import assert_error, csrf_token_of, parse_sse
from web import create_app
from web.access.accounts import create_api_token, create_site, create_user
from web.db.engine import upgrade_database
from web.db.models import Document, Feedback, Handoff, Message, db
from web.services import get_runtime

NUL_TEXT = "refund\u0000 policy"
DOCUMENT = "account/password.md"
SESSION = "visitor-nul-aaaaaaaaaaaaaa"


@dataclass
class NulService:
    app: Flask
    site_key: str
    employee: str  # API tokens
    editor: str
    editor_id: int

    def site(self) -> dict[str, str]:
        return {"X-Site-Key": self.site_key, "X-Session-Id": SESSION}


def make_service(base: Path, database_url: str | None = None) -> NulService:
    """The app over ``database_url`` (default: SQLite in ``base``), with the small knowledge base, a site, an
    employee and an editor."""
    settings = Settings(data_dir=base / "var", database_url=database_url, rate_limit="off")
    app = create_app(settings, TESTING=True)
    upgrade_database(app)
    with app.app_context():
        report = build_pipeline(get_runtime(app), db.session()).sync_path(write_knowledge_base(base / "kb"))
        assert report.added == 6 and not report.failed
        site = create_site("shop", ["https://shop.example"])
        employee = create_api_token(create_user("employee@example.com", "correct horse", "employee"))
        editor_user = create_user("editor@example.com", "correct horse", "editor")
        return NulService(app, site.key, employee, create_api_token(editor_user), editor_user.id)


def post(client: FlaskClient, path: str, body: object, headers: dict[str, str]) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def stored(service: NulService) -> dict[str, int]:
    """Row counts of what the refused requests would have written."""
    with service.app.app_context():
        counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0 for model in
                  (Message, Feedback, Handoff, Document)}  # fmt: skip
        db.session.remove()
        return counts


def check_chat_refuses_nul(service: NulService) -> None:
    client = service.app.test_client()
    before = stored(service)
    for stream in (False, True):
        response = post(client, "/api/v1/chat", {"question": NUL_TEXT, "stream": stream}, service.site())
        message = assert_error(response, 400, "bad_text")["error"]["message"]
        assert "'question'" in message and "NUL" in message
    # Only NUL, which shows nothing: still bad_text (the body check comes first), not a 500.
    assert_error(post(client, "/api/v1/chat", {"question": "\u0000"}, service.site()), 400, "bad_text")
    assert stored(service) == before  # rejected before anything is stored
    # The same client's next questions, streamed or not, are answered in full.
    ok = post(client, "/api/v1/chat", {"question": PUBLIC_QUESTION}, service.site())
    assert ok.status_code == 200 and "Forgot password" in ok.get_json()["answer"]
    streamed = post(client, "/api/v1/chat", {"question": PUBLIC_QUESTION, "stream": True}, service.site())
    assert [name for name, _data in parse_sse(streamed.get_data(as_text=True))][-1] == "done"


def check_json_bodies_refuse_nul(service: NulService) -> None:
    client = service.app.test_client()
    answer = post(client, "/api/v1/chat", {"question": PUBLIC_QUESTION}, service.site()).get_json()
    message_id, conversation_id = answer["message_id"], answer["conversation_id"]
    site, employee, editor = service.site(), bearer(service.employee), bearer(service.editor)
    before = stored(service)
    cases: list[tuple[str, object, dict[str, str], str]] = [
        ("/api/v1/feedback", {"message_id": message_id, "helpful": False, "comment": "bad\u0000"}, site, "'comment'"),
        ("/api/v1/handoff", {"message": "call me\u0000 please"}, site, "'message'"),
        ("/api/v1/handoff", {"email": "a\u0000@example.com"}, site, "'email'"),
        ("/api/v1/handoff", {"conversation_id": f"{conversation_id}\u0000"}, site, "'conversation_id'"),
        ("/api/v1/chat", {"question": "ok", "conversation_id": "\u0000"}, site, "'conversation_id'"),
        (f"/api/v1/documents/{DOCUMENT}/suggestions", {"text": NUL_TEXT}, employee, "'text'"),
        ("/api/v1/gaps/1/comment", {"text": NUL_TEXT}, editor, "'text'"),
        ("/api/v1/gaps/1/resolve", {"faq": {"question": "q", "answer": NUL_TEXT}}, editor, "faq.answer"),
        # A key is text too; the message names it with the NUL replaced.
        ("/api/v1/handoff", {"message": "hello", "x\u0000": 1}, site, "x\ufffd"),
    ]
    for path, body, headers, field in cases:
        error = assert_error(post(client, path, body, headers), 400, "bad_text")
        assert field in error["error"]["message"] and "\u0000" not in error["error"]["message"], (path, error)
    assert stored(service) == before
    # Nothing was half-done (on PostgreSQL: no transaction left aborted): the same requests with proper text work.
    good = {"message_id": message_id, "helpful": False, "comment": "bad answer"}
    assert post(client, "/api/v1/feedback", good, site).status_code == 201
    assert post(client, "/api/v1/handoff", {"message": "call me please"}, site).status_code == 201


def check_query_path_and_headers_refuse_nul(service: NulService) -> None:
    client = service.app.test_client()
    editor = bearer(service.editor)
    for query in ("q=refund%00", "q=refund&community=%00", "q%00=1"):
        assert_error(client.get(f"/api/v1/gaps?{query}", headers=editor), 400, "bad_text")
    assert_error(client.get("/api/v1/conversations/abc%00def", headers=service.site()), 400, "bad_text")
    assert_error(client.get("/api/v1/documents/account%00/suggestions", headers=editor), 400, "bad_text")
    bad_key = {**service.site(), "X-Site-Key": f"{service.site_key}\u0000"}
    assert (
        "X-Site-Key"
        in assert_error(client.get("/api/v1/conversations", headers=bad_key), 400, "bad_text")["error"]["message"]
    )
    assert client.get("/api/v1/gaps?q=refund", headers=editor).status_code == 200


def check_forms_refuse_nul(service: NulService) -> None:
    """The sign-in page and the article editor: a browser gets the HTML error page (400), never a 500."""
    client = service.app.test_client()
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    signed_in = client.post("/login", data={"email": "editor\u0000@example.com", "password": "x", "csrf_token": token})
    assert signed_in.status_code == 400 and signed_in.mimetype == "text/html", signed_in.get_data(as_text=True)
    assert "NUL" in signed_in.get_data(as_text=True)

    editor = service.app.test_client()
    log_in(editor, service.editor_id)
    token = csrf_token_of(editor.get("/editor/articles/new").get_data(as_text=True))
    before = stored(service)
    form = {"audience": "public", "community": "", "review_by": "", "tags": "", "owner": "", "csrf_token": token}
    for fields in ({"title": "Refunds", "body": "Refunds take\u0000 5 days."}, {"title": "Re\u0000funds", "body": "x"}):
        saved = editor.post("/editor/articles/new", data={**form, **fields})
        assert saved.status_code == 400 and saved.mimetype == "text/html", saved.get_data(as_text=True)
        html = saved.get_data(as_text=True)
        assert "NUL" in html and "Traceback" not in html
    assert stored(service) == before
    saved = editor.post("/editor/articles/new", data={**form, "title": "Refunds", "body": "Refunds take 5 days."})
    assert saved.status_code == 302, saved.get_data(as_text=True)
