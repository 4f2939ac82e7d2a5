"""One person's data for admins: /editor/admin/privacy, a form that exports (JSON download) or deletes everything
stored about a widget session id or an e-mail address, as `answerdesk privacy export|delete` does
(web/chat/subjects.py). The person is sent in a POST body, never in a URL (URLs end up in access logs), and a
delete needs its confirmation box ticked. Both are audited. A refused form (nobody named, a malformed id or address,
the box not ticked) is the page itself with 400, the error flashed and the person typed kept in that form, never a
redirect to a page answered 200."""

from __future__ import annotations

import json
from typing import cast

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from web.access.auth import require_role
from web.chat.subjects import Subject, delete_subject, export_subject, parse_subject

bp = Blueprint("admin_privacy", __name__, url_prefix="/editor/admin")


@bp.get("/privacy")
@require_role("admin")
def page() -> str:
    return _page()


def _page(refused_form: str | None = None) -> str:
    """The page; ``refused_form`` (export or delete): the form refused, shown again with the person typed in it."""
    kept = {name: request.form.get(name, "") for name in ("session_id", "email")} if refused_form else {}
    return render_template("editor/privacy.html", section="admin", refused_form=refused_form, kept=kept)


@bp.post("/privacy/export")
@require_role("admin")
def export() -> ResponseReturnValue:
    try:
        subject = _subject()
    except ValueError as exc:
        return _refused(str(exc), "export")
    body = json.dumps(export_subject(subject), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="answerdesk-{subject.kind}-{subject.digest[:12]}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/privacy/delete")
@require_role("admin")
def delete() -> ResponseReturnValue:
    try:
        subject = _subject()
    except ValueError as exc:
        return _refused(str(exc), "delete")
    if request.form.get("confirm") != "yes":
        return _refused("Tick the box to confirm: a deletion cannot be undone.", "delete")
    deleted = delete_subject(subject)
    rows = ", ".join(f"{count} {table.replace('_', ' ')}" for table, count in deleted.to_dict().items())
    flash(f"Deleted: {rows}.", "success")
    return _back()


def _subject() -> Subject:
    """The person the form names; ValueError says what is wrong with it."""
    return parse_subject(request.form.get("session_id"), request.form.get("email"))


def _refused(message: str, form: str) -> tuple[str, int]:
    """Every refusal here is the admin's to correct: 400 on the page, not a redirect to a 200."""
    flash(message, "error")
    return _page(form), 400


def _back() -> Response:
    return cast(Response, redirect(url_for(".page")))
