"""The employee sign-in pages: /login (form, then the page asked for or the home page) and /logout."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from web.access.auth import authenticate
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
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(next_url or home_url())
        error = "Wrong email or password."
        record_failed_login(form.email.data or "")
    status = 401 if error else 200
    return render_template("login.html", form=form, error=error, next_url=next_url), status


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    return redirect(url_for("auth.login"))
