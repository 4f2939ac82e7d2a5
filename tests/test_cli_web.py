"""The chat service's command line (sites, users, tokens, demo site) and a production run under gunicorn."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from chatbot.config import Settings
from ingest.factory import build_pipeline
from tests.chat_kb import PUBLIC_QUESTION, write_knowledge_base
from tests.conftest import REPO_ROOT
from web import create_app
from web.access.keys import hash_token
from web.cli import cli
from web.db.engine import upgrade_database
from web.db.models import ApiToken, AuditEntry, Site, User, db
from web.pages.demo import DEMO_SITE_NAME, demo_origins, ensure_demo_site
from web.services import get_runtime


@pytest.fixture
def web_app(tmp_path: Path) -> Flask:
    app = create_app(Settings(data_dir=tmp_path / "var", rate_limit="off"), TESTING=True)
    upgrade_database(app)
    return app


@pytest.fixture
def cli_runner(web_app: Flask) -> FlaskCliRunner:
    return web_app.test_cli_runner()


def run(runner: FlaskCliRunner, *args: str, input: str | None = None) -> Any:
    # The real `answerdesk` group, pointed at the test app by the runner's ScriptInfo.
    return runner.invoke(cli, list(args), input=input)


def test_the_commands_are_registered(cli_runner: FlaskCliRunner) -> None:
    output = run(cli_runner, "--help").output
    for command in ("serve", "sites", "users", "tokens", "gaps"):
        assert command in output
    assert "--port" in run(cli_runner, "serve", "--help").output


def test_sites_create_prints_a_key_and_json(web_app: Flask, cli_runner: FlaskCliRunner) -> None:
    result = run(
        cli_runner, "sites", "create", "shop", "--origin", "https://Shop.example/", "--origin", "http://localhost:8080",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["name"] == "shop" and created["key"].startswith("site_")
    assert created["origins"] == ["https://shop.example", "http://localhost:8080"]
    with web_app.app_context():
        site = db.session.scalars(select(Site)).one()
        assert (site.key, site.origins) == (created["key"], created["origins"])
    assert run(cli_runner, "sites", "list").stderr == "1 site\n"  # the count on stderr, in proper English

    plain = run(cli_runner, "sites", "create", "blog", "--origin", "https://blog.example")
    assert plain.exit_code == 0 and plain.output.strip().startswith("site_")
    listed = json.loads(run(cli_runner, "sites", "list", "--json").output)
    assert [s["name"] for s in listed] == ["blog", "shop"]
    assert run(cli_runner, "sites", "list").stderr == "2 sites\n"

    duplicate = run(cli_runner, "sites", "create", "shop", "--origin", "https://shop.example")
    assert duplicate.exit_code != 0 and "exists already" in duplicate.output
    bad_origin = run(cli_runner, "sites", "create", "x", "--origin", "https://shop.example/path")
    assert bad_origin.exit_code == 2
    assert run(cli_runner, "sites", "create", "y").exit_code == 2  # --origin is required


def test_users_and_tokens(web_app: Flask, cli_runner: FlaskCliRunner) -> None:
    created = run(cli_runner, "users", "create", "ann@example.com", "--role", "editor", input="s3cret-password\n")
    assert created.exit_code == 0, created.output
    with web_app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.role == "editor"
        assert "s3cret-password" not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))

    assert run(cli_runner, "users", "create", "ann@example.com", input="another-password\n").exit_code != 0
    assert run(cli_runner, "users", "create", "bob@example.com", input="short\n").exit_code != 0
    assert run(cli_runner, "users", "create", "not-an-email", input="long-enough-pw\n").exit_code == 2
    assert run(cli_runner, "users", "create", "c@example.com", "--role", "boss", input="long-enough\n").exit_code == 2

    result = run(cli_runner, "tokens", "create", "ann@example.com", "--json")
    assert result.exit_code == 0, result.output
    issued = json.loads(result.output)
    assert issued["email"] == "ann@example.com" and issued["token"].startswith("adt_")
    with web_app.app_context():
        stored = db.session.scalars(select(ApiToken)).one()
        assert stored.token_hash == hash_token(issued["token"]) and issued["token"] not in stored.token_hash
    assert run(cli_runner, "tokens", "create", "nobody@example.com").exit_code != 0

    # The token works against the API (an empty knowledge base answers honestly that it cannot answer).
    client = web_app.test_client()
    auth = {"Authorization": f"Bearer {issued['token']}"}
    response = client.post("/api/v1/chat", json={"question": "How do I export my data?"}, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["reason"] == "empty_index"
    assert client.get("/api/v1/handoffs", headers=auth).status_code == 200
    with web_app.app_context():
        assert db.session.scalars(select(ApiToken)).one().last_used_at is not None

    # Someone leaving: their tokens stop working at once, and the revocation is in the audit log.
    revoked = run(cli_runner, "tokens", "revoke", "ann@example.com")
    assert revoked.exit_code == 0 and "revoked 1 token of" in revoked.output, revoked.output
    assert client.get("/api/v1/handoffs", headers=auth).status_code == 401
    with web_app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "token.revoke")).one()
        assert entry.target == "user:ann@example.com" and entry.detail == {"revoked": 1} and entry.via == "cli"


def test_users_communities_and_roles(web_app: Flask, cli_runner: FlaskCliRunner) -> None:
    created = run(
        cli_runner, "users", "create", "lee@example.com", "--role", "editor", "--community", "billing",
        "--community", " mobile ", "--community", "billing", input="s3cret-password\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "billing, mobile" in created.output

    def listed() -> dict[str, dict[str, object]]:
        return {u["email"]: u for u in json.loads(run(cli_runner, "users", "list", "--json").output)}

    assert listed()["lee@example.com"] == {
        "email": "lee@example.com",
        "role": "editor",
        "communities": ["billing", "mobile"],
    }
    assert run(cli_runner, "users", "update", "lee@example.com", "--community", "security").exit_code == 0
    assert listed()["lee@example.com"]["communities"] == ["security"]
    assert run(cli_runner, "users", "update", "lee@example.com", "--role", "viewer").exit_code == 0
    assert listed()["lee@example.com"] == {"email": "lee@example.com", "role": "viewer", "communities": ["security"]}
    assert run(cli_runner, "users", "update", "lee@example.com", "--all-communities").exit_code == 0
    assert listed()["lee@example.com"]["communities"] == []
    both = run(cli_runner, "users", "update", "lee@example.com", "--community", "x", "--all-communities")
    assert both.exit_code == 2
    assert run(cli_runner, "users", "update", "nobody@example.com", "--role", "admin").exit_code == 1


def test_the_demo_site_is_created_once_and_follows_the_port(web_app: Flask) -> None:
    origins = demo_origins("127.0.0.1", 5000)
    assert origins == ["http://127.0.0.1:5000", "http://localhost:5000"]
    key = ensure_demo_site(web_app, origins)
    assert web_app.config["ANSWERDESK_DEMO_SITE_KEY"] == key
    assert ensure_demo_site(web_app, origins) == key  # stable across restarts
    assert ensure_demo_site(web_app, demo_origins("0.0.0.0", 8080)) == key
    with web_app.app_context():
        site = db.session.scalars(select(Site).where(Site.name == DEMO_SITE_NAME)).one()
        assert site.origins == ["http://127.0.0.1:8080", "http://localhost:8080"]


def test_serve_on_an_address_it_cannot_listen_on_fails_before_changing_anything(
    web_app: Flask, cli_runner: FlaskCliRunner
) -> None:
    """Was: "answerdesk is serving on http://not a host:5099/", then a socket error, with that address already saved
    as an allowed origin of the demo site."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for host in ("not a host", "127.0.0.1"):  # no such host; a port in use
            result = run(cli_runner, "serve", "--host", host, "--port", str(port))
            assert result.exit_code == 1, result.output
            assert f"cannot listen on {host}:{port}" in result.output and "serving on" not in result.output
    with web_app.app_context():
        assert db.session.scalars(select(Site).where(Site.name == DEMO_SITE_NAME)).first() is None


# -- production: gunicorn with several workers -------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _http(url: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_gunicorn_serves_chat_with_several_workers(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    app = create_app(Settings(data_dir=data_dir), TESTING=True)
    upgrade_database(app)
    with app.app_context():
        build_pipeline(get_runtime(app), db.session()).sync_path(write_knowledge_base(tmp_path / "kb"))
        key = run(app.test_cli_runner(), "sites", "create", "shop", "--origin", "https://shop.example").output.strip()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ANSWERDESK_DATA_DIR": str(data_dir)}
    log_path = tmp_path / "gunicorn.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "web:create_app()"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                assert server.poll() is None, log_path.read_text(errors="replace")
                try:
                    if _http(f"{base}/healthz") == (200, {"status": "ok"}):
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text(errors="replace")
                time.sleep(0.5)

            headers = {"X-Site-Key": key, "X-Session-Id": "gunicorn-test-session-1"}
            status, body = _http(f"{base}/api/v1/chat", {"question": PUBLIC_QUESTION}, headers)
            assert status == 200, body
            assert "Forgot password" in body["answer"] and body["citations"][0]["id"] == "account/password.md"
            status, conversation = _http(f"{base}/api/v1/conversations/{body['conversation_id']}", headers=headers)
            assert status == 200 and conversation["messages"][0]["id"] == body["message_id"]
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
