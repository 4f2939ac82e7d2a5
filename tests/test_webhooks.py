"""Gap webhooks against a real loopback HTTP server: the Slack-compatible message, once per gap (also under
concurrent calls), retries with backoff, permanent failures, unreachable receivers, and no delay for the chat."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from chatbot.config import Settings
from ingest.factory import build_pipeline
from tests.chat_kb import write_knowledge_base
from tests.test_api import make_app
from tests.test_gaps_api import STUDENT_QUESTIONS
from web.access.accounts import create_site
from web.db.models import Gap, GapEvidence, db
from web.gaps.notifications import GapAlerts, gap_alerts, notify_if_due
from web.http.links import SERVE_URL_CONFIG, _warn_no_public_url, serve_url
from web.http.webhooks import RETRY_DELAYS_CONFIG, wait_for_deliveries
from web.services import get_runtime, get_settings

ALERT_COUNT = 3
# Slack's webhook URLs carry their secret in the path: it must never reach a log.
SECRET_PATH = "/services/T0000/B0000/s3cr3t-token"
FAST_DELAYS = (0.05, 0.1, 0.2)
PUBLIC_URL = "https://help.example.com"
SLACK_BLOCK_TYPES = {"section", "context", "actions", "divider", "header"}


# -- the receiver ------------------------------------------------------------------------------------------------
@dataclass
class Received:
    at: float
    path: str
    content_type: str
    body: dict[str, Any]


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    fail_first: int = 0  # answer this many requests with fail_status, then 200
    fail_status: int = 500
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
        self.fail_first, self.fail_status, self.delay = 0, 500, 0.0

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r.body for r in self.requests]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        receiver = self.server.receiver
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with receiver.lock:
            receiver.requests.append(
                Received(time.monotonic(), self.path, self.headers.get("Content-Type", ""), json.loads(raw))
            )
            number = len(receiver.requests)
        if receiver.delay:
            time.sleep(receiver.delay)
        status = receiver.fail_status if number <= receiver.fail_first else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}{SECRET_PATH}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(tmp_path: Path, receiver: Receiver) -> Settings:
    """Overrides conftest's: the app of these tests posts to the loopback receiver."""
    return Settings(data_dir=tmp_path / "var", rate_limit="off", gap_webhook_url=receiver.url, gap_alert_count=3)


@pytest.fixture(autouse=True)
def _clean(receiver: Receiver) -> Iterator[None]:
    receiver.reset()
    yield
    assert wait_for_deliveries(timeout=30), "a webhook delivery did not finish"


@pytest.fixture
def fast_app(app: Flask) -> Flask:
    app.config[RETRY_DELAYS_CONFIG] = FAST_DELAYS
    return app


def alerts(app: Flask) -> GapAlerts:
    """Built afresh for each call, as a route builds them per request: a test may change the settings in between."""
    return gap_alerts(app, get_settings(app))


def make_gap(count: int, title: str = "Do you offer a student discount?", status: str = "open") -> Gap:
    gap = Gap(title=title, status=status, audience="public", community="billing", count=count)
    db.session.add(gap)
    db.session.commit()
    return gap


def alerted_at(gap_id: int) -> Any:
    db.session.expire_all()
    return db.session.scalar(select(Gap.alerted_at).where(Gap.id == gap_id))


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{SECRET_PATH}"  # nothing listens there now


# -- the message -------------------------------------------------------------------------------------------------
def test_a_gap_at_the_alert_count_sends_one_slack_message(fast_app: Flask, receiver: Receiver) -> None:
    title = "Can jane.doe@example.com get a student discount? <!channel> & more"
    gap = make_gap(ALERT_COUNT, title=title)
    notify_if_due(gap, alerts(fast_app))
    assert wait_for_deliveries(timeout=10)
    (request,) = receiver.requests
    assert request.path == SECRET_PATH and request.content_type.startswith("application/json")
    body = request.body
    # Slack incoming webhook: a text fallback and blocks of known types.
    assert isinstance(body["text"], str) and body["text"]
    assert body["blocks"] and all(block["type"] in SLACK_BLOCK_TYPES for block in body["blocks"])
    section = body["blocks"][0]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    # The title is masked, and escaped where Slack would read it as a mention or a link.
    slack_fields = json.dumps({"text": body["text"], "blocks": body["blocks"]})
    assert "jane.doe@example.com" not in json.dumps(body) and "[email]" in body["text"]
    assert "<!channel>" not in slack_fields and "&lt;!channel&gt; &amp; more" in body["text"]
    assert f"{ALERT_COUNT} questions" in body["text"] and "billing" in slack_fields and "public" in slack_fields
    machine = body["answerdesk"]
    assert machine["event"] == "gap.threshold" and machine["gap_id"] == gap.id
    assert machine["count"] == ALERT_COUNT and machine["threshold"] == ALERT_COUNT
    assert machine["audience"] == "public" and machine["community"] == "billing" and machine["status"] == "open"
    assert machine["title"] == "Can [email] get a student discount? <!channel> & more"
    # Outside a request there is no host: a path, and no button (Slack refuses relative button URLs).
    assert machine["url"].startswith("/") and str(gap.id) in machine["url"]
    assert all(block["type"] != "actions" for block in body["blocks"])
    assert alerted_at(gap.id) is not None

    notify_if_due(gap, alerts(fast_app))  # a later question of the same gap
    assert wait_for_deliveries(timeout=10)
    assert len(receiver.requests) == 1


def test_below_the_count_closed_or_switched_off_sends_nothing(
    fast_app: Flask, receiver: Receiver, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = make_gap(ALERT_COUNT - 1)
    notify_if_due(small, alerts(fast_app))
    verified = make_gap(ALERT_COUNT + 2, status="verified")
    notify_if_due(verified, alerts(fast_app))
    monkeypatch.setitem(fast_app.config, "ANSWERDESK_SETTINGS", settings.replace(gap_webhook_url=None))
    off = make_gap(ALERT_COUNT + 2)
    notify_if_due(off, alerts(fast_app))
    assert wait_for_deliveries(timeout=10)
    assert receiver.requests == []
    assert alerted_at(small.id) is None and alerted_at(verified.id) is None and alerted_at(off.id) is None


# -- once per gap ------------------------------------------------------------------------------------------------
def test_concurrent_calls_alert_once(fast_app: Flask, receiver: Receiver) -> None:
    gap_id = make_gap(ALERT_COUNT).id
    callers = 8
    barrier = threading.Barrier(callers)
    errors: list[BaseException] = []

    def worker() -> None:
        # Each thread has its own app context, so its own session and database connection, like a worker.
        try:
            with fast_app.app_context():
                gap = db.session.get(Gap, gap_id)
                assert gap is not None
                barrier.wait(timeout=10)
                notify_if_due(gap, alerts(fast_app))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert wait_for_deliveries(timeout=10)
    assert [b["answerdesk"]["gap_id"] for b in receiver.bodies()] == [gap_id]


# -- retries -----------------------------------------------------------------------------------------------------
def test_server_errors_are_retried_with_backoff(
    fast_app: Flask, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="web.http.webhooks")
    receiver.fail_first = 2
    gap = make_gap(ALERT_COUNT)
    notify_if_due(gap, alerts(fast_app))
    assert wait_for_deliveries(timeout=10)
    times = [r.at for r in receiver.requests]
    assert len(times) == 3  # two 500s, then delivered
    assert times[1] - times[0] >= FAST_DELAYS[0] and times[2] - times[1] >= FAST_DELAYS[1]  # growing waits
    assert len({json.dumps(b, sort_keys=True) for b in receiver.bodies()}) == 1  # the same message each time
    # The retries' own warnings (the once-per-process "ANSWERDESK_PUBLIC_URL is not set" joins them when this test
    # runs first or alone).
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "web.http.webhooks"]
    assert len(warnings) == 2 and all(f"gap {gap.id}" in r.getMessage() for r in warnings)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert alerted_at(gap.id) is not None


def test_429_is_retried_other_4xx_is_not(fast_app: Flask, receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    receiver.fail_first, receiver.fail_status = 1, 429
    limited = make_gap(ALERT_COUNT)
    notify_if_due(limited, alerts(fast_app))
    assert wait_for_deliveries(timeout=10)
    assert len(receiver.requests) == 2 and alerted_at(limited.id) is not None

    receiver.reset()
    receiver.fail_first, receiver.fail_status = 100, 404  # e.g. a revoked Slack webhook
    revoked = make_gap(ALERT_COUNT, title="Where is your office?")
    notify_if_due(revoked, alerts(fast_app))
    assert wait_for_deliveries(timeout=10)
    assert len(receiver.requests) == 1  # retrying cannot help
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(f"gap {revoked.id}" in m and "404" in m for m in errors)
    assert alerted_at(revoked.id) is not None  # kept: new questions must not repeat a request known to fail


def test_giving_up_is_logged_and_the_next_question_tries_again(
    fast_app: Flask, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.fail_first = 100
    gap = make_gap(ALERT_COUNT)
    notify_if_due(gap, alerts(fast_app))
    assert wait_for_deliveries(timeout=10)
    assert len(receiver.requests) == 1 + len(FAST_DELAYS)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and f"gap {gap.id}" in errors[0] and "4 attempts" in errors[0]
    assert alerted_at(gap.id) is None  # released after a temporary failure

    receiver.reset()
    notify_if_due(gap, alerts(fast_app))
    assert wait_for_deliveries(timeout=10)
    assert [b["answerdesk"]["gap_id"] for b in receiver.bodies()] == [gap.id]
    assert alerted_at(gap.id) is not None


def test_an_unreachable_receiver_is_logged_and_never_raises(
    fast_app: Flask, settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(fast_app.config, "ANSWERDESK_SETTINGS", settings.replace(gap_webhook_url=closed_port_url()))
    gap = make_gap(ALERT_COUNT)
    notify_if_due(gap, alerts(fast_app))  # must not raise
    assert wait_for_deliveries(timeout=10)
    failures = [r for r in caplog.records if r.name == "web.http.webhooks"]
    assert [r.levelno for r in failures] == [logging.WARNING] * len(FAST_DELAYS) + [logging.ERROR]
    assert all(f"gap {gap.id}" in r.getMessage() for r in failures)
    assert "s3cr3t" not in caplog.text  # the URL is a credential


# -- never slows a chat ------------------------------------------------------------------------------------------
def test_notify_returns_at_once_while_the_receiver_is_slow(
    fast_app: Flask, receiver: Receiver, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(fast_app.config, "ANSWERDESK_SETTINGS", settings.replace(public_url=PUBLIC_URL))
    receiver.delay = 1.5
    gap = make_gap(ALERT_COUNT)
    # The question that completes the gap comes from a visitor, who chose the Host header.
    with fast_app.test_request_context("/api/v1/chat", method="POST", base_url="https://evil.example"):
        started = time.perf_counter()
        notify_if_due(gap, alerts(fast_app))
        elapsed = time.perf_counter() - started
    assert elapsed < 0.5, elapsed
    assert wait_for_deliveries(timeout=10)
    (body,) = receiver.bodies()
    # The link is absolute, on the configured public address (never the request's host), and Slack gets a button.
    url = body["answerdesk"]["url"]
    assert url == f"{PUBLIC_URL}/editor/gaps/{gap.id}"
    (actions,) = [b for b in body["blocks"] if b["type"] == "actions"]
    assert actions["elements"][0]["url"] == url and f"<{url}|" in body["text"]
    assert "evil.example" not in json.dumps(body)


# -- links never follow the Host header --------------------------------------------------------------------------
def test_without_a_public_url_a_forged_host_gets_a_path_and_one_warning(
    fast_app: Flask, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    _warn_no_public_url.cache_clear()  # once per process: this test wants to see it
    caplog.set_level(logging.WARNING, logger="web.http.links")
    gaps = [make_gap(ALERT_COUNT), make_gap(ALERT_COUNT, title="Where is your office?")]
    for gap in gaps:
        with fast_app.test_request_context("/api/v1/chat", method="POST", headers={"Host": "evil.example"}):
            notify_if_due(gap, alerts(fast_app))
    assert wait_for_deliveries(timeout=10)
    bodies = receiver.bodies()
    assert sorted(b["answerdesk"]["url"] for b in bodies) == sorted(f"/editor/gaps/{g.id}" for g in gaps)
    assert "evil.example" not in json.dumps(bodies)
    assert all(block["type"] != "actions" for body in bodies for block in body["blocks"])  # no relative button
    warnings = [r.getMessage() for r in caplog.records if r.name == "web.http.links"]
    assert len(warnings) == 1 and "ANSWERDESK_PUBLIC_URL" in warnings[0]


def test_answerdesk_serve_gives_its_own_address_as_the_fallback(fast_app: Flask, receiver: Receiver) -> None:
    fast_app.config[SERVE_URL_CONFIG] = serve_url("127.0.0.1", 5123)
    assert serve_url("0.0.0.0", 5123) is None and serve_url("::1", 80) == "http://[::1]:80"
    gap = make_gap(ALERT_COUNT)
    with fast_app.test_request_context("/api/v1/chat", method="POST", headers={"Host": "evil.example"}):
        notify_if_due(gap, alerts(fast_app))
    assert wait_for_deliveries(timeout=10)
    (body,) = receiver.bodies()
    assert body["answerdesk"]["url"] == f"http://127.0.0.1:5123/editor/gaps/{gap.id}"


# -- end to end: widget -> gap -> webhook --------------------------------------------------------------------------
@pytest.mark.slow
def test_widget_questions_raise_one_alert(tmp_path: Path, receiver: Receiver) -> None:
    app = make_app(tmp_path / "var", gap_webhook_url=receiver.url, gap_alert_count=ALERT_COUNT, public_url=PUBLIC_URL)
    app.config[RETRY_DELAYS_CONFIG] = FAST_DELAYS
    with app.app_context():
        build_pipeline(get_runtime(app), db.session()).sync_path(write_knowledge_base(tmp_path / "kb"))
        site_key = create_site("shop", ["https://shop.example"]).key
    client = app.test_client()
    questions = [*STUDENT_QUESTIONS, STUDENT_QUESTIONS[0]]  # one more than the alert count
    assert len(questions) > ALERT_COUNT
    message_ids = []
    for n, question in enumerate(questions):
        # Host: the visitors choose it; the alert's link must not follow it.
        headers = {"X-Site-Key": site_key, "X-Session-Id": f"visitor-{n:016d}", "Host": "evil.example"}
        response = client.post("/api/v1/chat", json={"question": question}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        message_ids.append(response.get_json()["message_id"])
    assert wait_for_deliveries(timeout=30)
    with app.app_context():
        gap_ids = set(db.session.scalars(select(GapEvidence.gap_id).where(GapEvidence.message_id.in_(message_ids))))
    assert len(gap_ids) == 1
    (body,) = receiver.bodies()
    assert body["answerdesk"]["gap_id"] == gap_ids.pop() and body["answerdesk"]["count"] == ALERT_COUNT
    assert body["answerdesk"]["title"] == STUDENT_QUESTIONS[0]
    assert body["answerdesk"]["url"] == f"{PUBLIC_URL}/editor/gaps/{body['answerdesk']['gap_id']}"
    assert "evil.example" not in json.dumps(body)


# -- hand-off requests: the agents are told (web/inbox/alerts.py) ---------------------------------------------------
@pytest.mark.slow
def test_a_hand_off_request_tells_the_agents_once(tmp_path: Path, receiver: Receiver) -> None:
    app = make_app(tmp_path / "var", handoff_webhook_url=receiver.url, public_url=PUBLIC_URL)
    app.config[RETRY_DELAYS_CONFIG] = FAST_DELAYS
    with app.app_context():
        build_pipeline(get_runtime(app), db.session()).sync_path(write_knowledge_base(tmp_path / "kb"))
        site_key = create_site("shop", ["https://shop.example"]).key
    client = app.test_client()
    headers = {"X-Site-Key": site_key, "X-Session-Id": "visitor-handoff-0001", "Host": "evil.example"}
    question = "my email is jo@example.com, why was my card <!channel> charged twice?"
    asked = client.post("/api/v1/chat", json={"question": question}, headers=headers).get_json()
    receiver.fail_first = 1  # the first try fails: retried, one message in the end
    request = {"conversation_id": asked["conversation_id"], "email": "jo@example.com", "message": "call me on 0791"}
    created = client.post("/api/v1/handoff", json=request, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert wait_for_deliveries(timeout=30)
    bodies = receiver.bodies()
    assert len(bodies) == 2 and bodies[0] == bodies[1]  # a failed try, then the same message delivered
    alert = bodies[-1]["answerdesk"]
    assert alert["event"] == "handoff.requested" and alert["asked_in"] == "chat" and alert["has_email"] is True
    assert alert["url"] == f"{PUBLIC_URL}/editor/inbox/{alert['handoff_id']}"
    assert "[email]" in alert["question"] and "why was my card" in alert["question"]
    text = json.dumps(bodies[-1])
    assert "jo@example.com" not in text and "evil.example" not in text  # no address, no visitor-chosen host
    slack_fields = json.dumps([bodies[-1]["text"], bodies[-1]["blocks"]])  # what Slack reads (not "answerdesk")
    assert "<!channel>" not in slack_fields and "&lt;!channel&gt;" in slack_fields  # a question pings nobody
    button = bodies[-1]["blocks"][-1]["elements"][0]
    assert button["url"] == alert["url"]


def test_no_hand_off_webhook_no_message(app: Flask, receiver: Receiver) -> None:
    # conftest's app with this module's settings: a gap webhook, no hand-off webhook.
    with app.app_context():
        site_key = create_site("shop", ["https://shop.example"]).key
    headers = {"X-Site-Key": site_key, "X-Session-Id": "visitor-handoff-0002"}
    created = app.test_client().post("/api/v1/handoff", json={"message": "please call me"}, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert wait_for_deliveries(timeout=10)
    assert receiver.bodies() == []
