"""The widget script, the demo page and the employee help page, with Flask's test client (no browser)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.sessions import log_in
from web.access.accounts import create_user
from web.db.models import Conversation, Message, User, db
from web.pages.help import past_conversations

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
SCRIPTS = [STATIC / "widget.js", STATIC / "help.js"]


# -- /widget.js ---------------------------------------------------------------------------------------------------
def test_widget_js_is_served_as_javascript_with_caching_headers(app) -> None:
    client = app.test_client()
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.mimetype_params.get("charset") == "utf-8"  # the file has Chinese strings
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.cache_control.public and response.cache_control.max_age == 300
    assert response.get_data() == (STATIC / "widget.js").read_bytes()
    etag = response.headers["ETag"]
    assert client.get("/widget.js", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_never_parse_html(script: Path) -> None:
    """Document and user text must only reach the page as text: no HTML-parsing DOM API anywhere in the file."""
    source = script.read_text(encoding="utf-8")
    forbidden = r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|srcdoc"
    found = [
        f"{script.name}:{number}: {line.strip()}"
        for number, line in enumerate(source.splitlines(), 1)
        if re.search(forbidden, line)
    ]
    assert not found, "HTML-parsing APIs in a script that renders document text:\n" + "\n".join(found)
    assert not re.search(r"\beval\s*\(|new\s+Function\s*\(", source)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node for `node --check`")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_are_valid_javascript(script: Path) -> None:
    result = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# -- the demo page at / -------------------------------------------------------------------------------------------
def test_demo_page_embeds_the_demo_site_key(app) -> None:
    app.config["ANSWERDESK_DEMO_SITE_KEY"] = "site_demo123"
    html = app.test_client().get("/").get_data(as_text=True)
    assert re.search(r'<script src="/widget.js" data-site-key="site_demo123"[^>]*\bdefer>', html)
    assert "Lumo" in html and "€12" in html and "€29" in html  # the pricing teaser matches the help centre
    assert "not configured" not in html


def test_demo_page_escapes_the_site_key(app) -> None:
    app.config["ANSWERDESK_DEMO_SITE_KEY"] = 'k"><script>alert(1)</script>'
    html = app.test_client().get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert 'data-site-key="k&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_demo_page_without_a_site_key_explains_how_to_create_one(app) -> None:
    app.config["ANSWERDESK_DEMO_SITE_KEY"] = None
    response = app.test_client().get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "answerdesk sites create" in html
    assert "data-site-key=" not in html.split("<footer>")[1]  # no widget tag without a key


def test_demo_page_language_switch(app) -> None:
    app.config["ANSWERDESK_DEMO_SITE_KEY"] = "site_demo123"
    client = app.test_client()
    assert 'data-lang="zh"' in client.get("/?lang=zh").get_data(as_text=True)
    assert "data-lang=" not in client.get("/?lang=xx").get_data(as_text=True)  # only known languages


# -- the help page at /help ---------------------------------------------------------------------------------------
def test_help_page_redirects_to_login_when_logged_out(app) -> None:
    response = app.test_client().get("/help")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "next=/help" in response.headers["Location"]


def _conversation(user: User | None, questions: list[str], updated: datetime, cid: str) -> Conversation:
    conversation = Conversation(
        id=cid, audience="internal", user_id=user.id if user else None, created_at=updated, updated_at=updated
    )
    db.session.add(conversation)
    for offset, question in enumerate(questions):
        db.session.add(
            Message(
                conversation_id=cid,
                question=question,
                answer="an answer",
                audience="internal",
                created_at=updated + timedelta(seconds=offset),
            )
        )
    db.session.commit()
    return conversation


@pytest.fixture
def employees(app) -> tuple[User, User]:
    me = create_user("me@example.com", "correct horse", "employee")
    other = create_user("other@example.com", "correct horse", "employee")
    now = datetime(2026, 5, 1, 12, 0)
    _conversation(me, ["Old question <b>bold</b>?", "A follow-up"], now - timedelta(days=2), "c-old")
    _conversation(me, ["Newest question"], now, "c-new")
    _conversation(me, [], now + timedelta(days=1), "c-empty")  # e.g. a hand-off without questions: not listed
    _conversation(other, ["Someone else's secret question"], now, "c-other")
    return me, other


def test_past_conversations_are_the_employees_own_newest_first(employees) -> None:
    me, _ = employees
    rows = past_conversations(me.id)
    assert [r.id for r in rows] == ["c-new", "c-old"]
    assert rows[1].first_question == "Old question <b>bold</b>?" and rows[1].turns == 2
    assert past_conversations(me.id, limit=1)[0].id == "c-new"


def _logged_in_client(app, user: User):
    client = app.test_client()
    log_in(client, user)
    return client


def test_help_page_shows_the_inline_widget_and_own_conversations(app, employees) -> None:
    me, _ = employees
    html = _logged_in_client(app, me).get("/help").get_data(as_text=True)
    assert '<answerdesk-widget mode="inline"' in html
    assert re.search(r'csrf-token="[^"]{20,}"', html)
    assert "data-site-key" not in html  # employees are the session, not a site
    assert "Newest question" in html
    assert "Old question &lt;b&gt;bold&lt;/b&gt;?" in html  # escaped, not rendered
    assert "secret question" not in html
    assert " conversation-id=" not in html  # (the list links carry data-conversation-id)


def test_help_page_opens_only_own_conversations(app, employees) -> None:
    me, _ = employees
    client = _logged_in_client(app, me)
    assert 'conversation-id="c-old"' in client.get("/help?c=c-old").get_data(as_text=True)
    assert " conversation-id=" not in client.get("/help?c=c-other").get_data(as_text=True)
