"""Security headers on every page and every JSON answer (real app, real SQLite), the markup the page policy
allows, and a server banner without versions from a real `answerdesk serve`. The pages under that policy in a
real browser: tests/test_security_headers_browser.py."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.served import Served, serve
from tests.sessions import log_in
from tests.test_api import make_app
from web.access.accounts import create_user
from web.db.models import Conversation, Document, DocumentVersion, Gap, Handoff, Message, db
from web.pages.demo import demo_origins, ensure_demo_site

DOC_ID = "billing/refunds.md"
# Values for the path arguments of page routes: real rows where one exists, so that the page itself renders.
SAMPLE_ARGUMENTS = {"doc_id": DOC_ID, "kind": "feedback", "filename": "editor.css", "fmt": "csv"}
PAGE_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


@dataclass
class Pages:
    app: Flask
    gap_id: int
    admin_id: int
    handoff_id: int

    def admin(self) -> FlaskClient:
        client = self.app.test_client()
        log_in(client, self.admin_id)
        return client


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Pages:
    app = make_app(tmp_path_factory.mktemp("headers") / "var")
    ensure_demo_site(app, demo_origins("127.0.0.1", 5000))  # the demo page shows the widget only with a key
    with app.app_context():
        admin = create_user("boss@example.com", "correct horse", "admin")
        document = Document(id=DOC_ID, source_root="kb", title="Refunds", audience="public", content_hash="x")
        document.current_version = 1
        db.session.add(document)
        db.session.add(DocumentVersion(document_id=DOC_ID, version=1, content_hash="x", title="Refunds", text="# Hi"))
        gap = Gap(title="Student discount?", status="open", audience="public", community="billing", count=2)
        db.session.add(gap)
        # A hand-off whose inbox page shows a whole conversation: a question, an answer with a citation, a request.
        conversation = Conversation(id="c" * 32, audience="public")
        conversation.messages.append(
            Message(
                question="Refund?",
                answer="Open Billing [1]",
                audience="public",
                citations=[{"n": 1, "id": DOC_ID, "title": "Refunds", "url": "https://example.com/refunds"}],
                confidence=0.9,
            )
        )
        handoff = Handoff(conversation=conversation, email="ann@example.com", message="Call me", status="open")
        db.session.add_all([conversation, handoff])
        db.session.commit()
        return Pages(app, gap.id, admin.id, handoff.id)


def page_urls(pages: Pages) -> list[str]:
    """Every GET route outside the API, with sample arguments: the app's HTML pages (and its other files)."""
    urls = []
    for rule in pages.app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.rule.startswith("/api/") or rule.rule == "/readyz":
            continue  # JSON (below); /readyz would load the model for nothing
        ids = {"handoff_id": pages.handoff_id}
        values = {name: SAMPLE_ARGUMENTS.get(name, ids.get(name, pages.gap_id)) for name in rule.arguments}
        with pages.app.test_request_context():
            urls.append(pages.app.url_for(rule.endpoint, **values))
    return urls


def directives(policy: str) -> dict[str, str]:
    parts = (p.strip().split(None, 1) for p in policy.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def assert_page_headers(response: TestResponse, url: str) -> None:
    headers = response.headers
    policy = directives(headers.get("Content-Security-Policy", ""))
    assert {k: policy.get(k) for k in PAGE_DIRECTIVES} == PAGE_DIRECTIVES, url
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"] and "'unsafe-eval'" not in policy.values()
    assert headers.get("X-Frame-Options") == "DENY", url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") == "same-origin", url


def assert_markup_fits_the_policy(response: TestResponse, url: str) -> None:
    """What the policy would block must not be in the page: inline scripts and handlers, style attributes, and
    <style> blocks without this response's nonce."""
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert " src=" in tag, f"{url}: inline script {tag}"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), f"{url}: inline event handler"
    assert not re.search(r"<[^>]+\sstyle\s*=", html), f"{url}: style attribute"
    for tag in re.findall(r"<style\b[^>]*>", html):
        assert nonce and f'nonce="{nonce.group(1)}"' in tag, f"{url}: <style> without the response's nonce"


def test_every_page_has_the_headers_and_markup_of_its_policy(pages: Pages) -> None:
    admin = pages.admin()
    anonymous = pages.app.test_client()
    rendered = set()
    for url in page_urls(pages):
        response = admin.get(url)
        if response.mimetype != "text/html":
            # widget.js, static files, CSV exports, health checks: nothing to frame or run as a document.
            # A streamed export keeps its request (and app) context until it is read and closed.
            response.get_data()
            response.close()
            assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'", url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            continue
        assert_page_headers(response, url)
        if response.status_code == 302:  # e.g. an article that is not edited here: sent to its page
            continue
        assert response.status_code == 200, url
        assert_markup_fits_the_policy(response, url)
        rendered.add(url)
    expected = {"/", "/help", "/editor/", "/editor/articles/", "/editor/analytics", "/editor/contributors/"}
    expected |= {"/editor/admin/", f"/editor/gaps/{pages.gap_id}", f"/editor/articles/{DOC_ID}"}
    assert expected <= rendered
    login = anonymous.get("/login")  # an admin is sent on from the login page; a visitor sees it
    assert login.status_code == 200
    assert_page_headers(login, "/login")
    assert_markup_fits_the_policy(login, "/login")


def test_error_pages_and_json_answers_have_headers_too(pages: Pages) -> None:
    client = pages.app.test_client()
    missing = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert_page_headers(missing, "/no-such-page")
    assert_markup_fits_the_policy(missing, "/no-such-page")
    for url in ("/api/v1/openapi.json", "/api/v1/gaps", "/healthz"):
        response = client.get(url)
        assert response.mimetype == "application/json", url
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "X-Frame-Options" not in response.headers


def test_each_page_gets_its_own_nonce(pages: Pages) -> None:
    client = pages.app.test_client()
    first, second = (client.get("/login").headers["Content-Security-Policy"] for _ in range(2))
    assert "'nonce-" in first and first != second


# -- the server banner -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from serve(tmp_path_factory.mktemp("served") / "var")


@pytest.mark.slow
def test_answerdesk_serve_names_no_versions(served: Served) -> None:
    for path in ("/", "/healthz", "/widget.js", "/no-such-page"):
        request = urllib.request.Request(served.url + path, headers={"Accept": "text/html"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                server, policy = response.headers["Server"], response.headers["Content-Security-Policy"]
        except urllib.error.HTTPError as error:
            server, policy = error.headers["Server"], error.headers["Content-Security-Policy"]
        assert server == "answerdesk", path
        assert policy, path
