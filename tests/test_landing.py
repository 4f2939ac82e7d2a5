"""Where each role lands after signing in, and the links that take a signed-in user to their tools: the help page's
header and the error page (real SQLite, CSRF on, the real login form)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.test_api import login, make_app
from web.access.accounts import create_user

PASSWORD = "correct horse"
ROLES = ("employee", "agent", "viewer", "editor", "admin")
# The page each role works in: agents answer hand-offs, the knowledge team triages gaps, everyone else asks.
LANDING = {
    "employee": "/help",
    "agent": "/editor/inbox/",
    "viewer": "/editor/",
    "editor": "/editor/",
    "admin": "/editor/",
}
# The links of the help page's header, besides the page itself.
HELP_PAGE_TOOLS = {
    "employee": [],
    "agent": [("/editor/inbox/", "Inbox")],
    "viewer": [("/editor/", "Dashboard"), ("/editor/inbox/", "Inbox")],
    "editor": [("/editor/", "Dashboard"), ("/editor/inbox/", "Inbox")],
    "admin": [("/editor/", "Dashboard"), ("/editor/inbox/", "Inbox")],
}


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """Overrides conftest's: no app context stays pushed around the requests (as in production)."""
    application = make_app(tmp_path / "var")
    with application.app_context():
        for role in ROLES:
            create_user(f"{role}@example.com", PASSWORD, role)
    return application


def signed_in(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, f"{role}@example.com", PASSWORD).status_code == 302
    return client


def tools_of(html: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="tools"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(1)) if nav else []


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_where_its_work_is(app: Flask, role: str) -> None:
    response = login(app.test_client(), f"{role}@example.com", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == LANDING[role]


@pytest.mark.parametrize("role", ("agent", "editor"))
def test_a_safe_next_wins_and_an_unsafe_one_lands_as_without(app: Flask, role: str) -> None:
    asked = login(app.test_client(), f"{role}@example.com", PASSWORD, next_url="/help?c=abc")
    assert asked.headers["Location"] == "/help?c=abc"
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = login(app.test_client(), f"{role}@example.com", PASSWORD, next_url=target)
        assert response.status_code == 302 and response.headers["Location"] == LANDING[role], target


@pytest.mark.parametrize("role", ROLES)
def test_the_help_page_links_to_the_tools_of_the_user(app: Flask, role: str) -> None:
    page = signed_in(app, role).get("/help")
    assert page.status_code == 200
    assert tools_of(page.get_data(as_text=True)) == HELP_PAGE_TOOLS[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_landing_page_opens_for_its_role(app: Flask, role: str) -> None:
    assert signed_in(app, role).get(LANDING[role]).status_code == 200


def test_a_refused_page_names_where_the_user_may_go(app: Flask) -> None:
    agent = signed_in(app, "agent").get("/editor/")
    assert agent.status_code == 403
    html = agent.get_data(as_text=True)
    assert "This needs the role editor or viewer." in html
    assert "Signed in as agent@example.com (agent)." in html
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', html) == [("/editor/inbox/", "Inbox"), ("/help", "Help")]

    employee = signed_in(app, "employee").get("/editor/analytics").get_data(as_text=True)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', employee) == [("/help", "Help")]

    anonymous = app.test_client().get("/no-such-page")  # nobody signed in: the site's home, as before
    assert anonymous.status_code == 404 and '<a href="/">Home</a>' in anonymous.get_data(as_text=True)


def test_the_editor_area_links_back_to_the_help_page(app: Flask) -> None:
    for role in ("agent", "editor"):
        html = signed_in(app, role).get(LANDING[role]).get_data(as_text=True)
        assert '<a href="/help">Help</a>' in html, role
