"""Login sessions that can be revoked.

Flask keeps its session in a signed cookie on the client: on its own, a cookie copied before a logout would keep
working after it, because nothing on the server remembers the logout. So each sign-in opens a row in
``login_sessions`` and the cookie carries that row's random token (Flask-Login's "alternative id", see
``login_manager.id_attribute``) instead of the user id; a request whose token has no row is anonymous.

- Signing out (``POST /logout``) deletes the row of this browser: a copy of its cookie stops working, the user's
  other browsers stay signed in. ``POST /logout`` with ``everywhere=1`` deletes every row of the user.
- A change of role (admin page, ``answerdesk users update --role``) and ``answerdesk users sign-out EMAIL`` delete
  every row of that user: they sign in again under the new powers.
- API tokens are separate credentials and are not touched by any of this.
- A sign-in lasts at most ``PERMANENT_SESSION_LIFETIME`` (Flask's default, 31 days) from the moment it was made;
  older rows are deleted at the next sign-in of anyone.

Only a SHA-256 of the token is stored, like API tokens: a copy of the database does not hold usable sessions.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, cast

from flask import current_app, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import joinedload

from web.access.keys import hash_token
from web.audit.log import record
from web.db.models import LoginSession, User, db, utcnow


def _lifetime() -> timedelta:
    return current_app.permanent_session_lifetime


def open_login_session(user: User) -> str:
    """A new login session for ``user`` (committed); returns the token for the session cookie."""
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(LoginSession).where(LoginSession.created_at < utcnow() - _lifetime()))
    db.session.add(LoginSession(user_id=user.id, token_hash=hash_token(token)))
    db.session.commit()
    user.attach_login_token(token)
    return token


def load_session_user(token: str) -> User | None:
    """The user signed in with ``token``, or None when that sign-in was revoked, has expired or never existed."""
    # One query per request for the session and its user (the loader runs on every signed-in request).
    query = select(LoginSession).options(joinedload(LoginSession.user))
    row = db.session.scalar(query.where(LoginSession.token_hash == hash_token(token)))
    if row is None or row.created_at < utcnow() - _lifetime():
        return None
    user: User = row.user
    user.attach_login_token(token)
    return user


def revoke_login_sessions(user_id: int, *, commit: bool = True) -> int:
    """Sign ``user_id`` out of every browser; returns how many sign-ins ended. ``commit=False`` leaves the commit
    to the caller's unit of work (a role change and its revocation are one write)."""
    result = cast(CursorResult[Any], db.session.execute(delete(LoginSession).where(LoginSession.user_id == user_id)))
    if commit:
        db.session.commit()
    return int(result.rowcount)


def close_login_session(token: str) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    db.session.commit()


def sign_in(user: User) -> None:
    open_login_session(user)
    login_user(user)


def sign_out(*, everywhere: bool = False) -> None:
    """End this browser's sign-in (or, ``everywhere``, all of the user's) and forget the session's contents."""
    if current_user.is_authenticated:
        user: User = current_user._get_current_object()
        if everywhere:
            ended = revoke_login_sessions(user.id)
            record("auth.logout_everywhere", f"user:{user.email}", {"ended": ended}, actor=user)
        else:
            close_login_session(user.get_login_token())
    # The CSRF token and flashed messages belong to the signed-in person, not to the next one at this browser.
    # Cleared before logout_user(), which may leave an instruction in the session to clear a remember cookie.
    session.clear()
    logout_user()
