"""The editor's articles: list, filters and the stale rule, versions and diff, writing in the dashboard (indexed at
once, Chinese ids, gap verification), re-reading a folder file, community and role checks, the Markdown preview and
employees' edit suggestions. Real model, real Chroma, real SQLite, CSRF on; the small knowledge base of
tests/chat_kb.py with community folder defaults, plus one folder ingested as internal."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from chatbot.types import SourceDocument
from ingest.factory import build_pipeline
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, playwright_sync_api
from tests.chat_kb import INTERNAL_DOC, write_knowledge_base
from tests.sessions import log_in
from tests.test_api import assert_error, bearer, csrf_token_of, make_app
from tests.test_gaps_api import ask, gap_of
from web.access.accounts import create_api_token, create_site, create_user
from web.access.sessions import revoke_login_sessions
from web.articles.catalogue import STALE_DOWNVOTE_SHARE, STALE_MIN_RATED, Performance, staleness
from web.articles.writer import ARTICLE_ID_PREFIX, slugify
from web.db.models import Document, DocumentVersion, EditSuggestion, Gap, GapEvidence, db
from web.services import get_runtime

pytestmark = pytest.mark.slow

ROLES = ("employee", "viewer", "editor", "admin")
PARKING_DOC = "handbook/parking.md"
FOLDER_FAQ = "faq.csv#1"
FAQ_QUESTION = "Can I pay by invoice?"
FAQ_ANSWER = "Yes: Business customers can pay by bank transfer against an invoice."
WIDGET_SESSION = "visitor-articles-aaaaaaaa"


@dataclass
class ArticleService:
    app: Flask
    kb: Path
    site_key: str
    user_ids: dict[str, int]  # role (and "billing_editor") -> user id
    tokens: dict[str, str]

    def client(self, who: str | None = None) -> FlaskClient:
        """A test client, logged in as ``who`` (a key of user_ids) unless None."""
        client = self.app.test_client()
        if who is not None:
            log_in(client, self.user_ids[who])
        return client


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ArticleService:
    base = tmp_path_factory.mktemp("articles")
    app = make_app(base / "var")
    kb = write_knowledge_base(base / "kb")
    (kb / "billing" / "_defaults.yaml").write_text("community: billing\n", encoding="utf-8")
    (kb / "security" / "_defaults.yaml").write_text("community: security\n", encoding="utf-8")
    (kb / "faq.csv").write_text(f"question,answer\n{FAQ_QUESTION},{FAQ_ANSWER}\n", encoding="utf-8")
    handbook = base / "handbook"
    (handbook / "handbook").mkdir(parents=True)
    (handbook / PARKING_DOC).write_text("# Parking\n\nStaff park on level 2 of the garage.\n", encoding="utf-8")
    with app.app_context():
        pipeline = build_pipeline(get_runtime(app), db.session())
        assert pipeline.sync_path(kb).added == 7
        # No audience in the file: internal comes from the command line, which is not stored anywhere.
        assert pipeline.sync_path(handbook, audience="internal").added == 1
        site = create_site("shop", ["https://shop.example"])
        user_ids, tokens = {}, {}
        for role in ROLES:
            user = create_user(f"{role}@example.com", "correct horse", role)
            user_ids[role], tokens[role] = user.id, create_api_token(user)
        billing = create_user("billing-editor@example.com", "correct horse", "editor", communities=["billing"])
        user_ids["billing_editor"] = billing.id
        return ArticleService(app=app, kb=kb, site_key=site.key, user_ids=user_ids, tokens=tokens)


def csrf(client: FlaskClient) -> str:
    return csrf_token_of(client.get("/login").get_data(as_text=True))  # the session's token, for any user


def post_form(client: FlaskClient, url: str, **fields: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf(client), **fields})


def write_article(client: FlaskClient, url: str = "/editor/articles/new", **fields: Any) -> Any:
    form = {"audience": "public", "community": "", "review_by": "", "tags": "", "owner": "", **fields}
    return post_form(client, url, **form)


def document(service: ArticleService, doc_id: str) -> Document:
    with service.app.app_context():
        row = db.session.get(Document, doc_id)
        assert row is not None
        db.session.expunge(row)
        return row


def versions(service: ArticleService, doc_id: str) -> list[tuple[int, str | None, str]]:
    with service.app.app_context():
        rows = db.session.scalars(
            select(DocumentVersion).where(DocumentVersion.document_id == doc_id).order_by(DocumentVersion.version)
        ).all()
        return [(v.version, v.author, v.text) for v in rows]


def created_id(response: Any) -> str:
    """The id of a new article, from the redirect to its page after saving: the page is /editor/articles/<slug>, the
    id editor/articles/<slug>."""
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/editor/articles/"), location
    slug = unquote(location.removeprefix("/editor/articles/"))
    assert "/" not in slug, location  # the address does not repeat editor/articles
    return ARTICLE_ID_PREFIX + slug


def address(doc_id: str) -> str:
    """The page of a document written in the dashboard, as its links give it: its slug, not its whole id."""
    return "/editor/articles/" + quote(doc_id.removeprefix(ARTICLE_ID_PREFIX))


def flashes(client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def listed_ids(html: str) -> set[str]:
    return {unescape(m) for m in re.findall(r'<span class="id">([^<]+)</span>', html)}


# -- list and filters --------------------------------------------------------------------------------------------
def test_the_list_shows_live_documents_with_their_details(service: ArticleService) -> None:
    page = service.client("viewer").get("/editor/articles/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert {"billing/refunds.md", "account/password.md", INTERNAL_DOC, PARKING_DOC} <= listed_ids(html)
    assert "Refund approval limits" in html and ">billing<" in html
    assert "New article" not in html  # viewers read only


@pytest.mark.parametrize(
    ("query", "expected", "excluded"),
    [
        ("community=billing", {"billing/refunds.md", "billing/plans.md"}, {"account/password.md"}),
        ("audience=internal", {INTERNAL_DOC, PARKING_DOC}, {"billing/refunds.md"}),
        ("q=refund", {"billing/refunds.md", INTERNAL_DOC}, {"billing/plans.md"}),
        ("q=REFUND&audience=public", {"billing/refunds.md"}, {INTERNAL_DOC}),
        ("kind=faq", {FOLDER_FAQ}, {"billing/refunds.md"}),
    ],
)
def test_filters(service: ArticleService, query: str, expected: set[str], excluded: set[str]) -> None:
    ids = listed_ids(service.client("editor").get(f"/editor/articles/?{query}").get_data(as_text=True))
    assert expected <= ids and not (excluded & ids)


def test_deleted_documents_are_not_listed(service: ArticleService) -> None:
    editor = service.client("editor")
    doc_id = created_id(write_article(editor, title="Old holiday rota", body="Nobody works on Sundays."))
    assert doc_id in listed_ids(editor.get("/editor/articles/?q=holiday").get_data(as_text=True))
    with service.app.app_context():
        build_pipeline(get_runtime(service.app), db.session()).delete_documents([doc_id])
    assert doc_id not in listed_ids(editor.get("/editor/articles/?q=holiday").get_data(as_text=True))
    assert editor.get(f"/editor/articles/{doc_id}").status_code == 404


# -- the stale rule ----------------------------------------------------------------------------------------------
def test_stale_rule_thresholds() -> None:
    today = date(2025, 6, 1)
    row = Document(id="x", review_by=None, current_version=2)
    assert not staleness(row, None, today).is_stale
    row.review_by = today.isoformat()
    assert not staleness(row, None, today).is_stale  # due today is not past due
    row.review_by = (today - timedelta(days=1)).isoformat()
    assert staleness(row, None, today).reasons == ("review date 2025-05-31 has passed",)

    row.review_by = None
    below = STALE_MIN_RATED - 1
    assert not staleness(row, Performance(current_rated=below, current_unhelpful=below), today).is_stale
    at_share = Performance(current_rated=4, current_unhelpful=int(4 * STALE_DOWNVOTE_SHARE))
    assert staleness(row, at_share, today).is_stale
    under_share = Performance(current_rated=4, current_unhelpful=int(4 * STALE_DOWNVOTE_SHARE) - 1)
    assert not staleness(row, under_share, today).is_stale
    # 👎 on earlier versions (helpful/unhelpful, but not current_*) do not count.
    assert not staleness(row, Performance(cited=9, unhelpful=9), today).is_stale


def test_a_past_review_date_makes_a_document_stale(service: ArticleService) -> None:
    editor = service.client("editor")
    past = (date.today() - timedelta(days=3)).isoformat()
    future = (date.today() + timedelta(days=30)).isoformat()
    old = created_id(write_article(editor, title="Fax support", body="Send faxes to 555.", review_by=past))
    fresh = created_id(write_article(editor, title="Chat support", body="Chat with us all day.", review_by=future))
    html = editor.get("/editor/articles/?stale=1").get_data(as_text=True)
    assert old in listed_ids(html) and fresh not in listed_ids(html)
    assert f"review date {past} has passed" in html
    assert f"review date {past} has passed" in editor.get(f"/editor/articles/{old}").get_data(as_text=True)


def test_a_high_downvote_rate_in_citing_answers_makes_a_document_stale(service: ArticleService) -> None:
    client = service.client()
    employee = bearer(service.tokens["employee"])
    offline = "mobile/offline.md"
    answers = [ask(client, employee, "Does the mobile app work offline?") for _ in range(STALE_MIN_RATED)]
    for answer in answers:
        assert offline in {c["id"] for c in answer["citations"]}, answer
    votes = [False, False, True]  # 2 of 3 👎: at or over the share
    for answer, helpful in zip(answers, votes, strict=True):
        sent = client.post(
            "/api/v1/feedback", json={"message_id": answer["message_id"], "helpful": helpful}, headers=employee
        )
        assert sent.status_code == 201

    viewer = service.client("viewer")
    html = viewer.get("/editor/articles/?stale=1").get_data(as_text=True)
    assert offline in listed_ids(html)
    assert "2 of 3 rated answers citing version 1 were 👎 (67%)" in html
    page = viewer.get(f"/editor/articles/{offline}").get_data(as_text=True)
    assert re.search(r'<div class="stat">3</div><div class="muted">times cited', page)
    assert re.search(r'<div class="stat">2</div><div class="muted">👎 not helpful', page)

    # The latest rating counts: one 👎 turned 👍 brings it under the share.
    changed = {"message_id": answers[0]["message_id"], "helpful": True}
    assert client.post("/api/v1/feedback", json=changed, headers=employee).status_code == 201
    assert offline not in listed_ids(viewer.get("/editor/articles/?stale=1").get_data(as_text=True))


# -- writing, versions and diff ----------------------------------------------------------------------------------
def test_two_edits_make_versions_with_authors_and_a_diff(service: ArticleService) -> None:
    editor = service.client("editor")
    doc_id = created_id(
        write_article(editor, title="Invoice numbers", body="Invoices are numbered per year.\nThe prefix is INV.")
    )
    edit_url = f"/editor/articles/{doc_id}/edit"
    assert "Invoices are numbered per year." in editor.get(edit_url).get_data(as_text=True)
    second = "Invoices are numbered per year.\r\nThe prefix is BILL.\r\n<script>alert(1)</script>"
    assert write_article(editor, edit_url, title="Invoice numbers", body=second, base_version=1).status_code == 302
    admin = service.client("admin")
    third = "Invoices are numbered per month.\nThe prefix is BILL.\n<script>alert(1)</script>"
    saved = write_article(admin, edit_url, title="Invoice numbers", body=third, audience="internal", base_version=2)
    assert saved.status_code == 302

    stored = versions(service, doc_id)
    assert [(v, a) for v, a, _ in stored] == [
        (1, "editor@example.com"),
        (2, "editor@example.com"),
        (3, "admin@example.com"),
    ]
    assert "\r" not in stored[1][2]  # browsers' CRLF stored as LF
    page = editor.get(f"/editor/articles/{doc_id}").get_data(as_text=True)
    assert (
        "admin@example.com" in page and "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    )

    diff = editor.get(f"/editor/articles/{doc_id}/diff?a=1&b=3")
    assert diff.status_code == 200
    text = diff.get_data(as_text=True)
    assert '<span class="del">-Invoices are numbered per year.</span>' in text
    assert '<span class="add">+Invoices are numbered per month.</span>' in text
    assert '<span class="add">+&lt;script&gt;alert(1)&lt;/script&gt;</span>' in text and "<script>alert" not in text
    assert re.search(r"<th>audience</th><td>public</td><td>internal</td>", text)
    assert "-The prefix is INV." in text
    assert "+Invoices are numbered" not in editor.get(f"/editor/articles/{doc_id}/diff?a=2&b=2").get_data(as_text=True)
    assert editor.get(f"/editor/articles/{doc_id}/diff?a=1&b=9").status_code == 404

    # Saving over a version someone else replaced is refused, and the typed text is kept.
    stale = write_article(editor, edit_url, title="Invoice numbers", body="My late change", base_version=2)
    conflict_page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "My late change" in conflict_page
    # The page compares the version edited with the one saved meanwhile, and its form now builds on the latter:
    # saving the merged text saves (it was 409 again forever).
    assert f"{address(doc_id)}/diff?a=2&amp;b=3" in conflict_page
    assert re.search(r'name="base_version" value="3"', conflict_page)
    unchanged = write_article(
        editor, edit_url, title="Invoice numbers", body=third, audience="internal", base_version=3
    )
    assert unchanged.status_code == 302 and "Nothing changed: no new version was saved." in flashes(editor)
    assert len(versions(service, doc_id)) == 3


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads released together; their results in order."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_editors_saving_at_once_neither_fail_nor_lose_work(service: ArticleService) -> None:
    # Were: new articles of one title took the same id (500, a UNIQUE constraint), a shared temporary file name
    # failed saves whose vectors were already stored (500), and edits of one version all passed the "saved
    # meanwhile?" check, the last silently replacing the others (a probe with concurrent requests, round 37).
    clients = [service.client("editor") for _ in range(4)]
    created = _at_once(
        [
            lambda c=c, n=n: write_article(c, title="Racing zebras", body=f"Zebra body {n}.")
            for n, c in enumerate(clients)
        ]
    )
    ids = [created_id(response) for response in created]
    assert len(set(ids)) == 4
    assert sorted(text for doc_id in ids for _v, _a, text in versions(service, doc_id)) == [
        f"Zebra body {n}." for n in range(4)
    ]
    edit_url = f"/editor/articles/{ids[0]}/edit"
    edits = _at_once(
        [
            lambda c=c, n=n: write_article(c, edit_url, title="Racing zebras", body=f"Edit {n}.", base_version=1)
            for n, c in enumerate(clients)
        ]
    )
    assert sorted(r.status_code for r in edits) == [302, 409, 409, 409]
    [saved] = [n for n, r in enumerate(edits) if r.status_code == 302]
    assert [text for _v, _a, text in versions(service, ids[0])][1:] == [f"Edit {saved}."]


def test_invalid_forms_are_shown_again_with_errors(service: ArticleService) -> None:
    editor = service.client("editor")
    response = write_article(editor, title="", body="Some text", review_by="next week", audience="everyone")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Required." in html and "A date: YYYY-MM-DD." in html and "Choose public or internal." in html
    assert "Some text" in html


def test_a_new_article_answers_at_once_and_closes_its_gap(service: ArticleService) -> None:
    client = service.client()
    widget = {"X-Site-Key": service.site_key, "X-Session-Id": WIDGET_SESSION}
    questions = ("Do you offer a student discount?", "Is there a discount for students?")
    first = ask(client, widget, questions[0])
    ask(client, widget, questions[1])
    with service.app.app_context():
        gap_id = db.session.scalar(select(GapEvidence.gap_id).where(GapEvidence.message_id == first["message_id"]))
    assert gap_id is not None

    editor = service.client("editor")
    form_page = editor.get(f"/editor/articles/new?gap={gap_id}").get_data(as_text=True)
    assert questions[1] in form_page and f'name="gap" value="{gap_id}"' in form_page
    body = "Yes: students get 50% off the Plus plan. Send a photo of your student card to support."
    response = write_article(editor, f"/editor/articles/new?gap={gap_id}", title="Student discount", body=body)
    assert response.status_code == 302 and response.headers["Location"] == f"/editor/gaps/{gap_id}"
    assert any(f"Gap #{gap_id} verified" in m for m in flashes(editor)), flashes(editor)
    doc_id = "editor/articles/student-discount"
    with service.app.app_context():
        gap = db.session.get(Gap, gap_id)
        assert gap is not None and gap.status == "verified" and gap.resolution is not None
        assert gap.resolution["article_id"] == doc_id

    # Indexed at once: an employee's chat cites it, no restart, no re-index.
    answer = ask(client, bearer(service.tokens["employee"]), "How much discount do students get?")
    assert not answer["is_gap"] and doc_id in {c["id"] for c in answer["citations"]}
    page = editor.get(f"/editor/articles/{doc_id}").get_data(as_text=True)
    assert f"#{gap_id}" in page and "verified" in page
    # A verified gap is not offered again.
    again = editor.get(f"/editor/articles/new?gap={gap_id}").get_data(as_text=True)
    assert 'name="gap"' not in again and f"Gap #{gap_id} is verified" in again


def test_re_reading_for_a_gap_reports_the_questions_that_still_fail(service: ArticleService) -> None:
    widget = {"X-Site-Key": service.site_key, "X-Session-Id": "visitor-articles-bbbbbbbb"}
    question = "How do I change the office wifi password?"
    gap_id = gap_of(service, ask(service.client(), widget, question)["message_id"])
    assert gap_id is not None
    editor = service.client("editor")
    page = editor.get(f"/editor/articles/mobile/offline.md?gap={gap_id}").get_data(as_text=True)
    assert f"Re-read from source and verify gap #{gap_id}" in page
    response = post_form(editor, "/editor/articles/mobile/offline.md/reread", gap=str(gap_id))
    assert response.status_code == 302 and response.headers["Location"] == f"/editor/gaps/{gap_id}"
    assert any(f"Gap #{gap_id} stays open" in m and question in m for m in flashes(editor)), flashes(editor)
    with service.app.app_context():
        gap = db.session.get(Gap, gap_id)
        assert gap is not None and gap.status == "open" and gap.resolution is not None
        assert gap.resolution["article_id"] == "mobile/offline.md"


def test_chinese_titles_give_unique_readable_ids(service: ArticleService) -> None:
    editor = service.client("editor")
    body = "在账单页面选择发票，然后点击申请退款。"
    first = created_id(write_article(editor, title="如何申请退款？", body=body))
    second = created_id(write_article(editor, title="如何申请退款", body=body + "三十天内有效。"))
    assert first == "editor/articles/如何申请退款" and second == "editor/articles/如何申请退款-2"
    assert document(service, first).language == "zh"
    assert "如何申请退款" in editor.get(f"/editor/articles/{second}").get_data(as_text=True)


def test_a_dashboard_article_is_addressed_by_its_slug(service: ArticleService) -> None:
    """A tester's finding: a dashboard article's address repeated "editor/articles"
    (/editor/articles/editor/articles/kayak-storage), in every link to it and in its page's breadcrumb. Its id keeps
    the prefix (citations, versions and the audit log hold it); its address is the slug. The long address still
    works, and an article whose slug is a folder document's id or a page of its own ("new") keeps the long one."""
    editor = service.client("editor")
    body = "Kayaks are stored in the boathouse behind the office; reception has the key."
    saved = write_article(editor, title="Kayak storage", body=body)
    assert saved.status_code == 302 and saved.headers["Location"] == "/editor/articles/kayak-storage"
    doc_id = "editor/articles/kayak-storage"
    assert document(service, doc_id).title == "Kayak storage"

    page = editor.get("/editor/articles/kayak-storage").get_data(as_text=True)
    assert "<h1>Kayak storage</h1>" in page and '<a href="/editor/articles/">Articles</a> / kayak-storage</p>' in page
    assert 'href="/editor/articles/kayak-storage/edit"' in page
    assert 'action="/editor/articles/kayak-storage/delete"' in page
    listing = editor.get("/editor/articles/?q=kayak").get_data(as_text=True)
    assert 'href="/editor/articles/kayak-storage"' in listing
    answer = ask(service.client(), bearer(service.tokens["employee"]), "Where are the kayaks stored?")
    assert doc_id in {c["id"] for c in answer["citations"]}, answer
    analytics = service.client("viewer").get("/editor/analytics").get_data(as_text=True)
    assert 'href="/editor/articles/kayak-storage"' in analytics  # content performance links the cited article
    for html in (page, listing, analytics):
        assert "editor/articles/editor/articles" not in html

    assert editor.get("/editor/articles/kayak-storage/diff?a=1&b=1").status_code == 200
    assert editor.get(f"/editor/articles/{doc_id}").status_code == 200  # the address given out before
    edit_url = "/editor/articles/kayak-storage/edit"
    edited = write_article(editor, edit_url, title="Kayak storage", body=body + " Open 8 to 6.", base_version=1)
    assert edited.headers["Location"] == "/editor/articles/kayak-storage" and len(versions(service, doc_id)) == 2

    # A folder document whose id is the slug keeps that address; the article's address is then its whole id.
    with service.app.app_context():
        canoes = SourceDocument(id="canoe-storage", title="Canoe racks", text="Canoes hang on the racks.")
        build_pipeline(get_runtime(service.app), db.session()).sync_documents([canoes], source_root="loose")
    clash = write_article(editor, title="Canoe storage", body="Canoes are stored in the boathouse too.")
    assert clash.headers["Location"] == "/editor/articles/editor/articles/canoe-storage"
    assert "<h1>Canoe racks</h1>" in editor.get("/editor/articles/canoe-storage").get_data(as_text=True)
    own = editor.get("/editor/articles/editor/articles/canoe-storage").get_data(as_text=True)
    assert "<h1>Canoe storage</h1>" in own and 'href="/editor/articles/editor/articles/canoe-storage/edit"' in own
    # So does an article whose slug is the new-article page's.
    named_new = write_article(editor, title="New", body="What is new at the boathouse this month.")
    assert named_new.headers["Location"] == "/editor/articles/editor/articles/new"
    assert "<h1>New</h1>" in editor.get("/editor/articles/editor/articles/new").get_data(as_text=True)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Reset your password!", "reset-your-password"),
        ("  Plans & pricing (2025)  ", "plans-pricing-2025"),
        ("退款 refund_policy", "退款-refund-policy"),
        ("ＦＵＬＬ－ＷＩＤＴＨ", "full-width"),
        ("!!! ???", "article"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_faq_entries_from_gaps_are_edited_as_question_and_answer(service: ArticleService) -> None:
    client = service.client()
    widget = {"X-Site-Key": service.site_key, "X-Session-Id": WIDGET_SESSION}
    gap_id = gap_of(service, ask(client, widget, "Do you ship to Iceland?")["message_id"])
    assert gap_id is not None
    faq = {"question": "Do you ship to Iceland?", "answer": "Yes, within ten days."}
    resolved = client.post(
        f"/api/v1/gaps/{gap_id}/resolve", json={"faq": faq}, headers=bearer(service.tokens["editor"])
    )
    assert resolved.status_code == 200, resolved.get_data(as_text=True)
    doc_id = f"editor/faq#gap-{gap_id}"

    editor = service.client("editor")
    edit_url = f"/editor/articles/{quote(doc_id)}/edit"  # '#' travels as %23
    form = editor.get(edit_url).get_data(as_text=True)
    assert "Question" in form and "Yes, within ten days." in form
    saved = write_article(editor, edit_url, title="Do you ship to Iceland?", body="Yes, within a week.", base_version=1)
    assert saved.status_code == 302
    assert versions(service, doc_id)[-1] == (2, "editor@example.com", "Do you ship to Iceland?\n\nYes, within a week.")
    assert document(service, doc_id).kind == "faq"
    assert "Yes, within a week." in editor.get(f"/editor/articles/{quote(doc_id)}").get_data(as_text=True)


EMPLOYEE_PHRASING = "can I unlock the zorblax ledger of the megacorp account"


def latest_phrasings(service: ArticleService, doc_id: str) -> list[str]:
    with service.app.app_context():
        version = db.session.scalar(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == doc_id)
            .order_by(DocumentVersion.version.desc())
            .limit(1)
        )
        assert version is not None
        return list((version.metadata_json or {}).get("faq_alternatives") or [])


def test_making_an_internal_faq_public_drops_the_questions_attached_to_it(service: ArticleService) -> None:
    """An internal FAQ may carry an internal gap's questions as search-only phrasings (web/gaps/resolve.py): those
    are employees' words. An edit that makes the entry public must not carry them into the public index, where the
    widget searches them and the public typo corrector learns their words; an edit that keeps it internal keeps them."""
    doc_id = "editor/faq#gap-9001"
    question, answer = "How do I unlock a ledger?", "Open the ledger and click Unlock."
    with service.app.app_context():
        entry = SourceDocument(
            id=doc_id,
            title=question,
            text=f"{question}\n\n{answer}",
            kind="faq",
            audience="internal",
            faq_question=question,
            faq_answer=answer,
            faq_alternatives=(EMPLOYEE_PHRASING,),  # as resolve_with_faq attaches an internal gap's questions
        )
        pipeline = build_pipeline(get_runtime(service.app), db.session())
        pipeline.sync_documents([entry], source_root="editor", author="editor@example.com")

    editor = service.client("editor")
    edit_url = f"/editor/articles/{quote(doc_id)}/edit"
    body = f"{answer} Then save."
    kept = write_article(editor, edit_url, title=question, body=body, audience="internal", base_version=1)
    assert kept.status_code == 302
    assert latest_phrasings(service, doc_id) == [EMPLOYEE_PHRASING]

    public = write_article(editor, edit_url, title=question, body=body, audience="public", base_version=2)
    assert public.status_code == 302
    assert document(service, doc_id).audience == "public"
    assert latest_phrasings(service, doc_id) == []
    index = get_runtime(service.app).keyword_index
    assert doc_id not in {hit.doc_id for hit in index.search("zorblax megacorp", 10, "public")}
    assert not index.speller("public").knows("zorblax")


# -- folder documents --------------------------------------------------------------------------------------------
def test_folder_documents_are_not_editable_but_can_be_re_read(service: ArticleService) -> None:
    editor = service.client("editor")
    doc_id = "billing/refunds.md"
    refused = editor.get(f"/editor/articles/{doc_id}/edit")
    assert refused.status_code == 302 and refused.headers["Location"] == f"/editor/articles/{doc_id}"
    assert post_form(editor, f"/editor/articles/{doc_id}/edit", title="x", body="y").status_code == 302
    assert len(versions(service, doc_id)) == 1
    page = editor.get(f"/editor/articles/{doc_id}").get_data(as_text=True)
    assert str(service.kb / "billing" / "refunds.md") in page and "Re-read from source" in page

    path = service.kb / "billing" / "refunds.md"
    path.write_text(path.read_text(encoding="utf-8").replace("30 days", "45 days"), encoding="utf-8")
    assert post_form(editor, f"/editor/articles/{doc_id}/reread").status_code == 302
    assert any("1 updated" in m for m in flashes(editor))
    (version, author, text) = versions(service, doc_id)[-1]
    assert version == 2 and author is None and "45 days" in text
    row = document(service, doc_id)
    assert row.community == "billing" and row.audience == "public"  # folder defaults applied as in a sync
    answer = ask(service.client(), bearer(service.tokens["employee"]), "How many days do I have to ask for a refund?")
    cited = {c["id"]: c["version"] for c in answer["citations"]}
    assert cited.get(doc_id) == 2, answer


def test_an_article_written_here_can_be_deleted_and_stops_answering(service: ArticleService) -> None:
    # An FAQ that failed its gap's verification answered customers as written; the page said "correct its answer
    # (or delete it)" and nothing could be deleted (a browser check, round 38).
    editor = service.client("editor")
    body = "Yes, we lend a loaner laptop while yours is repaired: ask the front desk in Utrecht."
    doc_id = created_id(write_article(editor, title="Loaner laptops during repairs", body=body))
    employee = bearer(service.tokens["employee"])
    answer = ask(service.client(), employee, "Do you lend a loaner laptop while mine is repaired?")
    assert doc_id in {c["id"] for c in answer["citations"]}, answer
    page = editor.get(f"/editor/articles/{doc_id}").get_data(as_text=True)
    assert f'action="{address(doc_id)}/delete"' in page and 'data-confirm="Delete this article?' in page

    deleted = post_form(editor, f"/editor/articles/{doc_id}/delete")
    assert deleted.status_code == 302 and deleted.headers["Location"] == "/editor/articles/"
    assert any("no longer answers questions" in m for m in flashes(editor))
    assert document(service, doc_id).deleted_at is not None and len(versions(service, doc_id)) == 1
    assert editor.get(f"/editor/articles/{doc_id}").status_code == 404
    again = ask(service.client(), employee, "Do you lend a loaner laptop while mine is repaired?")
    assert doc_id not in {c["id"] for c in again["citations"]} and doc_id not in {s["id"] for s in again["sources"]}

    # A folder's document is deleted by removing its file: the next ingest would bring it back.
    folder = post_form(editor, "/editor/articles/account/password.md/delete")
    assert folder.status_code == 302 and document(service, "account/password.md").deleted_at is None
    assert any("delete its file" in m for m in flashes(editor))


def test_re_reading_keeps_the_audience_given_on_the_command_line(service: ArticleService) -> None:
    editor = service.client("editor")
    path = Path(document(service, PARKING_DOC).source_root) / PARKING_DOC
    path.write_text("# Parking\n\nStaff park on level 3 of the garage.\n", encoding="utf-8")
    assert post_form(editor, f"/editor/articles/{PARKING_DOC}/reread").status_code == 302
    assert document(service, PARKING_DOC).audience == "internal"
    assert "level 3" in versions(service, PARKING_DOC)[-1][2]


def test_re_reading_a_vanished_file_says_so(service: ArticleService, tmp_path: Path) -> None:
    root = tmp_path / "gone"
    root.mkdir()
    (root / "temp.md").write_text("# Temporary\n\nShort-lived page.\n", encoding="utf-8")
    with service.app.app_context():
        build_pipeline(get_runtime(service.app), db.session()).sync_path(root)
    (root / "temp.md").unlink()
    editor = service.client("editor")
    assert post_form(editor, "/editor/articles/temp.md/reread").status_code == 302
    assert any("is gone" in m for m in flashes(editor))


# -- communities and roles ---------------------------------------------------------------------------------------
def test_editors_write_only_for_their_communities(service: ArticleService) -> None:
    editor, billing = service.client("editor"), service.client("billing_editor")
    security_doc = created_id(write_article(editor, title="Security keys", body="Use a key.", community="security"))
    billing_doc = created_id(write_article(editor, title="Billing cycles", body="Monthly.", community="billing"))

    assert billing.get(f"/editor/articles/{security_doc}/edit").status_code == 403
    assert billing.get(f"/editor/articles/{billing_doc}/edit").status_code == 200
    assert post_form(billing, "/editor/articles/security/two-factor.md/reread").status_code == 403
    assert post_form(billing, "/editor/articles/billing/plans.md/reread").status_code == 302

    moved = write_article(billing, f"/editor/articles/{billing_doc}/edit", title="Billing cycles", body="Monthly.",
                          community="security", base_version=1)  # fmt: skip
    assert moved.status_code == 400 and "You write for billing only." in moved.get_data(as_text=True)
    refused = write_article(billing, title="Security questions", body="We never ask.", community="security")
    assert refused.status_code == 400
    assert created_id(write_article(billing, title="Card updates", body="Open Billing.", community="billing"))
    form = billing.get("/editor/articles/new").get_data(as_text=True)
    assert '<option value="billing" selected>billing</option>' in form and 'value="security"' not in form
    # Reading is not restricted: every editor sees every community's documents.
    assert billing.get(f"/editor/articles/{security_doc}").status_code == 200


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    writes: bool
    fields: dict[str, str] | None = None
    json: dict[str, str] | None = None


ROUTES = [
    Route("get", "/editor/articles/", False),
    Route("get", "/editor/articles/account/password.md", False),
    Route("get", "/editor/articles/account/password.md/diff?a=1&b=1", False),
    Route("post", "/editor/articles/preview", False, json={"text": "**hi**"}),
    Route("get", "/editor/articles/new", True),
    Route("post", "/editor/articles/new", True, fields={"title": ""}),  # invalid: 400 once past the role check
    Route("post", "/editor/articles/account/password.md/reread", True, fields={}),
    Route("post", "/editor/articles/account/password.md/delete", True, fields={}),  # a folder's: refused, kept
    Route("post", "/editor/articles/account/password.md/suggestions/999999", True, fields={"action": "apply"}),
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
@pytest.mark.parametrize("who", ["anonymous", *ROLES])
def test_roles_are_checked(service: ArticleService, route: Route, who: str) -> None:
    client = service.client(None if who == "anonymous" else who)
    token = csrf(client)
    send: Callable[..., Any] = getattr(client, route.method)
    if route.json is not None:
        response = send(route.path, json=route.json, headers={"X-CSRFToken": token, "Accept": "application/json"})
    elif route.fields is not None:
        response = send(route.path, data={"csrf_token": token, **route.fields})
    else:
        response = send(route.path)
    allowed = who == "admin" or who == "editor" or (who == "viewer" and not route.writes)
    if who == "anonymous":
        assert response.status_code in (302, 401)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
    elif not allowed:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302, 400, 404), response.get_data(as_text=True)
        assert response.status_code != 404 or "suggestions" in route.path


def test_write_forms_need_the_csrf_token(service: ArticleService) -> None:
    editor = service.client("editor")
    response = editor.post("/editor/articles/new", data={"title": "No token", "body": "x", "audience": "public"})
    assert response.status_code == 400
    assert not listed_ids(editor.get("/editor/articles/?q=No+token").get_data(as_text=True))


# -- a sign-in that ends mid-edit --------------------------------------------------------------------------------
SAME_SITE = {"Origin": "http://localhost"}  # what a browser sends with a form posted from this site's page


@dataclass
class KeptForm:
    action: str
    fields: dict[str, str]


def kept_form(html: str) -> KeptForm:
    """The "Save again" form of the session-expired page: its address and every field it posts."""
    action = re.search(r'<form method="post" action="([^"]+)">', html)
    assert action, html
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    fields = {unescape(name): unescape(value) for name, value in hidden}
    for name, value in re.findall(r'<textarea id="kept-[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[unescape(name)] = unescape(value)
    return KeptForm(unescape(action.group(1)), fields)


def test_a_save_after_the_session_ended_keeps_the_text_and_saves_nothing(service: ArticleService) -> None:
    """An editor signed out in another window while writing (a browser check): Save showed "The CSRF session token
    is missing." and the text was gone. Now nothing is saved, the text is kept, and it saves once they sign in."""
    editor = service.client("editor")
    doc_id = created_id(write_article(editor, title="Session draft", body="First version."))
    edit_url = f"/editor/articles/{doc_id}/edit"
    token = csrf(editor)
    draft = {"title": "Session draft", "body": "An hour of <b>writing</b>.", "audience": "public", "community": ""}
    draft |= {"review_by": "", "tags": "", "owner": "", "base_version": "1"}
    with editor.session_transaction() as session:
        session.clear()  # signed out in another tab: the session, and the CSRF token in it, are gone

    expired = editor.post(edit_url, data={"csrf_token": token, **draft}, headers=SAME_SITE)
    html = expired.get_data(as_text=True)
    assert expired.status_code == 400
    assert "Your session expired" in html and "nothing was saved" in html and "CSRF" not in html
    assert "An hour of &lt;b&gt;writing&lt;/b&gt;." in html and "<b>writing" not in html  # kept, escaped
    assert [v for v, _, _ in versions(service, doc_id)] == [1]

    log_in(editor, service.user_ids["editor"])  # signed in again in another tab; back here, "Save again"
    form = kept_form(html)
    assert form.action == edit_url and form.fields["body"] == draft["body"] and form.fields["base_version"] == "1"
    assert "csrf_token" in form.fields and form.fields["csrf_token"] != token
    saved = editor.post(form.action, data=form.fields, headers=SAME_SITE)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert versions(service, doc_id)[-1][1:] == ("editor@example.com", "An hour of <b>writing</b>.")


def test_a_faq_saved_after_being_signed_out_everywhere_keeps_the_text(service: ArticleService) -> None:
    """Signed out from another browser: the CSRF token still checks, the sign-in does not. The login page's
    redirect dropped the entry; the page that says so keeps it (401) and saves nothing."""
    editor = service.client("editor")
    token = csrf(editor)
    with service.app.app_context():
        revoke_login_sessions(service.user_ids["editor"])
    faq = {"kind": "faq", "title": "Can I pay in instalments?", "body": "Yes, in **three** instalments."}
    faq |= {"audience": "public", "community": "", "review_by": "", "tags": "", "owner": ""}
    refused = editor.post("/editor/articles/new?kind=faq", data={"csrf_token": token, **faq}, headers=SAME_SITE)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 401 and "Location" not in refused.headers
    assert "Your session expired" in html and "Yes, in **three** instalments." in html
    assert kept_form(html).fields["kind"] == "faq" and kept_form(html).action == "/editor/articles/new?kind=faq"
    assert not listed_ids(service.client("editor").get("/editor/articles/?q=instalments").get_data(as_text=True))


def test_a_forged_cross_site_post_gets_no_ready_made_form(service: ArticleService) -> None:
    """The kept text goes back in a form with a fresh token: offered only to a POST from this site's own page, or
    a forged one would hand the victim a "Save again" button holding the forger's text."""
    editor = service.client("editor")
    forged = {"title": "Forged", "body": "Send refunds to evil.example", "audience": "public", "community": ""}
    for headers in ({"Origin": "https://evil.example"}, {}):
        response = editor.post("/editor/articles/new", data=forged, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and "evil.example" not in html and "Save again" not in html


# -- the Markdown preview ----------------------------------------------------------------------------------------
def test_the_preview_renders_markdown_and_escapes_html(service: ArticleService) -> None:
    editor = service.client("viewer")
    headers = {"X-CSRFToken": csrf(editor), "Accept": "application/json"}
    text = "# Title\n\n<script>alert(1)</script> **bold** [x](javascript:alert(1))"
    response = editor.post("/editor/articles/preview", json={"text": text}, headers=headers)
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html and 'href="javascript' not in html

    assert_error(editor.post("/editor/articles/preview", json={"text": 3}, headers=headers), 400, "bad_request")
    too_long = {"text": "a" * 100_001}
    assert_error(editor.post("/editor/articles/preview", json=too_long, headers=headers), 413, "text_too_long")
    no_csrf = {"Accept": "application/json"}
    assert_error(editor.post("/editor/articles/preview", json={"text": "x"}, headers=no_csrf), 400, "csrf_failed")
    employee = service.client("employee")
    employee_headers = {"X-CSRFToken": csrf(employee), "Accept": "application/json"}
    assert_error(
        employee.post("/editor/articles/preview", json={"text": "x"}, headers=employee_headers), 403, "forbidden"
    )


def test_long_chinese_articles_fit_the_form_limit(service: ArticleService) -> None:
    """A long Chinese article is far over the chat API's 64 KiB once URL-encoded; the editor forms take it."""
    editor = service.client("editor")
    body = "退款规则说明。" * 3000  # 21,000 characters, about 190 KB URL-encoded
    doc_id = created_id(write_article(editor, title="退款规则全文", body=body))
    assert versions(service, doc_id)[-1][2] == body


# -- edit suggestions --------------------------------------------------------------------------------------------
SUGGESTIONS = "/api/v1/documents/{}/suggestions"


def test_employees_suggest_edits_and_editors_decide(service: ArticleService) -> None:
    client = service.client()
    employee = bearer(service.tokens["employee"])
    url = SUGGESTIONS.format(INTERNAL_DOC)
    created = client.post(url, json={"text": "The tier 2 limit is now 600 EUR."}, headers=employee)
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert set(body) == {"id", "document_id", "text", "status", "author", "created_at"}
    assert body["document_id"] == INTERNAL_DOC and body["status"] == "open" and body["author"] == "employee@example.com"
    again = client.post(url, json={"text": "The tier 2 limit is now 600 EUR."}, headers=employee)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]

    listed = client.get(url, headers=bearer(service.tokens["viewer"])).get_json()
    assert [s["id"] for s in listed] == [body["id"]]
    assert client.get(url + "?status=declined", headers=bearer(service.tokens["editor"])).get_json() == []

    editor = service.client("editor")
    page = editor.get(f"/editor/articles/{INTERNAL_DOC}").get_data(as_text=True)
    assert "The tier 2 limit is now 600 EUR." in page and "Mark applied" in page
    decided = post_form(editor, f"/editor/articles/{INTERNAL_DOC}/suggestions/{body['id']}", action="decline")
    assert decided.status_code == 302
    declined = client.get(url + "?status=declined", headers=bearer(service.tokens["admin"])).get_json()
    assert [s["id"] for s in declined] == [body["id"]]
    assert "The tier 2 limit is now 600 EUR." not in editor.get(f"/editor/articles/{INTERNAL_DOC}").get_data(
        as_text=True
    )


def test_a_suggestion_applied_through_an_edit(service: ArticleService) -> None:
    editor = service.client("editor")
    doc_id = created_id(write_article(editor, title="Office hours", body="We are open 9 to 5."))
    sent = service.client().post(
        SUGGESTIONS.format(doc_id), json={"text": "We open at 8 now."}, headers=bearer(service.tokens["employee"])
    )
    suggestion_id = sent.get_json()["id"]
    edit_url = f"/editor/articles/{doc_id}/edit?suggestion={suggestion_id}"
    assert "We open at 8 now." in editor.get(edit_url).get_data(as_text=True)
    saved = write_article(editor, edit_url, title="Office hours", body="We are open 8 to 5.", base_version=1)
    assert saved.status_code == 302
    with service.app.app_context():
        suggestion = db.session.get(EditSuggestion, suggestion_id)
        assert suggestion is not None and suggestion.status == "applied"
        assert suggestion.decided_by_id == service.user_ids["editor"] and suggestion.decided_at is not None


def test_a_suggestion_decided_meanwhile_is_a_409_saying_who_decided_how(service: ArticleService) -> None:
    """Two editors with the article open: the second click was a redirect answered 200 ("already declined")."""
    sent = service.client().post(
        SUGGESTIONS.format(INTERNAL_DOC), json={"text": "Tier 3 is gone."}, headers=bearer(service.tokens["employee"])
    )
    suggestion_id = sent.get_json()["id"]
    url = f"/editor/articles/{INTERNAL_DOC}/suggestions/{suggestion_id}"
    first, second = service.client("editor"), service.client("admin")
    assert "Tier 3 is gone." in second.get(f"/editor/articles/{INTERNAL_DOC}").get_data(as_text=True)
    assert post_form(first, url, action="decline").status_code == 302

    late = post_form(second, url, action="apply")
    html = late.get_data(as_text=True)
    assert late.status_code == 409, html
    assert re.search(r"editor@example\.com already declined this suggestion at \d{4}-\d\d-\d\d \d\d:\d\d UTC", html)
    assert "<h2>Edit suggestions</h2>" in html  # the article's page, not an error page
    with service.app.app_context():
        suggestion = db.session.get(EditSuggestion, suggestion_id)
        assert suggestion is not None and suggestion.status == "declined"
        assert suggestion.decided_by_id == service.user_ids["editor"]


def test_suggestion_api_errors_and_roles(service: ArticleService) -> None:
    client = service.client()
    employee = bearer(service.tokens["employee"])
    url = SUGGESTIONS.format("billing/plans.md")
    widget = {"X-Site-Key": service.site_key, "X-Session-Id": WIDGET_SESSION}
    assert_error(client.post(url, json={"text": "x"}, headers=widget), 401, "unauthorized")
    assert_error(client.post(url, json={"text": "x"}), 401, "unauthorized")
    assert_error(client.post(url, json={"text": " "}, headers=employee), 400, "bad_request")
    assert_error(client.post(url, json={"text": "x" * 4001}, headers=employee), 400, "bad_request")
    assert_error(client.post(url, data="text", headers=employee), 400, "bad_json")
    missing = SUGGESTIONS.format("no/such.md")
    assert_error(client.post(missing, json={"text": "x"}, headers=employee), 404, "document_not_found")
    assert_error(client.get(url, headers=employee), 403, "forbidden")
    assert_error(client.get(url + "?status=maybe", headers=bearer(service.tokens["viewer"])), 400, "bad_request")
    # Ids of FAQ entries hold a '#': URL-encoded, they work.
    entry = client.post(SUGGESTIONS.format(quote(FOLDER_FAQ)), json={"text": "Mention SEPA."}, headers=employee)
    assert entry.status_code == 201 and entry.get_json()["document_id"] == FOLDER_FAQ
    page = service.client("viewer").get(f"/editor/articles/{quote(FOLDER_FAQ)}").get_data(as_text=True)
    assert "Mention SEPA." in page and "an FAQ entry of that file" in page and FAQ_ANSWER in page

    # The help page's session caller proves itself with the X-CSRFToken header.
    session = service.client("employee")
    assert_error(session.post(url, json={"text": "Plus is 13 EUR now."}), 400, "csrf_failed")
    sent = session.post(url, json={"text": "Plus is 13 EUR now."}, headers={"X-CSRFToken": csrf(session)})
    assert sent.status_code == 201


def test_suggestions_on_deleted_documents_are_refused(service: ArticleService) -> None:
    editor = service.client("editor")
    doc_id = created_id(write_article(editor, title="Retired page", body="Soon gone."))
    with service.app.app_context():
        build_pipeline(get_runtime(service.app), db.session()).delete_documents([doc_id])
    response = service.client().post(
        SUGGESTIONS.format(doc_id), json={"text": "x"}, headers=bearer(service.tokens["employee"])
    )
    assert_error(response, 404, "document_not_found")


def test_the_help_page_offers_suggest_an_edit(service: ArticleService) -> None:
    html = service.client("employee").get("/help").get_data(as_text=True)
    assert 'id="suggest-edit"' in html and re.search(r'<meta name="csrf-token" content="[^"]{20,}">', html)


# -- in a real browser: the preview (editor.js) and "Suggest an edit" (help.js) -----------------------------------


@pytest.fixture(scope="module")
def served(service: ArticleService) -> Iterator[str]:
    """The module's app on a local port (threaded, as gunicorn's threads would serve it)."""
    server = make_server("127.0.0.1", 0, service.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    with playwright_sync_api().sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def browser_page(browser: Any, base_url: str, email: str) -> Any:
    """A page logged in through the real login form; uncaught script errors fail the test."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.script_errors = errors
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


@pytest.mark.browser
def test_the_markdown_preview_in_a_browser(service: ArticleService, served: str, browser: Any) -> None:
    page = browser_page(browser, served, "editor@example.com")
    page.goto(f"{served}/editor/articles/new")
    page.fill("input[name=title]", "Browser written article")
    page.fill("textarea[name=body]", "## Steps\n\n**Open** Settings. <script>window.injected = 1</script>")
    preview = page.locator("#markdown-preview")
    preview.locator("h2").wait_for(timeout=10_000)
    assert preview.locator("strong").inner_text() == "Open"
    assert "<script>window.injected = 1</script>" in preview.inner_text()  # shown as text
    assert preview.locator("script").count() == 0 and page.evaluate("window.injected") is None
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "editor-article-new.png"), full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{served}/editor/articles/browser-written-article")  # its slug, not its id again
    assert page.locator(".flash.success").inner_text().startswith("Saved version 1")
    page.screenshot(path=str(ARTIFACTS / "editor-article.png"), full_page=True)
    page.get_by_role("link", name="Edit", exact=True).click()
    page.fill("textarea[name=body]", "## Steps\n\n**Open** Settings, then Billing.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{served}/editor/articles/browser-written-article")
    page.get_by_role("button", name="Show diff").click()
    page.locator("pre.diff .add").first.wait_for()
    assert page.locator("pre.diff .add").inner_text() == "+**Open** Settings, then Billing."
    page.screenshot(path=str(ARTIFACTS / "editor-article-diff.png"), full_page=True)
    page.goto(f"{served}/editor/articles/")
    page.screenshot(path=str(ARTIFACTS / "editor-articles.png"), full_page=True)
    assert page.script_errors == []


@pytest.mark.browser
def test_suggest_an_edit_from_the_help_page(service: ArticleService, served: str, browser: Any) -> None:
    page = browser_page(browser, served, "employee@example.com")
    page.goto(f"{served}/help")
    page.get_by_role("textbox", name="Your question").fill("How do I reset my password?")
    page.keyboard.press("Enter")
    source = page.locator("answerdesk-widget .refs.sources li").filter(has_text="Reset your password")
    source.first.wait_for(timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "help-sources.png"))
    source.first.get_by_role("button", name="Suggest an edit to Reset your password").click()
    dialog = page.locator("#suggest-edit")
    assert dialog.locator(".doc").inner_text() == "Reset your password"
    dialog.locator("textarea").fill("The reset link is valid for 48 hours now.")
    page.screenshot(path=str(ARTIFACTS / "help-suggest-edit.png"))
    dialog.get_by_role("button", name="Send suggestion").click()
    dialog.get_by_text("Thank you").wait_for(timeout=10_000)
    with service.app.app_context():
        texts = db.session.scalars(
            select(EditSuggestion.text).where(EditSuggestion.document_id == "account/password.md")
        ).all()
    assert "The reset link is valid for 48 hours now." in texts
    assert page.script_errors == []


def titles_to_ids(folder: str) -> dict[str, str]:
    """Title -> id of the documents synced from a folder named ``folder`` (inside an app context)."""
    rows = db.session.scalars(select(Document).where(Document.source_root.like(f"%{folder}")))
    return {row.title: row.id for row in rows}


def test_re_reading_one_public_row_leaves_the_internal_rows_internal(service: ArticleService, tmp_path: Path) -> None:
    # An FAQ file ingested as internal, with one row made public in the file itself. Re-reading that row used to
    # apply its audience to every row without one of its own: internal answers on the public widget.
    root = tmp_path / "staff-faq"
    root.mkdir()
    rows = "question,answer,audience\nWhere is the staff wiki?,On the intranet.,\nDo you ship abroad?,Yes.,public\n"
    (root / "mixed.csv").write_text(rows, encoding="utf-8")
    with service.app.app_context():
        build_pipeline(get_runtime(service.app), db.session()).sync_path(root, audience="internal")
        ids = {
            row.title: row.id
            for row in db.session.scalars(select(Document).where(Document.source_root.like("%staff-faq")))
        }
    public_id, internal_id = ids["Do you ship abroad?"], ids["Where is the staff wiki?"]
    assert (document(service, public_id).audience, document(service, internal_id).audience) == ("public", "internal")
    editor = service.client("editor")
    assert post_form(editor, f"/editor/articles/{quote(public_id)}/reread").status_code == 302
    assert document(service, internal_id).audience == "internal"
    assert document(service, public_id).audience == "public"


def test_re_reading_refuses_a_file_with_entries_of_another_community(service: ArticleService, tmp_path: Path) -> None:
    root = tmp_path / "shared-faq"
    root.mkdir()
    rows = (
        "question,answer,community\n"
        "How do refunds work?,Within 30 days.,billing\n"
        "How do I reset 2FA?,Ask IT.,security\n"
    )
    (root / "shared.csv").write_text(rows, encoding="utf-8")
    with service.app.app_context():
        build_pipeline(get_runtime(service.app), db.session()).sync_path(root)
        ids = {
            row.title: row.id
            for row in db.session.scalars(select(Document).where(Document.source_root.like("%shared-faq")))
        }
    billing = service.client("billing_editor")
    assert post_form(billing, f"/editor/articles/{quote(ids['How do refunds work?'])}/reread").status_code == 302
    assert any("security" in m and "do not write for" in m for m in flashes(billing))
