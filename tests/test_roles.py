"""Every route of the app, checked for every kind of caller: routes x roles.

The table below is the access policy in one place. A route missing from it fails the completeness test, so a new
route cannot ship without a decision about who may call it. Each cell is a real request to the real app (real
SQLite): "denied" means 401/403, or a redirect to the login page; anything else (200, a redirect elsewhere, a 400
for the empty body, a 404 for the made-up id) means the role check let the caller through. CSRF is off here: this
test is about roles (CSRF has tests of its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.sessions import log_in
from tests.test_api import make_app
from web.access.accounts import create_api_token, create_site, create_user

IDENTITIES = ("anonymous", "site_key", "employee", "agent", "viewer", "editor", "admin")
EMPLOYEES = frozenset({"employee", "agent", "viewer", "editor", "admin"})
READERS = frozenset({"viewer", "editor", "admin"})
WRITERS = frozenset({"editor", "admin"})
# The hand-off inbox: agents answer (and editors and admins may); viewers read it like the rest of the editor area.
INBOX_READERS = frozenset({"agent", "viewer", "editor", "admin"})
INBOX_WORKERS = frozenset({"agent", "editor", "admin"})
ADMINS = frozenset({"admin"})
EVERYONE = frozenset(IDENTITIES)
CHAT_CALLERS = EMPLOYEES | {"site_key"}

# (method, URL) -> who gets through. URLs use made-up ids: the role check runs before any lookup.
POLICY: dict[tuple[str, str], frozenset[str]] = {
    # public: the widget, its demo page, health checks, the login page, the API description
    ("GET", "/"): EVERYONE,
    ("GET", "/widget.js"): EVERYONE,
    ("GET", "/static/editor.css"): EVERYONE,
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/readyz"): EVERYONE,
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    # chat: a widget (site key) or an employee
    ("POST", "/api/v1/chat"): CHAT_CALLERS,
    ("POST", "/api/v1/feedback"): CHAT_CALLERS,
    ("POST", "/api/v1/handoff"): CHAT_CALLERS,
    ("GET", "/api/v1/conversations"): CHAT_CALLERS,
    ("GET", "/api/v1/conversations/c0ffee"): CHAT_CALLERS,
    # employees (members): the help page, suggesting an edit
    ("GET", "/help"): EMPLOYEES,
    ("POST", "/api/v1/documents/billing/refunds.md/suggestions"): EMPLOYEES,
    # viewers (sponsors) and up: reading the editor area and analytics
    ("GET", "/api/v1/documents/billing/refunds.md/suggestions"): READERS,
    ("GET", "/api/v1/gaps"): READERS,
    ("GET", "/api/v1/gaps/999"): READERS,
    ("GET", "/api/v1/analytics"): READERS,
    ("GET", "/api/v1/contributors"): READERS,
    ("GET", "/editor/"): READERS,
    ("GET", "/editor/gaps/999"): READERS,
    ("GET", "/editor/analytics"): READERS,
    ("GET", "/editor/exports/feedback.csv"): READERS,
    ("GET", "/editor/exports/gaps.csv"): READERS,
    ("GET", "/editor/exports/conversations.csv"): READERS,
    ("GET", "/editor/contributors/"): READERS,
    ("GET", "/editor/articles/"): READERS,
    ("GET", "/editor/articles/billing/refunds.md"): READERS,
    ("GET", "/editor/articles/billing/refunds.md/diff"): READERS,
    ("POST", "/editor/articles/preview"): READERS,
    # agents, editors and admins: the hand-off inbox (viewers read it)
    ("GET", "/api/v1/handoffs"): INBOX_READERS,
    ("GET", "/editor/inbox/"): INBOX_READERS,
    ("GET", "/editor/inbox/999"): INBOX_READERS,
    ("POST", "/api/v1/handoffs/999/reply"): INBOX_WORKERS,
    ("POST", "/api/v1/handoffs/999/close"): INBOX_WORKERS,
    ("POST", "/editor/inbox/999/reply"): INBOX_WORKERS,
    ("POST", "/editor/inbox/999/close"): INBOX_WORKERS,
    # editors (knowledge managers) and admins: triage and writing
    ("POST", "/api/v1/gaps/999/assign"): WRITERS,
    ("POST", "/api/v1/gaps/999/comment"): WRITERS,
    ("POST", "/api/v1/gaps/999/dismiss"): WRITERS,
    ("POST", "/api/v1/gaps/999/merge"): WRITERS,
    ("POST", "/api/v1/gaps/999/move"): WRITERS,
    ("POST", "/api/v1/gaps/999/resolve"): WRITERS,
    ("POST", "/editor/gaps/999/assign"): WRITERS,
    ("POST", "/editor/gaps/999/comment"): WRITERS,
    ("POST", "/editor/gaps/999/dismiss"): WRITERS,
    ("POST", "/editor/gaps/999/merge"): WRITERS,
    ("POST", "/editor/gaps/999/community"): WRITERS,
    ("POST", "/editor/gaps/999/move"): WRITERS,
    ("POST", "/editor/gaps/999/resolve-faq"): WRITERS,
    ("POST", "/editor/gaps/999/resolve-article"): WRITERS,
    ("GET", "/editor/articles/new"): WRITERS,
    ("POST", "/editor/articles/new"): WRITERS,
    ("GET", "/editor/articles/billing/refunds.md/edit"): WRITERS,
    ("POST", "/editor/articles/billing/refunds.md/edit"): WRITERS,
    ("POST", "/editor/articles/billing/refunds.md/reread"): WRITERS,
    ("POST", "/editor/articles/billing/refunds.md/delete"): WRITERS,
    ("POST", "/editor/articles/billing/refunds.md/suggestions/999"): WRITERS,
    # admins (community managers): accounts, communities, sites
    ("GET", "/editor/admin/"): ADMINS,
    ("POST", "/editor/admin/users"): ADMINS,
    ("POST", "/editor/admin/users/999"): ADMINS,
    ("POST", "/editor/admin/users/999/sign-out"): ADMINS,
    ("POST", "/editor/admin/users/999/password"): ADMINS,
    ("POST", "/editor/admin/sites"): ADMINS,
    ("POST", "/editor/admin/sites/999"): ADMINS,
    # admins: the audit log and one person's data (privacy requests)
    ("GET", "/editor/admin/audit"): ADMINS,
    ("GET", "/editor/admin/audit.csv"): ADMINS,
    ("GET", "/editor/admin/audit.jsonl"): ADMINS,
    ("GET", "/editor/admin/privacy"): ADMINS,
    ("POST", "/editor/admin/privacy/export"): ADMINS,
    ("POST", "/editor/admin/privacy/delete"): ADMINS,
}

# Routes whose outcome looks like a denial for everyone by design: logging out always lands on the login page.
NO_ROLE_CHECK = {("POST", "/logout")}


@dataclass
class Callers:
    app: Flask
    site_key: str
    tokens: dict[str, str]
    user_ids: dict[str, int]

    def request(self, identity: str, method: str, url: str) -> TestResponse:
        client = self.app.test_client()
        headers: dict[str, str] = {}
        api = url.startswith("/api/")
        if identity == "site_key":
            headers = {"X-Site-Key": self.site_key, "X-Session-Id": "visitor-aaaaaaaaaaaaaaaa"}
        elif identity != "anonymous" and api:
            headers = {"Authorization": f"Bearer {self.tokens[identity]}"}
        elif identity != "anonymous":
            _log_in(client, self.user_ids[identity])
        if method == "GET":
            return client.get(url, headers=headers)
        if api:
            return client.post(url, json={}, headers=headers)
        return client.post(url, data={}, headers=headers)


def _log_in(client: FlaskClient, user_id: int) -> None:
    log_in(client, user_id)


@pytest.fixture(scope="module")
def callers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callers]:
    app = make_app(Path(tmp_path_factory.mktemp("roles")) / "var", secret_key="roles-test")
    app.config["WTF_CSRF_ENABLED"] = False
    # Requests run outside any app context: inside one, Flask-Login would reuse the previous request's user.
    with app.app_context():
        site = create_site("shop", ["https://shop.example"])
        tokens, user_ids = {}, {}
        for role in ("employee", "agent", "viewer", "editor", "admin"):
            user = create_user(f"{role}@example.com", "correct horse", role)
            user_ids[role] = user.id
            tokens[role] = create_api_token(user)
        site_key = site.key
    yield Callers(app, site_key, tokens, user_ids)


def is_denied(response: TestResponse) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


@pytest.mark.parametrize(("method", "url"), list(POLICY))
def test_route_admits_exactly_its_roles(callers: Callers, method: str, url: str) -> None:
    outcome = {identity: not is_denied(callers.request(identity, method, url)) for identity in IDENTITIES}
    expected = {identity: identity in POLICY[(method, url)] for identity in IDENTITIES}
    assert outcome == expected


def test_the_policy_covers_every_route(callers: Callers) -> None:
    adapter = callers.app.url_map.bind("localhost")
    covered = set()
    for method, url in [*POLICY, *NO_ROLE_CHECK]:
        endpoint, _ = adapter.match(url, method=method)
        covered.add((endpoint, method))
    declared = {
        (rule.endpoint, method)
        for rule in callers.app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert declared - covered == set(), "new routes need a line in POLICY"


def test_denied_api_calls_get_the_json_error_shape(callers: Callers) -> None:
    response = callers.request("employee", "GET", "/api/v1/gaps")
    assert response.status_code == 403
    assert response.get_json() == {"error": {"code": "forbidden", "message": response.get_json()["error"]["message"]}}
    anonymous = callers.request("anonymous", "GET", "/api/v1/analytics")
    assert anonymous.status_code == 401 and set(anonymous.get_json()["error"]) == {"code", "message"}
