"""Accounts of the chat service: sites (widget keys and their origins), employees and their API tokens.

Every function that writes commits its own unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from werkzeug.security import generate_password_hash

from web.access.keys import hash_token, new_api_token, new_site_key
from web.access.sessions import revoke_login_sessions
from web.audit.log import record, record_site_change, record_token_created, record_user_created, record_user_update
from web.db.models import ApiToken, Site, User, db, utcnow

# The shortest password an account may have: one rule for the admin page and `answerdesk users create|set-password`
# (it was defined in both, free to drift apart).
MIN_PASSWORD_CHARS = 8
# A token's last_used_at is refreshed at most this often: a write on every API call would cost more than it tells.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


# -- sites -------------------------------------------------------------------------------------------------------
def create_site(name: str, origins: Sequence[str]) -> Site:
    site = Site(name=name, key=new_site_key(), origins=list(origins))
    db.session.add(site)
    record_site_change(site)
    db.session.commit()
    return site


def set_site_origins(site: Site, origins: Sequence[str]) -> None:
    record_site_change(site, origins)
    site.origins = list(origins)
    db.session.commit()


def find_site_by_key(key: str) -> Site | None:
    return db.session.scalar(select(Site).where(Site.key == key))


def find_site_by_name(name: str) -> Site | None:
    return db.session.scalar(select(Site).where(Site.name == name))


def list_sites() -> Sequence[Site]:
    return db.session.scalars(select(Site).order_by(Site.name)).all()


def origin_is_registered(origin: str) -> bool:
    """Whether any site lists ``origin`` (a CORS preflight carries no site key, only the origin)."""
    return any(origin in site.origins for site in list_sites())


# -- users and tokens --------------------------------------------------------------------------------------------
def create_user(email: str, password: str, role: str, communities: Sequence[str] = ()) -> User:
    user = User(email=email, password_hash=generate_password_hash(password), role=role, communities=list(communities))
    db.session.add(user)
    record_user_created(user)
    db.session.commit()
    return user


def update_user(user: User, *, role: str | None = None, communities: Sequence[str] | None = None) -> User:
    """Change a role or communities. A new role signs the user out of every browser (one commit with the change):
    powers change at once, and whoever holds an old cookie of theirs must sign in again. API tokens keep working."""
    record_user_update(user, role, communities)
    if role is not None and role != user.role:
        user.role = role
        revoke_login_sessions(user.id, commit=False)
    if communities is not None:
        user.communities = list(communities)
    db.session.commit()
    return user


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be an account's password, or None when it may."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"The password needs at least {MIN_PASSWORD_CHARS} characters."
    return None


def set_password(user: User, password: str) -> int:
    """Give ``user`` a new password (someone who forgot theirs asks an admin: there is no reset by e-mail) and end
    every sign-in of theirs, as a password changed for a leaked one must; returns how many sign-ins ended. API
    tokens are separate credentials and keep working."""
    user.password_hash = generate_password_hash(password)
    ended = revoke_login_sessions(user.id, commit=False)
    record("user.password", f"user:{user.email}", {"ended": ended}, commit=False)
    db.session.commit()
    return ended


def list_users() -> Sequence[User]:
    return db.session.scalars(select(User).order_by(User.email)).all()


def find_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_api_token(user: User) -> str:
    """A new token for ``user``; the plain token is returned once and only its hash is stored."""
    token = new_api_token()
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
    record_token_created(user)
    db.session.commit()
    return token


def revoke_api_tokens(user: User) -> int:
    """Delete every API token of ``user`` (someone leaving, a token pasted where it should not be); returns how many.
    Their scripts get 401 from the next request on; sign-ins in browsers are ended separately."""
    result = cast(CursorResult[Any], db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)))
    record("token.revoke", f"user:{user.email}", {"revoked": int(result.rowcount)}, commit=False)
    db.session.commit()
    return int(result.rowcount)


def find_user_by_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_INTERVAL:
        row.last_used_at = now
        db.session.commit()
    user: User = row.user
    return user
