"""Who is asking an API request, and so which documents they may see and which conversations are theirs.

- ``X-Site-Key: KEY`` (the widget): audience public. The widget also sends ``X-Session-Id``, a random id it
  generates once and keeps in the visitor's localStorage; visitors have no account, so the pair (site, session
  id) owns their conversations. Whoever knows a session id can read its conversations: it is as secret as the
  visitor's browser storage, which is the same trust a chat transcript kept in localStorage gets.
- ``Authorization: Bearer TOKEN`` (an employee's personal token, for scripts): audience internal.
- A Flask-Login session cookie (the employee help page): audience internal. A cookie is sent by the browser on
  its own, so these requests must prove they come from our page: the CSRF token in the ``X-CSRFToken`` header.

Site keys and tokens are not sent automatically by browsers, so requests that carry one need no CSRF token.
A site key always wins: an employee trying the widget on a customer site gets the customer's answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from flask import g, request
from flask_login import current_user

from chatbot.types import Audience
from web.access.accounts import find_site_by_key, find_user_by_token
from web.access.auth import csrf
from web.db.models import Site, User
from web.http.errors import ApiError

SITE_KEY_HEADER = "X-Site-Key"
SESSION_ID_HEADER = "X-Session-Id"
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,128}")


@dataclass(frozen=True)
class Owner:
    """Who a conversation belongs to: an employee, or one widget session on one site."""

    user_id: int | None = None
    site_id: int | None = None
    session_id: str | None = None


@dataclass(frozen=True)
class Caller:
    audience: Audience
    owner: Owner
    via: Literal["site_key", "token", "session"]
    site: Site | None = None
    user: User | None = None


def identify_caller() -> Caller:
    """The caller of the current request; raises an :class:`ApiError` (401, 400) when it cannot be trusted."""
    site_key = request.headers.get(SITE_KEY_HEADER)
    if site_key is not None:
        return _site_caller(site_key.strip())
    authorization = request.headers.get("Authorization")
    if authorization:
        return _token_caller(authorization)
    if current_user.is_authenticated:
        csrf.protect()  # raises CSRFError (400, code csrf_failed) without a valid X-CSRFToken header
        user: User = current_user._get_current_object()
        return Caller("internal", Owner(user_id=user.id), "session", user=user)
    raise ApiError(
        401,
        "invalid_site_key",
        f"Send the site key in the {SITE_KEY_HEADER} header (employees: log in or send an API token).",
    )


def identify_employee_caller(what: str) -> None:
    """For API blueprints that serve only employees (gaps, analytics, ...): identify the caller into ``g.caller``;
    a widget's site key is not an employee credential at all, so it gets 401 (send a token), where an employee
    without the role later gets 403. ``what`` names the resource in the message, e.g. "Gaps are"."""
    anonymous = (
        request.headers.get(SITE_KEY_HEADER) is None
        and not request.headers.get("Authorization")
        and not current_user.is_authenticated
    )
    # No credentials at all: asking for a site key (what identify_caller says to a widget) would mislead.
    caller = None if anonymous else identify_caller()
    if caller is None or caller.via == "site_key":
        raise ApiError(401, "unauthorized", f"{what} for employees: send an API token or log in.")
    g.caller = caller


def current_caller() -> Caller:
    """The caller identified for this request by the API blueprint."""
    caller: Caller = g.caller
    return caller


def _site_caller(key: str) -> Caller:
    site = find_site_by_key(key) if key else None
    if site is None:
        raise ApiError(401, "invalid_site_key", "Unknown site key; see `answerdesk sites list`.")
    session_id = request.headers.get(SESSION_ID_HEADER, "").strip()
    if not _SESSION_ID.fullmatch(session_id):
        raise ApiError(
            400,
            "bad_session_id",
            f"Send {SESSION_ID_HEADER}: a random id of 16 to 128 letters, digits, '-' or '_' that the widget keeps "
            "in localStorage.",
        )
    return Caller("public", Owner(site_id=site.id, session_id=session_id), "site_key", site=site)


def _token_caller(authorization: str) -> Caller:
    scheme, _, token = authorization.partition(" ")
    user = find_user_by_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        raise ApiError(
            401,
            "invalid_token",
            "Unknown API token; send Authorization: Bearer TOKEN from `answerdesk tokens create`.",
            {"WWW-Authenticate": 'Bearer realm="answerdesk"'},
        )
    return Caller("internal", Owner(user_id=user.id), "token", user=user)
