"""A real `answerdesk serve` in a subprocess on a free port, for tests about what the server itself sends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

START_TIMEOUT_S = 240  # a fresh data dir exports the ONNX model first; two cores are shared with other tests


@dataclass
class Served:
    url: str
    data_dir: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answerdesk(*args: str) -> list[str]:
    return [sys.executable, "-c", "from web.cli import main; main()", *args]


def gunicorn(port: int, workers: int = 2) -> list[str]:
    """Production: gunicorn with its config file (web/gunicorn_conf.py), as docs/web-service.md says to run it."""
    executable = Path(sys.executable).parent / "gunicorn"
    config = ["-c", "python:web.gunicorn_conf", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    return [str(executable), *config, "web:create_app()"]


def serve(data_dir: Path, environ: Mapping[str, str] | None = None, *, production: bool = False) -> Iterator[Served]:
    """Start `answerdesk serve` (or, ``production``, gunicorn) on ``data_dir`` and yield it once /healthz answers;
    stop it afterwards (use with ``yield from`` in a fixture)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "ANSWERDESK_DATA_DIR": str(data_dir),
        "ANSWERDESK_RATE_LIMIT": "off",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        **(environ or {}),
    }
    port = free_port()
    log_path = data_dir / "serve.log"
    with log_path.open("wb") as log:
        command = gunicorn(port) if production else answerdesk("serve", "--port", str(port))
        process = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"{command[0]} exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{command[0]} did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield Served(url, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
