"""Bad input is a 400 in the JSON error shape, never a 500, on every route: lone surrogates in any JSON string or key
(and query strings), NUL in any text (tests/nul_text.py; on PostgreSQL: tests/test_bad_input_postgres.py), integers
beyond signed 64 bits (bodies, paths, query strings), JSON nested too deep; and one visitor's bad text never fails
another visitor's question (8 well-behaved clients and 2 sending bad text against gunicorn: no failure among the
well-behaved). Real answerer, real SQLite/Chroma, real MiniLM.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gunicorn.http.errors import (  # type: ignore[import-untyped]
    ChunkMissingTerminator,
    InvalidChunkSize,
    InvalidHeader,
    NoMoreData,
)
from werkzeug.datastructures import MultiDict

from chatbot.config import Settings
from ingest.factory import build_pipeline
from tests import nul_text
from tests.chat_kb import PUBLIC_QUESTION, write_knowledge_base
from tests.conftest import REPO_ROOT
from tests.test_api import assert_error, make_app, parse_sse
from web import create_app
from web.access.accounts import create_api_token, create_site, create_user
from web.db.engine import upgrade_database
from web.db.models import Message, db
from web.http.errors import ApiError
from web.http.payloads import MAX_JSON_DEPTH, _check_query_string, int64, json_depth
from web.services import get_runtime

pytestmark = pytest.mark.slow

BAD_TEXT = "refund \ud800 policy"  # a lone surrogate: valid JSON ("\ud800"), not valid Unicode text
TOO_BIG = 2**63
BIGGEST = 2**63 - 1
DOCUMENT = "account/password.md"


@dataclass
class Service:
    app: Flask
    site_key: str
    employee: str
    editor: str

    def site(self, session: str = "visitor-aaaaaaaaaaaaaaaa") -> dict[str, str]:
        return {"X-Site-Key": self.site_key, "X-Session-Id": session}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    base = tmp_path_factory.mktemp("bad-input")
    app = make_app(base / "var")
    with app.app_context():
        report = build_pipeline(get_runtime(app), db.session()).sync_path(write_knowledge_base(base / "kb"))
        assert report.added == 6 and not report.failed
        site = create_site("shop", ["https://shop.example"])
        employee = create_api_token(create_user("employee@example.com", "correct horse", "employee"))
        editor = create_api_token(create_user("editor@example.com", "correct horse", "editor"))
        return Service(app=app, site_key=site.key, employee=employee, editor=editor)


@pytest.fixture
def client(service: Service) -> FlaskClient:
    return service.app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post(client: FlaskClient, path: str, body: object, headers: dict[str, str]) -> Any:
    """``body`` as the wire carries it: json.dumps escapes a lone surrogate as \\ud800 (valid JSON)."""
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


def ask(service: Service, client: FlaskClient) -> dict[str, Any]:
    response = post(client, "/api/v1/chat", {"question": PUBLIC_QUESTION}, service.site())
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


# -- lone surrogates ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stream", [False, True])
def test_a_question_with_a_lone_surrogate_is_400_json(service: Service, client: FlaskClient, stream: bool) -> None:
    with service.app.app_context():
        stored = db.session.query(Message).count()
    response = post(client, "/api/v1/chat", {"question": BAD_TEXT, "stream": stream}, service.site())
    body = assert_error(response, 400, "bad_text")
    assert "'question'" in body["error"]["message"]
    with service.app.app_context():
        assert db.session.query(Message).count() == stored  # rejected before anything is stored
    # The same client asks a proper question next, streamed or not, and gets its answer.
    ok = post(client, "/api/v1/chat", {"question": PUBLIC_QUESTION, "stream": stream}, service.site())
    assert ok.status_code == 200
    if stream:
        assert [name for name, _ in parse_sse(ok.get_data(as_text=True))][-1] == "done"
    else:
        assert "Forgot password" in ok.get_json()["answer"]


def test_lone_surrogates_in_feedback_handoff_and_suggestions_are_400(service: Service, client: FlaskClient) -> None:
    message_id = ask(service, client)["message_id"]
    site = service.site()
    cases: list[tuple[str, object, dict[str, str], str]] = [
        ("/api/v1/feedback", {"message_id": message_id, "helpful": False, "comment": BAD_TEXT}, site, "'comment'"),
        ("/api/v1/feedback", {"message_id": message_id, "helpful": False, "reasons": ["\udfff"]}, site, "reasons[0]"),
        ("/api/v1/handoff", {"message": BAD_TEXT}, site, "'message'"),
        ("/api/v1/handoff", {"email": "a\ud83d@example.com"}, site, "'email'"),
        ("/api/v1/handoff", {"conversation_id": "\ud800"}, site, "'conversation_id'"),
        (f"/api/v1/documents/{DOCUMENT}/suggestions", {"text": BAD_TEXT}, bearer(service.employee), "'text'"),
        ("/api/v1/gaps/1/comment", {"text": BAD_TEXT}, bearer(service.editor), "'text'"),
        (
            "/api/v1/gaps/1/resolve",
            {"faq": {"question": "q", "answer": BAD_TEXT}},
            bearer(service.editor),
            "faq.answer",
        ),
        # A key is text too; the message names it without the surrogate (which could not be encoded).
        ("/api/v1/handoff", {"message": "hello", "x\ud800": 1}, site, "x\ufffd"),
    ]
    for path, body, headers, field in cases:
        error = assert_error(post(client, path, body, headers), 400, "bad_text")
        assert field in error["error"]["message"], (path, error)
    # Nothing was stored or half-done: the same requests with proper text work.
    good = {"message_id": message_id, "helpful": False, "comment": "refund policy"}
    assert post(client, "/api/v1/feedback", good, site).status_code == 201
    assert post(client, "/api/v1/handoff", {"message": "refund policy"}, site).status_code == 201
    suggestion = post(client, f"/api/v1/documents/{DOCUMENT}/suggestions", {"text": "ok"}, bearer(service.employee))
    assert suggestion.status_code == 201


def test_query_strings_cannot_carry_lone_surrogates(service: Service, client: FlaskClient) -> None:
    # Over the wire a surrogate can only come as its (invalid) UTF-8 bytes: werkzeug keeps them percent-encoded.
    for query in ("q=%ED%A0%80", "q=refund%ED%A0%80policy&community=%ED%A0%80"):
        response = client.get(f"/api/v1/gaps?{query}", headers=bearer(service.editor))
        assert response.status_code == 200, response.get_data(as_text=True)
    # Should a surrogate ever reach request.args, the app-wide check answers 400 bad_text.
    with service.app.test_request_context("/api/v1/gaps") as context:
        context.request.__dict__["args"] = MultiDict({"q": "refund \ud800"})  # werkzeug caches args there
        with pytest.raises(ApiError) as caught:
            _check_query_string()
        assert caught.value.status == 400 and caught.value.code == "bad_text"


# -- NUL (U+0000) ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nul_service(tmp_path_factory: pytest.TempPathFactory) -> nul_text.NulService:
    return nul_text.make_service(tmp_path_factory.mktemp("nul"))


def test_a_question_with_nul_is_400_and_not_stored(nul_service: nul_text.NulService) -> None:
    # SQLite would keep it (PostgreSQL cannot): refused on both, so that the two databases behave the same.
    nul_text.check_chat_refuses_nul(nul_service)


def test_nul_in_any_json_string_or_key_is_400(nul_service: nul_text.NulService) -> None:
    nul_text.check_json_bodies_refuse_nul(nul_service)


def test_nul_in_query_strings_paths_and_headers_is_400(nul_service: nul_text.NulService) -> None:
    nul_text.check_query_path_and_headers_refuse_nul(nul_service)


def test_nul_in_a_form_field_is_a_400_page(nul_service: nul_text.NulService) -> None:
    nul_text.check_forms_refuse_nul(nul_service)


def test_other_control_characters_are_kept(nul_service: nul_text.NulService) -> None:
    """Only NUL is refused: tabs, form feeds and escapes come in pasted text, and every store keeps them."""
    client = nul_service.app.test_client()
    response = post(client, "/api/v1/handoff", {"message": "call me\x0c\x1b\x7f please"}, nul_service.site())
    assert response.status_code == 201 and response.get_json()["message"] == "call me\x0c\x1b\x7f please"


# -- ids beyond 64 bits ------------------------------------------------------------------------------------------
def test_ids_beyond_64_bits_are_rejected(service: Service, client: FlaskClient) -> None:
    site, editor = service.site(), bearer(service.editor)
    feedback = post(client, "/api/v1/feedback", {"message_id": TOO_BIG, "helpful": True}, site)
    assert "64 bits" in assert_error(feedback, 400, "bad_request")["error"]["message"]
    assert_error(
        post(client, "/api/v1/feedback", {"message_id": BIGGEST, "helpful": True}, site), 404, "message_not_found"
    )
    assert_error(
        post(client, "/api/v1/feedback", {"message_id": -TOO_BIG - 1, "helpful": True}, site), 400, "bad_request"
    )
    assert_error(post(client, "/api/v1/gaps/1/merge", {"into": TOO_BIG}, editor), 400, "bad_request")
    assert_error(post(client, "/api/v1/gaps/1/move", {"message_id": 1, "to": TOO_BIG}, editor), 400, "bad_request")
    # Anywhere in a body, even in a field no route reads.
    assert_error(post(client, "/api/v1/handoff", {"message": "hi", "extra": [TOO_BIG]}, site), 400, "bad_request")
    # A path id beyond 64 bits matches no route: 404, like an id that does not exist.
    for path in (f"/api/v1/gaps/{TOO_BIG}", f"/api/v1/gaps/{10**30}", f"/api/v1/gaps/{'9' * 5000}"):
        assert_error(client.get(path, headers=editor), 404, "not_found")
    assert_error(post(client, f"/api/v1/gaps/{TOO_BIG}/merge", {"into": 1}, editor), 404, "not_found")
    assert_error(client.get(f"/api/v1/gaps/{BIGGEST}", headers=editor), 404, "gap_not_found")
    # Query strings: the gap list's offset.
    assert_error(client.get(f"/api/v1/gaps?offset={TOO_BIG}", headers=editor), 400, "bad_request")
    assert client.get(f"/api/v1/gaps?offset={BIGGEST}", headers=editor).get_json() == []


# -- bodies that cannot be read, text that only looks blank, digits that are not ASCII ---------------------------
class _BodyStream(io.RawIOBase):
    """What gunicorn hands the app as ``wsgi.input``: ``data``, then the end, or ``error`` raised on the first read."""

    def __init__(self, data: bytes = b"", error: Exception | None = None) -> None:
        self._data, self._error = data, error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._error is not None:
            raise self._error
        size = min(len(buffer), len(self._data))
        buffer[:size], self._data = self._data[:size], self._data[size:]
        return size


def post_stream(client: FlaskClient, path: str, stream: _BodyStream, headers: dict[str, str], **environ: str) -> Any:
    """A POST whose body is read from ``stream`` until it ends (gunicorn sets wsgi.input_terminated)."""
    overrides = {"wsgi.input": io.BufferedReader(stream), "wsgi.input_terminated": True, **environ}
    return client.post(path, content_type="application/json", headers=headers, environ_overrides=overrides)


@pytest.mark.parametrize(
    "error", [InvalidChunkSize(b"zz"), ChunkMissingTerminator(b"xx"), InvalidHeader("bad trailer"), NoMoreData()]
)
def test_a_body_gunicorn_cannot_read_is_a_400_not_a_500(
    service: Service, client: FlaskClient, error: Exception
) -> None:
    # Were 500s with a traceback on every POST route, with no sign-in needed (a probe of gunicorn, round 37).
    response = post_stream(client, "/api/v1/chat", _BodyStream(error=error), service.site())
    message = assert_error(response, 400, "bad_request")["error"]["message"]
    # werkzeug reads a stream that ends early (an OSError) as a disconnect, a 400 of its own.
    assert "could not be read" in message or isinstance(error, NoMoreData)
    assert ask(service, client)["answer"]  # the next request is served as usual


def test_a_body_cut_short_or_over_the_limit_unannounced_is_refused(service: Service, client: FlaskClient) -> None:
    # A client that stops sending after 21 of the 100 bytes it announced got an answer to what arrived; a chunked
    # body (no Content-Length) over 64 KiB was cut at the limit and read as "not a JSON object".
    question = json.dumps({"question": PUBLIC_QUESTION}).encode()
    short = post_stream(client, "/api/v1/chat", _BodyStream(question), service.site(), CONTENT_LENGTH="100")
    assert f"after {len(question)} of its 100 bytes" in assert_error(short, 400, "bad_request")["error"]["message"]
    huge = json.dumps({"question": "a" * 70_000}).encode()
    chunked = post_stream(client, "/api/v1/chat", _BodyStream(huge), service.site(), HTTP_TRANSFER_ENCODING="chunked")
    assert_error(chunked, 413, "body_too_large")
    whole = post_stream(client, "/api/v1/chat", _BodyStream(question), service.site(), HTTP_TRANSFER_ENCODING="chunked")
    assert whole.status_code == 200  # a chunked body under the limit is read whole


def test_text_of_invisible_characters_only_counts_as_blank(service: Service, client: FlaskClient) -> None:
    # Were 201/200: a hand-off of "\u200b" opened a conversation, an agent's final reply was invisible, and so was
    # an edit suggestion (a probe, round 37); a question of it was already refused.
    site, invisible = service.site(), "\u200b\u2060"
    assert (
        "email or a message"
        in assert_error(post(client, "/api/v1/handoff", {"message": invisible}, site), 400, "bad_request")["error"][
            "message"
        ]
    )
    suggestion = post(
        client, f"/api/v1/documents/{DOCUMENT}/suggestions", {"text": invisible}, bearer(service.employee)
    )
    assert_error(suggestion, 400, "bad_request")


def test_ids_in_paths_and_query_strings_are_ascii_digits(service: Service, client: FlaskClient) -> None:
    # "١٣" (Arabic-Indic) and "１３" (full width) were read as gap 13.
    editor = bearer(service.editor)
    assert client.get("/api/v1/gaps/1", headers=editor).status_code in (200, 404)
    for digits in ("\u0661\u0663", "\uff11\uff13"):
        assert_error(client.get(f"/api/v1/gaps/{digits}", headers=editor), 404, "not_found")
    assert int64("13") == 13
    with pytest.raises(ValueError):
        int64("\u0661\u0663")


# -- deep JSON ---------------------------------------------------------------------------------------------------
def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_nested_too_deep_is_400(service: Service, client: FlaskClient) -> None:
    site = service.site()
    for depth in (MAX_JSON_DEPTH, 5000, 100_000 // 2 - 100):
        body = f'{{"message": "hi", "extra": {nested(depth)}}}'
        response = client.post("/api/v1/handoff", data=body, content_type="application/json", headers=site)
        if len(body) > 64 * 1024:
            assert_error(response, 413, "body_too_large")
        else:
            assert "deeper than 32" in assert_error(response, 400, "bad_json")["error"]["message"]
    # Depth 32 in all (the object counts) passes the depth check, and brackets inside strings do not count: what
    # refuses this body is the next check, for fields the route does not take (bodies are closed).
    body = f'{{"message": "{"[" * 500}", "extra": {nested(MAX_JSON_DEPTH - 1)}}}'
    response = client.post("/api/v1/handoff", data=body, content_type="application/json", headers=site)
    assert "Unknown field 'extra'" in assert_error(response, 400, "bad_request")["error"]["message"]


def test_json_depth() -> None:
    assert json_depth("{}") == 1 and json_depth('{"a": [1, {"b": []}]}') == 4
    assert json_depth('{"a": "[[[[{{{{", "b": "\\"[[["}') == 1  # escaped quotes do not end a string
    assert json_depth("1") == 0 and json_depth(nested(5000)) == 5000


# -- one visitor's bad text does not fail others -----------------------------------------------------------------
GOOD_QUESTIONS = (
    PUBLIC_QUESTION,
    "How long do I have to ask for a refund?",
    "How much does the Plus plan cost?",
    "Does the mobile app work offline?",
    "How do I turn on two-factor authentication?",
    "如何重置密码？",
)
BAD_BODIES: tuple[object, ...] = (
    {"question": BAD_TEXT},
    {"question": "\udc80" * 50},
    {"question": "ok", "stream": True, "conversation_id": "\ud800"},
)
LOAD_SECONDS = 20  # the issue's 20 s
GOOD_CLIENTS = 8
BAD_CLIENTS = 2


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _post(url: str, body: object, headers: dict[str, str]) -> tuple[int, Any]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text[:200]


@pytest.fixture
def gunicorn_url(tmp_path: Path) -> Iterator[tuple[str, str]]:
    data_dir = tmp_path / "var"
    app = create_app(Settings(data_dir=data_dir), TESTING=True)
    upgrade_database(app)
    with app.app_context():
        build_pipeline(get_runtime(app), db.session()).sync_path(write_knowledge_base(tmp_path / "kb"))
        key = create_site("shop", ["https://shop.example"]).key
    port = _free_port()
    env = {**os.environ, "ANSWERDESK_DATA_DIR": str(data_dir), "ANSWERDESK_RATE_LIMIT": "off"}
    log_path = tmp_path / "gunicorn.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        "-c",
        "python:web.gunicorn_conf",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "web:create_app()",
    ]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, log_path.read_text(errors="replace")
                try:
                    with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text(errors="replace")
                time.sleep(0.3)
            yield base, key
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_clients_sending_bad_text_do_not_fail_the_others(gunicorn_url: tuple[str, str]) -> None:
    """The issue's done-when: 8 well-behaved clients and 2 sending bad text, all at once, for 20 s."""
    base, key = gunicorn_url
    stop = time.monotonic() + LOAD_SECONDS
    good: Counter[int] = Counter()
    bad: Counter[tuple[int, str]] = Counter()
    failures: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def well_behaved(number: int) -> None:
        headers = {"X-Site-Key": key, "X-Session-Id": f"good-client-{number:010d}"}
        turn = number
        while time.monotonic() < stop:
            status, body = _post(
                f"{base}/api/v1/chat", {"question": GOOD_QUESTIONS[turn % len(GOOD_QUESTIONS)]}, headers
            )
            turn += 1
            with lock:
                good[status] += 1
                if status != 200 or not body.get("answer"):
                    failures.append((status, body))

    def sending_bad_text(number: int) -> None:
        headers = {"X-Site-Key": key, "X-Session-Id": f"bad-client-{number:011d}"}
        turn = 0
        while time.monotonic() < stop:
            status, body = _post(f"{base}/api/v1/chat", BAD_BODIES[turn % len(BAD_BODIES)], headers)
            turn += 1
            with lock:
                bad[(status, body["error"]["code"] if isinstance(body, dict) and "error" in body else "?")] += 1

    threads = [threading.Thread(target=well_behaved, args=(n,)) for n in range(GOOD_CLIENTS)]
    threads += [threading.Thread(target=sending_bad_text, args=(n,)) for n in range(BAD_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 60)
    assert not any(thread.is_alive() for thread in threads)
    assert not failures, (good, failures[:5])
    assert good[200] >= GOOD_CLIENTS * 5  # they really were answered all along
    assert set(bad) == {(400, "bad_text")} and bad[(400, "bad_text")] >= BAD_CLIENTS * 5, bad
