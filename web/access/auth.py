"""Employee sessions (Flask-Login), CSRF (Flask-WTF), password checks and the one role check.

The login and logout pages that use them are in web/editor/login.py; the sign-ins behind the session cookie, and
how they are revoked, in web/access/sessions.py.

Roles: employee (help page, internal answers), viewer (may also look at the editor area), editor (may also work
in it), admin (everything). ``require_role`` is the one check; admin passes every role check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, g, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from web.access.accounts import find_user_by_email
from web.access.permissions import has_role
from web.access.sessions import load_session_user
from web.db.models import User
from web.http.errors import ApiError, is_api_request
from web.http.expired import expired_form_page, is_form_post

login_manager = LoginManager()
login_manager.login_view = "auth.login"
# The cookie holds the token of a revocable login session, not the user id (web/access/sessions.py).
login_manager.id_attribute = "get_login_token"
csrf = CSRFProtect()

F = TypeVar("F", bound=Callable[..., Any])

# Checked when the email is unknown, so that a wrong email takes as long as a wrong password: response times
# must not tell which emails have accounts.
_DUMMY_HASH = generate_password_hash("answerdesk-dummy-password")


def _load_user(login_token: str) -> User | None:
    # A cookie from before login sessions existed holds a user id: it finds no session, so it is signed out.
    return load_session_user(login_token)


def _unauthorized() -> Response:
    if is_api_request():
        raise ApiError(401, "unauthorized", "Log in first, or send an API token.")
    if is_form_post():
        # Signed out while the form was open: a redirect to the login page would lose what they typed.
        return expired_form_page(401)
    return cast(Response, redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))


login_manager.user_loader(_load_user)
login_manager.unauthorized_handler(_unauthorized)


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def current_employee() -> User | None:
    """The employee behind this request: the API caller (token or session) or the logged-in user."""
    caller = g.get("caller")
    if caller is not None:
        return cast(User | None, caller.user)
    if current_user.is_authenticated:
        return cast(User, current_user._get_current_object())
    return None


def acting_employee() -> User:
    """The employee behind a view that ``require_role`` has already let through."""
    user = current_employee()
    assert user is not None, "acting_employee() is for views behind require_role"
    return user


def require_role(*roles: str) -> Callable[[F], F]:
    """Decorator: the view needs a logged-in employee (session or, on the API, a token) with one of ``roles``
    (any role when none are given). API requests get 401/403 JSON; pages redirect to the login page."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_employee()
            if user is None:
                if g.get("caller") is not None:  # a widget (site key) caller is not an employee
                    raise ApiError(403, "forbidden", "This needs an employee account.")
                return login_manager.unauthorized()
            if roles and not has_role(user, roles):
                raise ApiError(403, "forbidden", f"This needs the role {' or '.join(roles)}.")
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator
