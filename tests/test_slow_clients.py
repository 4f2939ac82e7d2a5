"""Slow clients against production gunicorn (web/gunicorn_conf.py, web/gunicorn_worker.py): a client that sends
its request a few bytes at a time holds a worker thread only until its deadline, so a dozen of them cannot stall the
service for everyone else (2 workers x 4 threads: before the deadline, 12 such connections made /healthz time out
after 40 s and kept it so for as long as they stayed open)."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from chatbot.config import Settings
from tests.served import Served, serve
from web import create_app
from web.access.accounts import create_site
from web.db.engine import upgrade_database

pytestmark = pytest.mark.slow

CLIENT_TIMEOUT_S = 2  # ANSWERDESK_CLIENT_TIMEOUT for this server: the tests wait a few of these, not 30 s
SLOW_CLIENTS = 12  # more than the 2 x 4 threads that read requests


@dataclass
class Server:
    served: Served
    site_key: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("slow-clients") / "var"
    app = create_app(Settings(data_dir=data_dir), TESTING=True)
    upgrade_database(app)  # as a deployment does before it starts gunicorn
    with app.app_context():
        key = create_site("shop", ["https://shop.example"]).key
    for served in serve(data_dir, {"ANSWERDESK_CLIENT_TIMEOUT": str(CLIENT_TIMEOUT_S)}, production=True):
        yield Server(served, key)


def _address(served: Served) -> tuple[str, int]:
    parts = urlsplit(served.url)
    return str(parts.hostname), int(parts.port or 80)


def _stalled(served: Served, first_bytes: bytes, count: int = SLOW_CLIENTS) -> list[socket.socket]:
    """``count`` connections that sent ``first_bytes`` of a request and then nothing more."""
    connections = []
    for _ in range(count):
        connection = socket.create_connection(_address(served), timeout=10)
        connection.sendall(first_bytes)
        connections.append(connection)
    return connections


def _get(served: Served, path: str, timeout: float) -> int:
    host, port = _address(served)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_clients_stalled_in_their_headers_do_not_stall_the_others(server: Server) -> None:
    stalled = _stalled(server.served, b"POST /api/v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl")
    started = time.monotonic()
    try:
        # Answered once the stalled connections reach their deadline; without one it never is while they stay open.
        assert _get(server.served, "/healthz", timeout=CLIENT_TIMEOUT_S * 6) == 200
        assert time.monotonic() - started < CLIENT_TIMEOUT_S * 6
        for connection in stalled:  # and the server let go of them: closed, not kept waiting
            assert connection.recv(1024) == b""
    finally:
        for connection in stalled:
            connection.close()


def test_a_body_that_never_finishes_is_a_bad_request_not_a_held_thread(server: Server) -> None:
    body = json.dumps({"question": "How do I request a refund?"}).encode()
    head = (
        b"POST /api/v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"X-Site-Key: %s\r\nX-Session-Id: slow-client-0000001\r\nContent-Length: %d\r\n\r\n"
        % (server.site_key.encode(), len(body))
    )
    stalled = _stalled(server.served, head + body[:5])
    try:
        assert _get(server.served, "/healthz", timeout=CLIENT_TIMEOUT_S * 6) == 200
        for connection in stalled:
            status_line = connection.recv(1024).split(b"\r\n", 1)[0]
            assert status_line in (b"", b"HTTP/1.1 400 BAD REQUEST"), status_line  # never an answer to half a body
    finally:
        for connection in stalled:
            connection.close()


def test_a_slow_client_leaves_a_quiet_log(server: Server) -> None:
    log = Path(server.served.data_dir / "serve.log").read_text(errors="replace")
    assert "Traceback" not in log and "Socket error" not in log, log[-3000:]
