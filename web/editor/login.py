"""The employee sign-in pages: /login (form, then the page asked for or the home page) and /logout.

``POST /logout`` signs this browser out; with ``everywhere=1`` (the "Sign out everywhere" buttons) it signs the
user out of every browser. Either way a copy of this browser's cookie stops working (web/access/sessions.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from web.access.login_throttle import LoginThrottled, authenticate_with_backoff
from web.access.sessions import sign_in, sign_out
from web.audit.log import record_failed_login
from web.editor.forms import LoginForm

bp = Blueprint("auth", __name__)


def home_url() -> str:
    """Where an employee lands after login: the help page when it is installed."""
    return "/help" if "help" in current_app.blueprints else url_for("editor.index")


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site; anything else (another host, ``//host``) would make the login
    page an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate_with_backoff(form.email.data or "", form.password.data or "")
        except LoginThrottled as throttled:  # this account had too many wrong passwords: 429, "try again in N s"
            return throttled.respond(render_template("login.html", form=form, error=str(throttled), next_url=next_url))
        if user is not None:
            sign_in(user)
            return redirect(next_url or home_url())
        error = "Wrong email or password."
        record_failed_login(form.email.data or "")
    status = 401 if error else 200
    return render_template("login.html", form=form, error=error, next_url=next_url), status


@bp.post("/logout")
def logout() -> Any:
    sign_out(everywhere=request.values.get("everywhere", "").lower() in TRUE_VALUES)
    return redirect(url_for("auth.login"))


TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
