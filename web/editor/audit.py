"""The audit log for admins: /editor/admin/audit (filters and pages, newest first) and its downloads,
/editor/admin/audit.csv and /editor/admin/audit.jsonl (oldest first, the same filters). Role admin only: the log
names people and addresses. Downloading it is itself audited (``audit.export``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for

from web.access.auth import require_role
from web.audit.log import record
from web.audit.queries import AuditFilter, entries_page, export_lines, known_actions, parse_filter, parse_page
from web.http.errors import ApiError

bp = Blueprint("admin_audit", __name__, url_prefix="/editor/admin")

MIMETYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson"}


@bp.get("/audit")
@require_role("admin")
def page() -> Any:
    try:
        audit_filter, number = parse_filter(request.args), parse_page(request.args.get("page"))
    except ValueError as exc:
        return _render(AuditFilter(), [], 1, False, str(exc)), 400
    entries, has_older = entries_page(audit_filter, number)
    return _render(audit_filter, entries, number, has_older, None)


@bp.get("/audit.<any(csv, jsonl):fmt>")
@require_role("admin")
def download(fmt: str) -> Response:
    try:
        audit_filter = parse_filter(request.args)
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    record("audit.export", None, {"format": fmt, **audit_filter.to_args()})
    return Response(
        stream_with_context(export_lines(audit_filter, fmt)),
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="audit.{fmt}"', "Cache-Control": "no-store"},
    )


def _render(audit_filter: AuditFilter, entries: list[Any], number: int, has_older: bool, error: str | None) -> str:
    args = audit_filter.to_args()
    return render_template(
        "editor/audit.html",
        section="admin",
        entries=entries,
        form={**args, "from": args.get("from", ""), "to": args.get("to", "")},
        actions=known_actions(),
        error=error,
        page=number,
        newer_url=_url(".page", page=number - 1, **args) if number > 1 else None,
        older_url=_url(".page", page=number + 1, **args) if has_older else None,
        downloads={fmt: _url(".download", fmt=fmt, **args) for fmt in MIMETYPES},
    )


def _url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, **values)
