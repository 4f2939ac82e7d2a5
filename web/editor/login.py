"""The employee sign-in pages: /login (form, then the page asked for or the user's own landing page) and /logout.

Each role lands where its work is (:func:`workplaces`): agents in the inbox, the knowledge team (editors, viewers,
admins) on the dashboard, other employees on the help page. Pages that show where a signed-in user may go (the help
page's header, error pages) use the same list through the ``signed_in_places`` template function.

``POST /logout`` signs this browser out; with ``everywhere=1`` (the "Sign out everywhere" buttons) it signs the
user out of every browser. Either way a copy of this browser's cookie stops working (web/access/sessions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from web.access.auth import csrf
from web.access.login_throttle import LoginThrottled, authenticate_with_backoff
from web.access.permissions import can_read_editor, can_read_inbox
from web.access.sessions import sign_in, sign_out
from web.audit.log import record_failed_login
from web.db.models import User
from web.editor.forms import LoginForm

bp = Blueprint("auth", __name__)


@dataclass(frozen=True)
class Place:
    """A page a signed-in user may work in, as a link."""

    endpoint: str
    label: str

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


DASHBOARD = Place("editor.index", "Dashboard")
INBOX = Place("inbox.index", "Inbox")
HELP = Place("help.help_page", "Help")


def workplaces(user: User) -> list[Place]:
    """The pages ``user`` may use, the one they land on after login first. The dashboard comes before the inbox:
    an editor or admin answers hand-offs too, but the knowledge work is theirs alone. Every employee may ask on
    the help page, which is therefore the last (and a plain employee's only) place."""
    places = [DASHBOARD] if can_read_editor(user) else []
    if can_read_inbox(user):
        places.append(INBOX)
    return [*places, HELP]


def home_url(user: User) -> str:
    """Where ``user`` lands after login when no page was asked for."""
    return workplaces(user)[0].url


@bp.app_context_processor
def _place_helpers() -> dict[str, Any]:
    return {"signed_in_places": signed_in_places}


def signed_in_places() -> list[Place]:
    """For templates: the signed-in user's :func:`workplaces`; none when nobody is signed in. Called only where
    shown, so that a page without these links never loads the user."""
    if not current_user.is_authenticated:
        return []
    return workplaces(cast(User, current_user))


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site; anything else (another host, ``//host``) would make the login
    page an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


# The form checks its own CSRF token (FlaskForm does), rather than the app-wide check: a sign-in page left open
# since before a sign-out in another tab then gets the login page again with a plain "sign in again", not an error
# page about CSRF tokens.
@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    error = None
    valid = form.validate_on_submit()
    if not valid and "csrf_token" in form.errors:
        error = "The sign-in page had expired. Please enter your email and password again."
        return render_template("login.html", form=form, error=error, next_url=next_url), 400
    if valid:
        try:
            user = authenticate_with_backoff(form.email.data or "", form.password.data or "")
        except LoginThrottled as throttled:  # this account had too many wrong passwords: 429, "try again in N s"
            return throttled.respond(render_template("login.html", form=form, error=str(throttled), next_url=next_url))
        if user is not None:
            sign_in(user)
            return redirect(next_url or home_url(user))
        error = "Wrong email or password."
        record_failed_login(form.email.data or "")
    status = 401 if error else 200
    return render_template("login.html", form=form, error=error, next_url=next_url), status


csrf.exempt(login)  # checked by LoginForm itself (above)


@bp.post("/logout")
def logout() -> Any:
    sign_out(everywhere=request.values.get("everywhere", "").lower() in TRUE_VALUES)
    return redirect(url_for("auth.login"))


TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
