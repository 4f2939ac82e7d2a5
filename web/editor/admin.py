"""The community manager's page (/editor/admin, role admin): accounts with their roles and communities, and the
websites that embed the widget with their keys and origins. The same as `answerdesk users|sites ...`, in a browser,
including a new password for someone who forgot theirs (`users set-password`).

A form that did what was asked redirects back to the page with a flash message. A refused form is never a redirect
to a page answered 200 (a browser and a script would both take that for success): it is the page itself with a 4xx
(400 for what the admin can correct, 404 for an account or site that is not there, 409 for a conflict with what is
stored: an address or site name taken, the last admin), the error flashed and what was typed kept in its form. A
password is never written back into a page: it is typed again.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.access.accounts import (
    MIN_PASSWORD_CHARS,
    create_site,
    create_user,
    find_site_by_name,
    find_user_by_email,
    list_sites,
    list_users,
    password_problem,
    set_password,
    set_site_origins,
    update_user,
)
from web.access.auth import require_role
from web.access.cors import normalise_origin
from web.access.sessions import revoke_login_sessions
from web.audit.log import record
from web.db.models import ROLES, Document, Site, User, db
from web.http.expired import NEVER_KEPT
from web.http.payloads import is_email
from web.wording import counted

bp = Blueprint("admin", __name__, url_prefix="/editor/admin")

MAX_COMMUNITY_CHARS = 128
MAX_SITE_NAME_CHARS = 128
# The forms of the page, as named in the template when one of them is shown again with what was typed in it.
NEW_USER, NEW_SITE = "new-user", "new-site"


@bp.get("/")
@require_role("admin")
def index() -> str:
    return _admin_page()


def _admin_page(refused_form: str | None = None) -> str:
    """The page; ``refused_form``: the form whose submission was refused, shown again with what was typed in it."""
    kept = {name: value for name, value in request.form.items() if name not in NEVER_KEPT} if refused_form else {}
    return render_template(
        "editor/admin.html",
        section="admin",
        users=list_users(),
        sites=list_sites(),
        roles=ROLES,
        known_communities=known_communities(),
        min_password_chars=MIN_PASSWORD_CHARS,
        refused_form=refused_form,
        kept=kept,
    )


@bp.post("/users")
@require_role("admin")
def add_user() -> ResponseReturnValue:
    email = request.form.get("email", "").strip()
    role = request.form.get("role", "employee")
    password = request.form.get("password", "")
    if not is_email(email):
        return _refused(400, f"{email!r} is not an e-mail address.", NEW_USER)
    if role not in ROLES:
        return _refused(400, _pick_a_role(role), NEW_USER)
    problem = password_problem(password)
    if problem is not None:
        return _refused(400, problem, NEW_USER)
    if find_user_by_email(email) is not None:
        return _refused(409, f"{email} has an account already.", NEW_USER)
    communities = parse_communities(request.form.get("communities", ""))
    user = create_user(email, password, role, communities)
    return _back(f"Created {user.email} ({user.role}).{_unknown_communities_note(communities)}", "success")


@bp.post("/users/<int:user_id>")
@require_role("admin")
def change_user(user_id: int) -> ResponseReturnValue:
    user = db.session.get(User, user_id)
    if user is None:
        return _refused(404, _no_user(user_id))
    role = request.form.get("role", user.role)
    if role not in ROLES:
        return _refused(400, _pick_a_role(role), f"user-{user.id}")
    if user.role == "admin" and role != "admin" and _admin_count() == 1:
        # Without an admin nobody could manage accounts from the browser any more.
        return _refused(409, "This is the last admin: make someone else admin first.", f"user-{user.id}")
    role_changed = role != user.role
    communities = parse_communities(request.form.get("communities", ""))
    update_user(user, role=role, communities=communities)
    note = _unknown_communities_note(communities)
    if role_changed:
        return _back(
            f"Updated {user.email}; they were signed out everywhere and sign in again as {role}.{note}", "success"
        )
    return _back(f"Updated {user.email}.{note}", "success")


@bp.post("/users/<int:user_id>/sign-out")
@require_role("admin")
def sign_out_user(user_id: int) -> ResponseReturnValue:
    """A lost laptop, a leaked cookie, someone leaving: end every sign-in of the account (API tokens stay)."""
    user = db.session.get(User, user_id)
    if user is None:
        return _refused(404, _no_user(user_id))
    ended = revoke_login_sessions(user.id)
    record("user.sign_out", f"user:{user.email}", {"ended": ended})
    return _back(f"Signed {user.email} out everywhere ({counted(ended, 'sign-in')} ended).", "success")


@bp.post("/users/<int:user_id>/password")
@require_role("admin")
def change_password(user_id: int) -> ResponseReturnValue:
    """Someone forgot their password (there is no reset by e-mail): the admin gives them a new one, as
    `answerdesk users set-password` does. Every sign-in of theirs ends (an admin setting their own is signed out
    too, as a leaked password's sign-ins must end); the audit log gets ``user.password``."""
    user = db.session.get(User, user_id)
    if user is None:
        return _refused(404, _no_user(user_id))
    problem = password_problem(request.form.get("password", ""))
    if problem is not None:
        return _refused(400, problem, f"password-{user.id}")
    ended = set_password(user, request.form.get("password", ""))
    return _back(
        f"New password set for {user.email}; signed out everywhere ({counted(ended, 'sign-in')} ended).", "success"
    )


@bp.post("/sites")
@require_role("admin")
def add_site() -> ResponseReturnValue:
    name = request.form.get("name", "").strip()
    if not name or len(name) > MAX_SITE_NAME_CHARS:
        return _refused(400, f"Give the site a name (at most {MAX_SITE_NAME_CHARS} characters).", NEW_SITE)
    try:
        origins = parse_origins(request.form.get("origins", ""))
    except ValueError as exc:
        return _refused(400, str(exc), NEW_SITE)
    if find_site_by_name(name) is not None:
        return _refused(409, f"A site named {name!r} exists already.", NEW_SITE)
    create_site(name, origins)
    return _back(f"Created the site {name}; its key is in the table.", "success")


@bp.post("/sites/<int:site_id>")
@require_role("admin")
def change_site(site_id: int) -> ResponseReturnValue:
    site = db.session.get(Site, site_id)
    if site is None:
        return _refused(404, f"There is no site #{site_id} (deleted meanwhile?).")
    try:
        set_site_origins(site, parse_origins(request.form.get("origins", "")))
    except ValueError as exc:
        return _refused(400, str(exc), f"site-{site.id}")
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


def _unknown_communities_note(communities: list[str]) -> str:
    """A note on the communities no document is filed under: a typo ("bilings") would limit an editor to a
    community with nothing in it, and the account was created without a word (round 39, a tester on this page).
    Only a note: a community may be given before its first article is written."""
    in_documents = set(
        db.session.scalars(
            select(Document.community).where(Document.deleted_at.is_(None), Document.community.is_not(None)).distinct()
        ).all()
    )
    unknown = [c for c in communities if c not in in_documents]
    if not unknown:
        return ""
    names = ", ".join(f"“{c}”" for c in unknown)
    return f" No document is filed under {names} yet: check the spelling if that is not what you meant."


def _admin_count() -> int:
    return sum(1 for user in list_users() if user.role == "admin")


def _no_user(user_id: int) -> str:
    return f"There is no account #{user_id} (deleted meanwhile?)."


def _pick_a_role(role: str) -> str:
    return f"{role!r} is not a role: pick one of {', '.join(ROLES)}."


def _back(message: str, category: str) -> Response:
    flash(message, category)
    return redirect(url_for("admin.index"))


def _refused(status: int, message: str, form: str | None = None) -> tuple[str, int]:
    """A refused submission: the page itself with ``status`` (not a redirect to a 200), the error flashed and the
    values typed into ``form`` kept in it (a password excepted)."""
    db.session.rollback()  # nothing half-done is committed by a later request
    flash(message, "error")
    return _admin_page(form), status
