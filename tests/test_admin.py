"""The community manager's page: accounts, roles, communities and sites from the browser (real SQLite, CSRF on)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.sessions import log_in
from web.access.accounts import create_user, find_user_by_email
from web.db.models import Site, User, db


def logged_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    log_in(client, user)
    return client


def csrf_token(client: FlaskClient) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/editor/admin/").get_data(as_text=True))
    assert match, "the admin page carries a CSRF token"
    return match.group(1)


@pytest.fixture
def admin(app: Flask) -> User:
    return create_user("boss@example.com", "correct horse", "admin")


@pytest.mark.parametrize("role", ["employee", "viewer", "editor"])
def test_only_admins_see_the_page(app: Flask, role: str) -> None:
    user = create_user(f"{role}@example.com", "correct horse", role)
    assert logged_in(app, user).get("/editor/admin/").status_code == 403


def test_anonymous_visitors_go_to_the_login_page(app: Flask) -> None:
    response = app.test_client().get("/editor/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_creates_and_scopes_an_editor(app: Flask, admin: User) -> None:
    client = logged_in(app, admin)
    token = csrf_token(client)
    created = client.post(
        "/editor/admin/users",
        data={
            "csrf_token": token,
            "email": "ed@example.com",
            "role": "editor",
            "communities": "billing, mobile,billing",
            "password": "long-enough",
        },
        follow_redirects=True,
    )
    assert "Created ed@example.com (editor)." in created.get_data(as_text=True)
    editor = find_user_by_email("ed@example.com")
    assert editor is not None and editor.communities == ["billing", "mobile"]

    client.post(f"/editor/admin/users/{editor.id}", data={"csrf_token": token, "role": "viewer", "communities": ""})
    db.session.refresh(editor)
    assert (editor.role, editor.communities) == ("viewer", [])

    too_short = client.post(
        "/editor/admin/users",
        data={"csrf_token": token, "email": "x@example.com", "role": "editor", "password": "short"},
        follow_redirects=True,
    )
    assert "at least 8 characters" in too_short.get_data(as_text=True) and find_user_by_email("x@example.com") is None


def test_the_last_admin_cannot_demote_themselves(app: Flask, admin: User) -> None:
    client = logged_in(app, admin)
    page = client.post(
        f"/editor/admin/users/{admin.id}",
        data={"csrf_token": csrf_token(client), "role": "editor", "communities": ""},
        follow_redirects=True,
    )
    assert "last admin" in page.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_sites_with_checked_origins(app: Flask, admin: User) -> None:
    client = logged_in(app, admin)
    token = csrf_token(client)
    client.post(
        "/editor/admin/sites",
        data={"csrf_token": token, "name": "shop", "origins": "https://Shop.example/ http://localhost:8080"},
    )
    site = db.session.query(Site).filter_by(name="shop").one()
    assert site.origins == ["https://shop.example", "http://localhost:8080"]
    assert site.key in client.get("/editor/admin/").get_data(as_text=True)

    bad = client.post(
        f"/editor/admin/sites/{site.id}",
        data={"csrf_token": token, "origins": "https://shop.example/path"},
        follow_redirects=True,
    )
    assert "is not an origin" in bad.get_data(as_text=True)
    db.session.refresh(site)
    assert site.origins == ["https://shop.example", "http://localhost:8080"]  # unchanged


def test_forms_need_the_csrf_token(app: Flask, admin: User) -> None:
    response = logged_in(app, admin).post(
        "/editor/admin/users", data={"email": "x@example.com", "role": "admin", "password": "long-enough"}
    )
    assert response.status_code == 400
    assert find_user_by_email("x@example.com") is None


def test_account_names_are_escaped(app: Flask, admin: User) -> None:
    create_user('"><script>alert(1)</script>@example.com', "correct horse", "employee")
    html = logged_in(app, admin).get("/editor/admin/").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
