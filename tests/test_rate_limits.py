"""Rate limits protect visitors from each other: the limit that bites is per visitor (site, session id, client
address) or per employee; per address and per site there are only ceilings well above it. 429 with Retry-After.
Counters shared by every worker through Redis (skipped with a reason when redis-server is not installed).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.test_api import SHOP_ORIGIN, assert_error, make_app
from web.access.accounts import create_api_token, create_site, create_user

pytestmark = pytest.mark.slow

QUESTION = "How do I request a refund?"  # on an empty knowledge base: a quick "I don't know", a stored turn


class Widget:
    """One browser with the widget: its site key, its session id and its address."""

    def __init__(self, client: FlaskClient, key: str, session: str, address: str, **headers: str) -> None:
        self.client, self.address = client, address
        self.headers = {"X-Site-Key": key, "X-Session-Id": session, "Origin": SHOP_ORIGIN, **headers}

    def chat(self, question: str = QUESTION) -> Any:
        return self.client.post(
            "/api/v1/chat",
            json={"question": question},
            headers=self.headers,
            environ_base={"REMOTE_ADDR": self.address},
        )


def session(n: int) -> str:
    return f"visitor-session-{n:08d}"


def limited_app(tmp_path: Path, **changes: Any) -> tuple[Flask, str]:
    app = make_app(tmp_path / "var", **changes)
    with app.app_context():
        key = create_site("limited", [SHOP_ORIGIN]).key
    return app, key


def test_one_visitor_at_the_limit_does_not_rate_limit_the_others(tmp_path: Path) -> None:
    """The issue: 31 chats from one visitor gave every other visitor of the site 429 for a minute."""
    app, key = limited_app(tmp_path, rate_limit="30/minute")  # the default
    client = app.test_client()
    busy = Widget(client, key, session(1), "10.0.0.1")
    assert {busy.chat().status_code for _ in range(30)} == {200}
    limited = busy.chat()
    assert_error(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN  # the widget can read it
    assert_error(busy.chat(), 429, "rate_limited")

    neighbour = Widget(client, key, session(2), "10.0.0.1")  # another visitor behind the same address (an office)
    elsewhere = Widget(client, key, session(3), "10.0.0.2")
    for visitor in (neighbour, elsewhere):
        response = visitor.chat()
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["answer"]


def test_forwarded_for_is_the_address_only_behind_a_configured_proxy(tmp_path: Path) -> None:
    # Without ANSWERDESK_PROXY_HOPS a made-up X-Forwarded-For changes nothing: still the same visitor.
    app, key = limited_app(tmp_path / "direct", rate_limit="2/minute")
    client = app.test_client()
    statuses = [
        Widget(client, key, session(1), "10.0.0.1", **{"X-Forwarded-For": f"203.0.113.{n}"}).chat().status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]

    # Behind one trusted proxy, the visitors are told apart by the address the proxy saw.
    app, key = limited_app(tmp_path / "proxied", rate_limit="2/minute", proxy_hops=1)
    client = app.test_client()

    def via_proxy(visitor_address: str) -> Widget:
        return Widget(client, key, session(1), "127.0.0.1", **{"X-Forwarded-For": visitor_address})

    assert [via_proxy("203.0.113.1").chat().status_code for _ in range(3)] == [200, 200, 429]
    assert via_proxy("203.0.113.2").chat().status_code == 200


def test_one_address_making_up_session_ids_meets_the_address_ceiling(tmp_path: Path) -> None:
    app, key = limited_app(tmp_path, rate_limit="2/minute", address_rate_limit="5/minute")
    client = app.test_client()
    # A script that is a new visitor on every request: the per-visitor limit never bites, the address one does.
    statuses = [Widget(client, key, session(n), "10.0.0.1").chat().status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]
    assert Widget(client, key, session(99), "10.0.0.2").chat().status_code == 200


def test_the_site_ceiling_counts_all_visitors_of_one_site_and_no_employee(tmp_path: Path) -> None:
    app, key = limited_app(tmp_path, rate_limit="2/minute", site_rate_limit="4/minute")
    with app.app_context():
        other_key = create_site("other", [SHOP_ORIGIN]).key
        token = create_api_token(create_user("employee@example.com", "correct horse", "employee"))
    client = app.test_client()
    statuses = [Widget(client, key, session(n), f"10.0.1.{n}").chat().status_code for n in range(5)]
    assert statuses == [200] * 4 + [429]
    assert Widget(client, other_key, session(1), "10.0.1.1").chat().status_code == 200  # another site
    employee = client.post("/api/v1/chat", json={"question": QUESTION}, headers={"Authorization": f"Bearer {token}"})
    assert employee.status_code == 200


def test_an_employee_is_counted_per_account_wherever_they_call_from(tmp_path: Path) -> None:
    app, _ = limited_app(tmp_path, rate_limit="2/minute")
    with app.app_context():
        ann = create_api_token(create_user("ann@example.com", "correct horse", "employee"))
        bob = create_api_token(create_user("bob@example.com", "correct horse", "employee"))
    client = app.test_client()

    def ask(token: str, address: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        response = client.post(
            "/api/v1/chat", json={"question": QUESTION}, headers=headers, environ_base={"REMOTE_ADDR": address}
        )
        return response.status_code

    assert [ask(ann, "10.0.0.1"), ask(ann, "10.0.0.2"), ask(ann, "10.0.0.3")] == [200, 200, 429]
    assert ask(bob, "10.0.0.1") == 200  # same office address, another employee


def test_rate_limit_off_disables_every_limit(tmp_path: Path) -> None:
    app, key = limited_app(tmp_path, rate_limit="off", address_rate_limit="1/minute", site_rate_limit="1/minute")
    client = app.test_client()
    headers = {"X-Site-Key": key, "X-Session-Id": session(1)}
    assert {client.post("/api/v1/handoff", json={}, headers=headers).status_code for _ in range(40)} == {400}


# -- shared counters ----------------------------------------------------------------------------------------------
@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("needs redis-server (Debian package redis-server) for counters shared by workers")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_workers_share_the_counters_in_redis(tmp_path: Path, redis_url: str) -> None:
    """Two apps, as two gunicorn workers: with Redis one visitor gets the limit once, not once per worker."""
    first, key = limited_app(tmp_path, rate_limit="3/minute", rate_limit_storage=redis_url)
    second = make_app(tmp_path / "var", rate_limit="3/minute", rate_limit_storage=redis_url)  # same data dir

    def visitor(app: Flask) -> Widget:
        return Widget(app.test_client(), key, session(1), "10.0.0.1")

    assert [visitor(first).chat().status_code for _ in range(2)] == [200, 200]
    assert visitor(second).chat().status_code == 200
    assert_error(visitor(second).chat(), 429, "rate_limited")
    assert_error(visitor(first).chat(), 429, "rate_limited")
    assert Widget(second.test_client(), key, session(2), "10.0.0.1").chat().status_code == 200
