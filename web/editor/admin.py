"""The community manager's page (/editor/admin, role admin): accounts with their roles and communities, and the
websites that embed the widget with their keys and origins. The same as `answerdesk users|sites ...`, in a browser.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.access.accounts import (
    create_site,
    create_user,
    find_site_by_name,
    find_user_by_email,
    list_sites,
    list_users,
    set_site_origins,
    update_user,
)
from web.access.auth import require_role
from web.access.cors import normalise_origin
from web.access.sessions import revoke_login_sessions
from web.audit.log import record
from web.db.models import ROLES, Document, Site, User, db
from web.http.payloads import is_email
from web.wording import counted

bp = Blueprint("admin", __name__, url_prefix="/editor/admin")

MIN_PASSWORD_CHARS = 8
MAX_COMMUNITY_CHARS = 128


@bp.get("/")
@require_role("admin")
def index() -> str:
    return render_template(
        "editor/admin.html",
        section="admin",
        users=list_users(),
        sites=list_sites(),
        roles=ROLES,
        known_communities=known_communities(),
    )


@bp.post("/users")
@require_role("admin")
def add_user() -> Response:
    email = request.form.get("email", "").strip()
    role = request.form.get("role", "employee")
    password = request.form.get("password", "")
    if not is_email(email):
        return _back(f"{email!r} is not an e-mail address.", "error")
    if role not in ROLES:
        return _back("Pick a role.", "error")
    if len(password) < MIN_PASSWORD_CHARS:
        return _back(f"The password needs at least {MIN_PASSWORD_CHARS} characters.", "error")
    if find_user_by_email(email) is not None:
        return _back(f"{email} has an account already.", "error")
    user = create_user(email, password, role, parse_communities(request.form.get("communities", "")))
    return _back(f"Created {user.email} ({user.role}).", "success")


@bp.post("/users/<int:user_id>")
@require_role("admin")
def change_user(user_id: int) -> Response:
    user = db.session.get(User, user_id)
    if user is None:
        return _back("No such user.", "error")
    role = request.form.get("role", user.role)
    if role not in ROLES:
        return _back("Pick a role.", "error")
    if user.role == "admin" and role != "admin" and _admin_count() == 1:
        # Without an admin nobody could manage accounts from the browser any more.
        return _back("This is the last admin: make someone else admin first.", "error")
    role_changed = role != user.role
    update_user(user, role=role, communities=parse_communities(request.form.get("communities", "")))
    if role_changed:
        return _back(f"Updated {user.email}; they were signed out everywhere and sign in again as {role}.", "success")
    return _back(f"Updated {user.email}.", "success")


@bp.post("/users/<int:user_id>/sign-out")
@require_role("admin")
def sign_out_user(user_id: int) -> Response:
    """A lost laptop, a leaked cookie, someone leaving: end every sign-in of the account (API tokens stay)."""
    user = db.session.get(User, user_id)
    if user is None:
        return _back("No such user.", "error")
    ended = revoke_login_sessions(user.id)
    record("user.sign_out", f"user:{user.email}", {"ended": ended})
    return _back(f"Signed {user.email} out everywhere ({counted(ended, 'sign-in')} ended).", "success")


@bp.post("/sites")
@require_role("admin")
def add_site() -> Response:
    name = request.form.get("name", "").strip()
    if not name or len(name) > 128:
        return _back("Give the site a name (at most 128 characters).", "error")
    if find_site_by_name(name) is not None:
        return _back(f"A site named {name!r} exists already.", "error")
    try:
        origins = parse_origins(request.form.get("origins", ""))
    except ValueError as exc:
        return _back(str(exc), "error")
    create_site(name, origins)
    return _back(f"Created the site {name}; its key is in the table.", "success")


@bp.post("/sites/<int:site_id>")
@require_role("admin")
def change_site(site_id: int) -> Response:
    site = db.session.get(Site, site_id)
    if site is None:
        return _back("No such site.", "error")
    try:
        set_site_origins(site, parse_origins(request.form.get("origins", "")))
    except ValueError as exc:
        return _back(str(exc), "error")
    return _back(f"Updated the origins of {site.name}.", "success")


def parse_communities(raw: str) -> list[str]:
    """Comma- or newline-separated names, trimmed, without duplicates; empty: every community."""
    names = [part.strip() for part in raw.replace("\n", ",").split(",")]
    return list(dict.fromkeys(n[:MAX_COMMUNITY_CHARS] for n in names if n))


def parse_origins(raw: str) -> list[str]:
    origins = list(dict.fromkeys(normalise_origin(part) for part in raw.split() if part.strip()))
    if not origins:
        raise ValueError("List at least one origin, e.g. https://www.example.com.")
    return origins


def known_communities() -> list[str]:
    """Communities in the knowledge base or given to someone: the suggestions of the communities field."""
    in_documents = db.session.scalars(
        select(Document.community).where(Document.deleted_at.is_(None), Document.community.is_not(None)).distinct()
    ).all()
    in_accounts = {c for user in list_users() for c in user.communities}
    return sorted({c for c in in_documents if c} | in_accounts)


def _admin_count() -> int:
    return sum(1 for user in list_users() if user.role == "admin")


def _back(message: str, category: str) -> Response:
    flash(message, category)
    return redirect(url_for("admin.index"))
