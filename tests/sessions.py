"""Signing a test client in without the login form, through a real login session (web/access/sessions.py).

The session cookie holds a login session's token, not the user id: writing ``session["_user_id"] = str(id)``
into a test client no longer signs anyone in (and must not: it is what a forged or stale cookie would hold).
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import has_app_context
from flask.testing import FlaskClient

from web.access.sessions import open_login_session
from web.db.models import User, db


def log_in(client: FlaskClient, user: User | int) -> str:
    """Sign ``client`` in as ``user`` (a row or its id); returns the login session's token."""
    with nullcontext() if has_app_context() else client.application.app_context():
        account = user if isinstance(user, User) else db.session.get(User, user)
        assert account is not None, f"no user {user!r}"
        token = open_login_session(account)
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return token
