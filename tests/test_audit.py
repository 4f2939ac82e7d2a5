"""The audit log: every listed action leaves an entry with who, when, what and from where; admins read it on
/editor/admin/audit and download it as CSV or JSON lines (or `answerdesk audit export`); nobody else may.

Real SQLite, the real app. Requests run outside an app context (inside one, Flask-Login would keep the previous
request's user), so each check opens its own. The gap, article and resolve actions need the real model and a small
knowledge base (one module-scoped service); the rest runs on a bare app.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from chatbot.types import SourceDocument
from ingest.factory import build_pipeline
from tests.chat_kb import write_knowledge_base
from tests.privacy_data import Person, add_conversation, answerdesk, new_gap
from tests.sessions import log_in
from tests.test_api import make_app
from web.access.accounts import create_api_token, create_user, find_user_by_email
from web.audit.log import record
from web.db.models import AuditEntry, Gap, Site, db
from web.gaps.resolve import EDITOR_SOURCE_ROOT
from web.services import get_runtime

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def entries(app: Flask, action: str | None = None) -> list[dict[str, Any]]:
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return [
            {
                "actor": e.actor,
                "actor_id": e.actor_id,
                "action": e.action,
                "target": e.target,
                "ip": e.ip,
                "via": e.via,
                "detail": e.detail,
            }
            for e in db.session.scalars(query)
        ]


def one(app: Flask, action: str) -> dict[str, Any]:
    found = entries(app, action)
    assert len(found) == 1, (action, found)
    return found[0]


def signed_in(app: Flask, email: str) -> FlaskClient:
    with app.app_context():
        user = find_user_by_email(email)
        assert user is not None
        user_id = user.id
    client = app.test_client()
    log_in(client, user_id)
    return client


def page_token(client: FlaskClient, url: str = "/editor/admin/") -> str:
    match = CSRF_META.search(client.get(url).get_data(as_text=True))
    assert match
    return match.group(1)


@pytest.fixture
def bare(tmp_path: Path) -> Flask:
    app = make_app(tmp_path / "var", secret_key="audit-test")
    with app.app_context():
        create_user("boss@example.com", "correct horse", "admin")
        create_user("ann@example.com", "correct horse", "editor")
        create_user("vic@example.com", "correct horse", "viewer")
    return app


# -- sign-ins ----------------------------------------------------------------------------------------------------
def login(client: FlaskClient, email: str, password: str) -> int:
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True))
    assert token
    return client.post("/login", data={"csrf_token": token.group(1), "email": email, "password": password}).status_code


def test_sign_ins_failures_and_logouts_are_recorded_with_the_address(bare: Flask) -> None:
    client = bare.test_client()
    assert login(client, "ann@example.com", "wrong password") == 401
    assert login(client, "nobody-typed-this@example.com", "x") == 401
    assert login(client, "ann@example.com", "correct horse") == 302
    client.post("/logout", data={"csrf_token": page_token(client, "/help")})

    failed = entries(bare, "auth.login_failed")
    assert [(e["target"], e["actor"], e["ip"], e["detail"]) for e in failed] == [
        ("user:ann@example.com", None, "127.0.0.1", {"known_account": True}),
        (None, None, "127.0.0.1", {"known_account": False}),
    ]
    assert "nobody-typed-this" not in json.dumps(entries(bare)), "an unknown e-mail (maybe a password) is not kept"
    for action in ("auth.login", "auth.logout"):
        entry = one(bare, action)
        assert (entry["actor"], entry["ip"], entry["via"], entry["target"]) == (
            "ann@example.com",
            "127.0.0.1",
            "web",
            "user:ann@example.com",
        )


def test_the_client_address_behind_a_trusted_proxy(tmp_path: Path) -> None:
    app = make_app(tmp_path / "var", secret_key="audit-test", proxy_hops=1)
    with app.app_context():
        create_user("ann@example.com", "correct horse", "editor")
    client = app.test_client()
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True))
    assert token
    client.post(
        "/login",
        data={"csrf_token": token.group(1), "email": "ann@example.com", "password": "correct horse"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert one(app, "auth.login")["ip"] == "203.0.113.9"


# -- accounts and sites ------------------------------------------------------------------------------------------
def test_role_and_site_changes_on_the_admin_page(bare: Flask) -> None:
    client = signed_in(bare, "boss@example.com")
    token = page_token(client)
    with bare.app_context():
        ann = find_user_by_email("ann@example.com")
        assert ann is not None
        ann_id = ann.id
    client.post(f"/editor/admin/users/{ann_id}", data={"csrf_token": token, "role": "viewer", "communities": "billing"})
    client.post(
        "/editor/admin/users",
        data={"csrf_token": token, "email": "new@example.com", "role": "editor", "password": "long enough"},
    )
    client.post("/editor/admin/sites", data={"csrf_token": token, "name": "shop", "origins": "https://shop.example"})
    with bare.app_context():
        site_id = db.session.scalars(select(Site.id)).one()
    client.post(f"/editor/admin/sites/{site_id}", data={"csrf_token": token, "origins": "https://www.shop.example"})

    update = one(bare, "user.update")
    assert update["detail"] == {"role": ["editor", "viewer"], "communities": [[], ["billing"]]}
    created = [e for e in entries(bare, "user.create") if e["target"] == "user:new@example.com"]
    assert created[0]["detail"] == {"role": "editor", "communities": []}
    site_update = one(bare, "site.update")
    assert site_update["detail"] == {"origins": [["https://shop.example"], ["https://www.shop.example"]]}
    for entry in (update, created[0], one(bare, "site.create"), site_update):
        assert (entry["actor"], entry["ip"], entry["via"]) == ("boss@example.com", "127.0.0.1", "web")


def test_ending_sign_ins_is_recorded(bare: Flask) -> None:
    ann = signed_in(bare, "ann@example.com")
    ann.post("/logout", data={"csrf_token": page_token(ann, "/help"), "everywhere": "1"})
    own = one(bare, "auth.logout_everywhere")
    assert own["target"] == "user:ann@example.com" and own["actor"] == "ann@example.com" and own["detail"]["ended"] == 1
    signed_in(bare, "ann@example.com")  # a browser of Ann's the admin then signs out
    admin = signed_in(bare, "boss@example.com")
    with bare.app_context():
        ann_account = find_user_by_email("ann@example.com")
        assert ann_account is not None
        ann_id = ann_account.id
    admin.post(f"/editor/admin/users/{ann_id}/sign-out", data={"csrf_token": page_token(admin)})
    ended = one(bare, "user.sign_out")
    assert ended["target"] == "user:ann@example.com" and ended["actor"] == "boss@example.com"
    assert ended["detail"] == {"ended": 1} and ended["ip"] == "127.0.0.1"


def test_role_site_and_token_changes_from_the_command_line(bare: Flask) -> None:
    runner = bare.test_cli_runner()
    assert answerdesk(runner, "users", "update", "ann@example.com", "--role", "admin").exit_code == 0
    assert answerdesk(runner, "sites", "create", "blog", "--origin", "https://blog.example").exit_code == 0
    assert answerdesk(runner, "tokens", "create", "ann@example.com").exit_code == 0
    unchanged = answerdesk(runner, "users", "update", "ann@example.com", "--role", "admin")
    assert unchanged.exit_code == 0
    for action in ("user.update", "site.create", "token.create"):  # an update that changes nothing is no event
        entry = one(bare, action)
        assert entry["via"] == "cli" and entry["actor"].startswith("cli:") and entry["ip"] is None
    assert one(bare, "user.update")["detail"] == {"role": ["editor", "admin"]}


# -- exports -----------------------------------------------------------------------------------------------------
def test_csv_exports_are_recorded(bare: Flask) -> None:
    client = signed_in(bare, "vic@example.com")
    response = client.get("/editor/exports/feedback.csv?from=2026-01-01&to=2026-01-31&audience=public")
    # Read streamed bodies at once: an unread one keeps its request context until garbage collection pops it.
    assert response.get_data(as_text=True).startswith("time,") and response.status_code == 200
    entry = one(bare, "analytics.export")
    assert entry["target"] == "export:feedback"
    assert entry["detail"] == {"from": "2026-01-01", "to": "2026-01-31", "audience": "public"}
    assert (entry["actor"], entry["ip"]) == ("vic@example.com", "127.0.0.1")


# -- reading the log ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/editor/admin/audit", "/editor/admin/audit.csv", "/editor/admin/audit.jsonl"])
def test_only_admins_read_the_log(bare: Flask, url: str) -> None:
    for email in ("ann@example.com", "vic@example.com"):
        assert signed_in(bare, email).get(url).status_code == 403
    with bare.app_context():
        create_user("emp@example.com", "correct horse", "employee")
    assert signed_in(bare, "emp@example.com").get(url).status_code == 403
    anonymous = bare.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    allowed = signed_in(bare, "boss@example.com").get(url)
    allowed.get_data()
    assert allowed.status_code == 200


def test_the_page_filters_and_pages(bare: Flask) -> None:
    with bare.app_context():
        for n in range(60):
            record("gap.comment", f"gap:{n}", {"comment_id": n})
    client = signed_in(bare, "boss@example.com")
    first = client.get("/editor/admin/audit?action=gap.").get_data(as_text=True)
    assert first.count("<code>gap.comment</code>") == 50 and "gap:59" in first and "Older" in first
    second = client.get("/editor/admin/audit?action=gap.&page=2").get_data(as_text=True)
    assert second.count("<code>gap.comment</code>") == 10 and "gap:0<" in second and "Newer" in second
    by_actor = client.get("/editor/admin/audit?actor=BOSS").get_data(as_text=True)
    assert "<code>gap.comment</code>" not in by_actor and "No entries match" in by_actor  # a command recorded them
    assert client.get("/editor/admin/audit?from=2026-13-01").status_code == 400
    assert client.get("/editor/admin/audit?page=0").status_code == 400
    bad = client.get("/editor/admin/audit.csv?to=nope")
    assert bad.status_code == 400
    # The last day there is: it has no next day to stop before, and must not be a 500.
    last = client.get("/editor/admin/audit?action=gap.&to=9999-12-31")
    assert last.status_code == 200 and "gap:59" in last.get_data(as_text=True)
    lines = client.get("/editor/admin/audit.jsonl?action=gap.&to=9999-12-31")
    assert lines.status_code == 200 and len(lines.get_data(as_text=True).splitlines()) == 60


def test_downloads_are_safe_csv_and_json_lines(bare: Flask) -> None:
    with bare.app_context():
        create_user("=2+5@example.com", "correct horse", "editor")
    client = bare.test_client()
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True))
    assert token
    client.post("/login", data={"csrf_token": token.group(1), "email": "=2+5@example.com", "password": "correct horse"})
    admin = signed_in(bare, "boss@example.com")

    response = admin.get("/editor/admin/audit.csv?action=auth.login")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["actor"], r["target"], r["ip"]) for r in rows] == [
        ("'=2+5@example.com", "user:=2+5@example.com", "127.0.0.1")
    ]

    lines = admin.get("/editor/admin/audit.jsonl").get_data(as_text=True).splitlines()
    parsed = [json.loads(line) for line in lines]
    assert {p["action"] for p in parsed} >= {"user.create", "auth.login"}
    assert set(parsed[0]) == {"id", "time", "actor", "actor_id", "action", "target", "ip", "via", "detail"}
    downloads = entries(bare, "audit.export")
    assert [(d["actor"], d["ip"], d["detail"]["format"]) for d in downloads] == [
        ("boss@example.com", "127.0.0.1", "csv"),
        ("boss@example.com", "127.0.0.1", "jsonl"),
    ]


def test_the_command_exports_csv_and_json_lines(bare: Flask) -> None:
    runner = bare.test_cli_runner()
    jsonl = answerdesk(runner, "audit", "export", "--format", "jsonl", "--action", "user.create")
    assert jsonl.exit_code == 0, jsonl.output
    targets = [json.loads(line)["target"] for line in jsonl.output.splitlines()]
    assert targets == ["user:boss@example.com", "user:ann@example.com", "user:vic@example.com"]
    table = answerdesk(runner, "audit", "export", "--format", "csv", "--actor", "cli:")
    assert table.exit_code == 0 and table.output.startswith("id,time,actor,actor_id,action,target,ip,via,detail")
    assert answerdesk(runner, "audit", "export", "--from", "yesterday").exit_code == 2


# -- writing and triage (the real model) -------------------------------------------------------------------------
@dataclass
class Desk:
    app: Flask
    editor_token: str


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    base = tmp_path_factory.mktemp("audit")
    app = make_app(base / "var", secret_key="audit-test")
    with app.app_context():
        report = build_pipeline(get_runtime(app), db.session()).sync_path(write_knowledge_base(base / "kb"))
        assert report.added == 6 and not report.failed
        editor = create_user("ed@example.com", "correct horse", "editor")
        token = create_api_token(editor)
    yield Desk(app, token)


def test_gap_actions_are_recorded_once_each(desk: Desk) -> None:
    app = desk.app
    with app.app_context():
        gaps = [new_gap(f"gap {n}") for n in range(3)]
        people = [Person(f"zqxgap{n}") for n in range(2)]
        for person, gap in zip(people, gaps, strict=False):
            add_conversation(person, session_id=f"{person.marker}-session-0123", gap=gap)
        first, second, third = (gap.id for gap in gaps)
        moved = people[0].message_ids[0]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {desk.editor_token}"}

    def post(url: str, body: dict[str, Any]) -> None:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)

    post(f"/api/v1/gaps/{first}/assign", {"user": "ed@example.com"})
    post(f"/api/v1/gaps/{first}/comment", {"text": "looking into zqxgap0"})
    post(f"/api/v1/gaps/{first}/move", {"message_id": moved, "to": second})
    post(f"/api/v1/gaps/{first}/merge", {"into": second})
    post(f"/api/v1/gaps/{third}/dismiss", {"reason": "spam"})
    post(f"/api/v1/gaps/{second}/resolve", {"article_id": "billing/refunds.md", "accept_unverified": True})

    expected = {
        "gap.assign": (first, {"assignee": "ed@example.com"}),
        "gap.move": (first, {"message_id": moved, "to": second}),
        "gap.merge": (first, {"into": second}),
        "gap.dismiss": (third, {"reason": "spam"}),
        "gap.resolve": (second, {"article_id": "billing/refunds.md", "accepted_unverified": True, "verified": False}),
    }
    for action, (gap_id, detail) in expected.items():
        entry = one(app, action)
        assert (entry["target"], entry["detail"]) == (f"gap:{gap_id}", detail), action
        assert (entry["actor"], entry["ip"], entry["via"]) == ("ed@example.com", "127.0.0.1", "api")
    comment = one(app, "gap.comment")
    assert comment["target"] == f"gap:{first}" and comment["actor"] == "ed@example.com" and comment["ip"] == "127.0.0.1"
    assert "zqxgap" not in json.dumps(entries(app)), "no question or comment text in the log"
    with app.app_context():
        assert db.session.get(Gap, second) is not None


def test_article_and_faq_edits_are_recorded(desk: Desk) -> None:
    app = desk.app
    with app.app_context():
        faq = SourceDocument(
            id="editor/faq#audit",
            title="Can I pay by invoice?",
            text="Can I pay by invoice?\n\nYes.",
            kind="faq",
            audience="public",
            faq_question="Can I pay by invoice?",
            faq_answer="Yes.",
        )
        build_pipeline(get_runtime(app), db.session()).sync_documents([faq], source_root=EDITOR_SOURCE_ROOT)
    client = signed_in(app, "ed@example.com")
    token = page_token(client, "/editor/")
    form = {"csrf_token": token, "audience": "public", "community": "", "review_by": "", "tags": "", "owner": ""}
    created = client.post(
        "/editor/articles/new", data={**form, "title": "Audit trail", "body": "Every change is kept."}
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    edited = client.post(
        "/editor/articles/editor/faq%23audit/edit",
        data={**form, "title": "Can I pay by invoice?", "body": "Yes, on the Business plan.", "base_version": "1"},
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)

    saves = {e["target"]: e for e in entries(app, "article.save")}
    assert saves["document:editor/articles/audit-trail"]["detail"]["added"] == 1
    assert saves["document:editor/faq#audit"]["detail"]["updated"] == 1
    for entry in saves.values():
        assert (entry["actor"], entry["ip"], entry["via"]) == ("ed@example.com", "127.0.0.1", "web")


def test_suggestion_decisions_are_recorded_and_listed(desk: Desk) -> None:
    """Deciding an employee's edit suggestion left no audit entry (only the row's decided_by): who declined a
    correction could not be told from the log. Each decision is an entry now, committed with it; a refused second
    click leaves none, and the admin's page and downloads list them."""
    app = desk.app
    with app.app_context():
        employee_token = create_api_token(create_user("sue@example.com", "correct horse", "employee"))
        create_user("root@example.com", "correct horse", "admin")
    api = app.test_client()

    def suggest(doc_id: str, text: str) -> int:
        url = f"/api/v1/documents/{doc_id}/suggestions"
        sent = api.post(url, json={"text": text}, headers={"Authorization": f"Bearer {employee_token}"})
        assert sent.status_code == 201, sent.get_data(as_text=True)
        return int(sent.get_json()["id"])

    editor = signed_in(app, "ed@example.com")
    token = page_token(editor, "/editor/")
    form = {"csrf_token": token, "audience": "public", "community": "", "review_by": "", "tags": "", "owner": ""}
    lockers = {"title": "Parcel lockers", "body": "Lockers open 24/7."}
    written = editor.post("/editor/articles/new", data={**form, **lockers})
    assert written.status_code == 302, written.get_data(as_text=True)
    declined = suggest("billing/refunds.md", "zqxsuggest refunds take 3 days now")
    marked = suggest("billing/refunds.md", "zqxsuggest mention the refund form")
    edited = suggest("editor/articles/parcel-lockers", "zqxsuggest lockers close at midnight")

    def decide(suggestion_id: int, action: str) -> int:
        url = f"/editor/articles/billing/refunds.md/suggestions/{suggestion_id}"
        return editor.post(url, data={"csrf_token": token, "action": action}).status_code

    assert decide(declined, "decline") == 302 and decide(marked, "apply") == 302
    assert decide(declined, "apply") == 409  # decided already: refused, and no second entry
    saved = editor.post(
        f"/editor/articles/editor/articles/parcel-lockers/edit?suggestion={edited}",
        data={**form, "title": "Parcel lockers", "body": "Lockers open 6 to 24.", "base_version": "1"},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)

    decline = one(app, "suggestion.decline")
    assert (decline["target"], decline["detail"]) == ("document:billing/refunds.md", {"suggestion_id": declined})
    applied = sorted((e["target"], e["detail"]["suggestion_id"]) for e in entries(app, "suggestion.apply"))
    expected = [("document:billing/refunds.md", marked), ("document:editor/articles/parcel-lockers", edited)]
    assert applied == sorted(expected)
    for entry in [decline, *entries(app, "suggestion.apply")]:
        assert (entry["actor"], entry["ip"], entry["via"]) == ("ed@example.com", "127.0.0.1", "web")
    assert "zqxsuggest" not in json.dumps(entries(app)), "no suggestion text in the log"

    admin = signed_in(app, "root@example.com")
    page = admin.get("/editor/admin/audit?action=suggestion.").get_data(as_text=True)
    assert page.count("<code>suggestion.apply</code>") == 2 and page.count("<code>suggestion.decline</code>") == 1
    assert '<option value="suggestion." selected>' in page  # the filter offers them as a group
    lines = admin.get("/editor/admin/audit.jsonl?action=suggestion.").get_data(as_text=True).splitlines()
    assert sorted(json.loads(line)["action"] for line in lines) == ["suggestion.apply"] * 2 + ["suggestion.decline"]
