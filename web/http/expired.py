"""A form posted after its sign-in ended: nothing is saved, and what the person typed is not lost.

An editor who writes an article for an hour, or an agent who writes a long reply, can find their sign-in gone when
they press Save: it lasted its 31 days, they signed out in another window, or an admin changed their role. The POST
then either fails Flask-WTF's CSRF check (the session that held the token is gone: a CSRFError) or passes it and
finds nobody signed in (Flask-Login's unauthorized handler). Both used to throw the text away: a developer's "The
CSRF session token is missing." page, or a redirect to the login page.

Instead the browser gets a page that says so in plain words, with the posted text in a form that posts it again to
the same address. Nothing is saved until it is posted again by someone signed in, with a valid token: the form
carries a fresh CSRF token of this browser's session, which survives signing in (in another tab) because signing in
does not clear the session (web/access/sessions.py).

The text is offered again only when the POST came from a page of this site (its Origin, or its Referer): a forged
cross-site POST gets the plain message without a ready-made "Save again" button holding the forger's text, which a
victim might press after signing in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

# The fields people type into, with the label they are shown under again; every other posted field (the gap or
# version the form was about, a select's choice) goes back unchanged as a hidden field.
TYPED_FIELDS = {
    "title": "Title (an FAQ's question)",
    "body": "Text (an FAQ's answer)",
    "question": "Question",
    "answer": "Answer",
    "reply": "Reply",
    "text": "Comment",
    "reason": "Reason",
}
# Never echoed into a page: the stale token is replaced with a fresh one, and a password is typed again.
NEVER_KEPT = frozenset({"csrf_token", "password"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_form_post() -> bool:
    """A browser's HTML form submission (not an API call, not the editor's JSON preview)."""
    return request.method == "POST" and request.mimetype in FORM_TYPES


def expired_form_page(status: int) -> Response:
    """The answer to a form posted without a valid sign-in or CSRF token: nothing done, the typed text kept. (The
    login form checks its own token and says so on the login page: web/editor/login.py.)"""
    signed_in = bool(current_user.is_authenticated)
    fields = _kept_fields() if _from_this_site() else []
    page = render_template(
        "expired.html",
        signed_in=signed_in,
        typed=[(name, TYPED_FIELDS[name], value) for name, value in fields if name in TYPED_FIELDS],
        hidden=[(name, value) for name, value in fields if name not in TYPED_FIELDS],
        action=request.full_path.rstrip("?"),
        csrf_token=generate_csrf(),
    )
    return Response(page, status=status, mimetype="text/html")


def _kept_fields() -> list[tuple[str, str]]:
    return [(name, value) for name, value in request.form.items(multi=True) if name not in NEVER_KEPT]


def _from_this_site() -> bool:
    """Whether the POST came from a page of this site: its Origin (sent with every form POST by today's browsers),
    else its Referer (kept for same-origin requests: web/http/headers.py)."""
    here = urlsplit(request.host_url)
    origin = request.headers.get("Origin") or request.referrer
    if not origin:
        return False
    there = urlsplit(origin)
    return (there.scheme, there.netloc) == (here.scheme, here.netloc)
