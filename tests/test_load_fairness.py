"""Fairness under load (marker ``load``; ``pytest -m load`` runs only this): 32 keep-alive clients asking the sample
help centre at once through real gunicorn (web/gunicorn_conf.py, 2 workers, the real model) for 30 s. Every client
must get its turn: the slowest completes at least half as many requests as the median client, and none fails.

Before web/gunicorn_conf.py let a worker accept only as many connections as it has threads and close each one after
its response, 16 clients held their kept-alive connections while the other 16 waited in the listen queue.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from gunicorn.config import Config  # type: ignore[import-untyped]

from chatbot.config import Settings
from evals.bench.load import QUESTIONS, SAMPLE_KB, free_port
from ingest.factory import build_pipeline
from tests.conftest import REPO_ROOT
from web import create_app, gunicorn_conf
from web.access.accounts import create_site
from web.db.engine import upgrade_database
from web.db.models import db
from web.services import get_runtime

CLIENTS = 32
LOAD_SECONDS = 30.0
# Longer than any fair wait (32 clients share about 50-100 answers a second), shorter than the run: a client left
# in the listen queue for this long is a failure, not a slow client.
CLIENT_TIMEOUT_S = 20.0


@dataclass
class Tally:
    done: list[int] = field(default_factory=lambda: [0] * CLIENTS)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """gunicorn exactly as in production (its config file, 2 workers), rate limits off as in the load benchmark."""
    base = tmp_path_factory.mktemp("fairness")
    data_dir = base / "var"
    app = create_app(Settings(data_dir=data_dir, rate_limit="off"), TESTING=True)
    upgrade_database(app)
    with app.app_context():
        report = build_pipeline(get_runtime(app), db.session()).sync_path(SAMPLE_KB)
        assert not report.failed
        key = create_site("fairness", ["http://127.0.0.1"]).key
    port = free_port()
    env = {
        **os.environ,
        "ANSWERDESK_DATA_DIR": str(data_dir),
        "ANSWERDESK_RATE_LIMIT": "off",
        "ANSWERDESK_LOG_LEVEL": "warning",
    }
    env.pop("GUNICORN_CMD_ARGS", None)
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
    log_path = base / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(port, process, log_path)
            yield port, key
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(port: int, process: subprocess.Popen[bytes], log_path: Path, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, log_path.read_text(errors="replace")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail("gunicorn did not become ready:\n" + log_path.read_text(errors="replace"))


def _client(port: int, key: str, number: int, deadline: float, tally: Tally) -> None:
    """One visitor with one keep-alive connection (http.client reopens it when the server closes it)."""
    headers = {"Content-Type": "application/json", "X-Site-Key": key, "X-Session-Id": f"fair-client-{number:08d}"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT_S)
    turn = number
    while time.monotonic() < deadline:
        body = json.dumps({"question": QUESTIONS[turn % len(QUESTIONS)]})
        turn += 1
        try:
            connection.request("POST", "/api/v1/chat", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            with tally.lock:
                tally.errors[type(exc).__name__] += 1
            connection.close()
            continue
        with tally.lock:
            if response.status == 200 and json.loads(payload).get("answer"):
                tally.done[number] += 1
            else:
                tally.errors[f"HTTP {response.status}"] += 1
    connection.close()


@pytest.mark.slow
@pytest.mark.load
def test_32_keep_alive_clients_are_served_fairly(server: tuple[int, str]) -> None:
    port, key = server
    tally = Tally()
    deadline = time.monotonic() + LOAD_SECONDS
    threads = [threading.Thread(target=_client, args=(port, key, n, deadline, tally)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + CLIENT_TIMEOUT_S + 10)

    done = sorted(tally.done)
    median = statistics.median(done)
    figures = (
        f"requests per client: min {done[0]}, median {median}, max {done[-1]}, total {sum(done)} "
        f"({sum(done) / LOAD_SECONDS:.1f}/s); errors {dict(tally.errors)}; all: {done}"
    )
    print(figures)
    assert not tally.errors, figures
    assert median > 0 and done[0] >= 0.5 * median, figures


def test_worker_connections_follow_threads_given_on_the_command_line() -> None:
    """The config file is read before the command line: --threads 8 alone must still mean 8 connections."""

    @dataclass
    class Arbiter:
        cfg: Config

    def configured(**command_line: int) -> Config:
        cfg = Config()
        for name in ("worker_class", "threads", "worker_connections", "keepalive"):
            cfg.set(name, getattr(gunicorn_conf, name))
        for name, value in command_line.items():
            cfg.set(name, value)
        gunicorn_conf.on_starting(Arbiter(cfg))
        return cfg

    assert (configured().worker_connections, configured().keepalive) == (gunicorn_conf.threads, 0)
    assert configured(threads=8).worker_connections == 8
    assert configured(threads=8, worker_connections=50).worker_connections == 50  # chosen on purpose: kept
