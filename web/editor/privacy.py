"""One person's data for admins: /editor/admin/privacy, a form that exports (JSON download) or deletes everything
stored about a widget session id or an e-mail address, as `answerdesk privacy export|delete` does
(web/chat/subjects.py). The person is sent in a POST body, never in a URL (URLs end up in access logs), and a
delete needs its confirmation box ticked. Both are audited."""

from __future__ import annotations

import json
from typing import cast

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from web.access.auth import require_role
from web.chat.subjects import Subject, delete_subject, export_subject, parse_subject

bp = Blueprint("admin_privacy", __name__, url_prefix="/editor/admin")


@bp.get("/privacy")
@require_role("admin")
def page() -> str:
    return render_template("editor/privacy.html", section="admin")


@bp.post("/privacy/export")
@require_role("admin")
def export() -> Response:
    subject = _subject()
    if subject is None:
        return _back()
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
def delete() -> Response:
    subject = _subject()
    if subject is None:
        return _back()
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm: a deletion cannot be undone.", "error")
        return _back()
    deleted = delete_subject(subject)
    rows = ", ".join(f"{count} {table.replace('_', ' ')}" for table, count in deleted.to_dict().items())
    flash(f"Deleted: {rows}.", "success")
    return _back()


def _subject() -> Subject | None:
    try:
        return parse_subject(request.form.get("session_id"), request.form.get("email"))
    except ValueError as exc:
        flash(str(exc), "error")
        return None


def _back() -> Response:
    return cast(Response, redirect(url_for(".page")))
