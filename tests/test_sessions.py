"""Sign-ins that can be revoked: a copy of a session cookie stops working once its sign-in ends (real SQLite, CSRF
on, the real login form). Requests run outside any app context, as in production: inside one, Flask-Login would
reuse the previous request's user."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from tests.test_api import assert_error, bearer, csrf_token_of, login, make_app
from web.access.accounts import create_api_token, create_user
from web.cli import cli
from web.db.models import AuditEntry, LoginSession, User, db, utcnow

PASSWORD = "correct horse"
COOKIE = "session"  # Flask's session cookie


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """Overrides conftest's: no app context stays pushed around the requests."""
    application = make_app(tmp_path / "var")
    with application.app_context():
        create_user("ed@example.com", PASSWORD, "editor")
        create_user("boss@example.com", PASSWORD, "admin")
    return application


def signed_in(app: Flask, email: str = "ed@example.com") -> FlaskClient:
    client = app.test_client()
    response = login(client, email, PASSWORD, next_url="/editor/")
    assert response.status_code == 302 and response.headers["Location"] == "/editor/"
    return client


def cookie_of(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "signed in, so there is a session cookie"
    return cookie.value


def replay(app: Flask, cookie: str) -> FlaskClient:
    """Another browser holding a copy of ``cookie``."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie)
    return client


def is_signed_in(client: FlaskClient) -> bool:
    page = client.get("/editor/")
    if page.status_code == 302:
        assert page.headers["Location"].startswith("/login?next=/editor/")
        api = client.get("/api/v1/gaps")  # the JSON API with the same cookie: 401, never a page
        assert_error(api, 401, "unauthorized")
        return False
    assert page.status_code == 200 and client.get("/api/v1/gaps").status_code == 200
    return True


def log_out(client: FlaskClient, **form: str) -> Any:
    token = csrf_token_of(client.get("/editor/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token, **form})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    return response


def sessions_of(app: Flask, email: str) -> int:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        return int(db.session.scalar(select(func.count()).where(LoginSession.user_id == user.id)) or 0)


# -- logout ------------------------------------------------------------------------------------------------------
def test_a_cookie_copied_before_logout_is_refused_after_it(app: Flask) -> None:
    browser = signed_in(app)
    copied = cookie_of(browser)
    assert is_signed_in(replay(app, copied))  # the copy works while the sign-in lasts
    log_out(browser)
    assert not is_signed_in(browser)
    assert not is_signed_in(replay(app, copied))  # HTML: to the login page; API: 401
    assert sessions_of(app, "ed@example.com") == 0


def test_logout_signs_out_this_browser_only(app: Flask) -> None:
    laptop, phone = signed_in(app), signed_in(app)
    log_out(laptop)
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)


def test_sign_out_everywhere_ends_every_sign_in_but_not_api_tokens(app: Flask) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ed@example.com"))
        assert user is not None
        token = create_api_token(user)
    laptop, phone = signed_in(app), signed_in(app)
    copied = cookie_of(phone)
    other = signed_in(app, "boss@example.com")
    log_out(laptop, everywhere="1")
    assert not is_signed_in(laptop) and not is_signed_in(phone) and not is_signed_in(replay(app, copied))
    assert is_signed_in(other)  # someone else's sign-in is theirs
    assert app.test_client().get("/api/v1/gaps", headers=bearer(token)).status_code == 200


def test_the_pages_offer_sign_out_everywhere(app: Flask) -> None:
    with app.app_context():
        create_user("emp@example.com", PASSWORD, "employee")
    for email, page in (("ed@example.com", "/editor/"), ("emp@example.com", "/help")):
        client = app.test_client()
        login(client, email, PASSWORD)
        html = client.get(page).get_data(as_text=True)
        assert 'action="/logout"' in html and 'name="everywhere" value="1"' in html, page


# -- administrators ----------------------------------------------------------------------------------------------
def admin_post(admin: FlaskClient, url: str, **form: str) -> str:
    token = csrf_token_of(admin.get("/editor/admin/").get_data(as_text=True))
    response = admin.post(url, data={"csrf_token": token, **form}, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user.id


def test_a_new_role_signs_the_user_out_everywhere(app: Flask) -> None:
    editor, admin = signed_in(app), signed_in(app, "boss@example.com")
    ed = user_id(app, "ed@example.com")
    admin_post(admin, f"/editor/admin/users/{ed}", role="editor", communities="billing")
    assert is_signed_in(editor)  # communities only: the sign-in stays
    html = admin_post(admin, f"/editor/admin/users/{ed}", role="viewer", communities="")
    assert "signed out everywhere" in html
    assert not is_signed_in(editor)
    assert is_signed_in(admin)


def test_an_admin_signs_someone_out_everywhere(app: Flask) -> None:
    editor, admin = signed_in(app), signed_in(app, "boss@example.com")
    html = admin_post(admin, f"/editor/admin/users/{user_id(app, 'ed@example.com')}/sign-out")
    assert "Signed ed@example.com out everywhere (1 sign-in ended)" in html
    assert not is_signed_in(editor) and is_signed_in(admin)
    token = csrf_token_of(admin.get("/editor/admin/").get_data(as_text=True))
    unknown = admin.post("/editor/admin/users/999/sign-out", data={"csrf_token": token})
    assert unknown.status_code == 404 and "There is no account #999" in unknown.get_data(as_text=True)


def test_the_command_line_signs_out_and_a_new_role_does_too(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = signed_in(app)
    result = runner.invoke(cli, ["users", "sign-out", "ed@example.com"])
    assert result.exit_code == 0 and "signed ed@example.com out everywhere (1 sign-in ended)" in result.output
    assert not is_signed_in(first)
    second = signed_in(app)
    assert runner.invoke(cli, ["users", "update", "ed@example.com", "--community", "billing"]).exit_code == 0
    assert is_signed_in(second)
    assert runner.invoke(cli, ["users", "update", "ed@example.com", "--role", "viewer"]).exit_code == 0
    assert not is_signed_in(second)
    assert runner.invoke(cli, ["users", "sign-out", "nobody@example.com"]).exit_code == 1


# -- the login page ----------------------------------------------------------------------------------------------
def test_the_login_page_speaks_to_people_and_says_what_to_do_about_a_forgotten_password(app: Flask) -> None:
    """It told editors and agents that "Accounts are created by an administrator with `answerdesk users create`",
    and nothing about a forgotten password (a browser check): the commands are for admins, in the docs."""
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Forgot your password?" in page and "Ask your answerdesk administrator to set a new one" in page
    assert "answerdesk users" not in page and "<code>" not in page


def test_an_admin_sets_a_new_password_and_the_old_sign_ins_end(app: Flask) -> None:
    before = signed_in(app)
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["users", "set-password", "ed@example.com"], input="a brand new password\n")
    assert result.exit_code == 0, result.output
    assert "new password set for ed@example.com; signed out everywhere (1 sign-in ended)" in result.output
    assert not is_signed_in(before)
    assert login(app.test_client(), "ed@example.com", PASSWORD).status_code == 401
    assert login(app.test_client(), "ed@example.com", "a brand new password").status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password"))
        assert entry is not None and entry.target == "user:ed@example.com" and entry.detail == {"ended": 1}
    assert runner.invoke(cli, ["users", "set-password", "ed@example.com"], input="short\n").exit_code == 1
    assert runner.invoke(cli, ["users", "set-password", "nobody@example.com"], input="long enough\n").exit_code == 1


def test_a_login_form_that_outlived_its_session_asks_to_sign_in_again(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    with client.session_transaction() as session:
        session.clear()  # the session the token was made for is gone (signed out in another tab)
    response = client.post("/login", data={"email": "ed@example.com", "password": PASSWORD, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "CSRF" not in html
    assert "The sign-in page had expired. Please enter your email and password again." in html
    assert login(client, "ed@example.com", PASSWORD).status_code == 302  # the page shown signs in


# -- what a cookie must not do -----------------------------------------------------------------------------------
def test_a_cookie_naming_a_user_id_signs_nobody_in(app: Flask) -> None:
    """What every cookie held before login sessions (and what anyone holding the secret key could write)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id(app, "ed@example.com"))
        session["_fresh"] = True
    assert not is_signed_in(client)


def test_a_sign_in_expires_after_the_session_lifetime(app: Flask) -> None:
    browser = signed_in(app)
    with app.app_context():
        old = utcnow() - app.permanent_session_lifetime - timedelta(minutes=1)
        db.session.execute(update(LoginSession).values(created_at=old))
        db.session.commit()
    assert not is_signed_in(browser)
    signed_in(app, "boss@example.com")  # any sign-in clears the expired rows
    assert sessions_of(app, "ed@example.com") == 0


# -- cookie flags ------------------------------------------------------------------------------------------------
def login_cookie_header(app: Flask) -> str:
    client = app.test_client()
    response = login(client, "ed@example.com", PASSWORD)
    assert response.status_code == 302
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}=")]
    return header


def test_cookies_are_secure_only_when_configured(tmp_path: Path) -> None:
    for secure in (False, True):
        app = make_app(tmp_path / f"var-{secure}", secure_cookies=secure)
        with app.app_context():
            create_user("ed@example.com", PASSWORD, "editor")
        attributes = {part.strip().split("=")[0].lower(): part for part in login_cookie_header(app).split(";")}
        assert "httponly" in attributes and attributes["samesite"].strip() == "SameSite=Lax"
        assert ("secure" in attributes) is secure
        assert app.config["REMEMBER_COOKIE_SECURE"] is secure
