"""`answerdesk audit export`: the audit log as CSV or JSON lines on standard output (the admin page offers the
same download)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from web.audit.log import record
from web.audit.queries import FORMATS, export_lines, parse_filter
from web.db.engine import upgrade_database


@click.group("audit")
def audit_group() -> None:
    """The audit log: sign-ins, account and site changes, edits, gap actions, exports, privacy requests."""


@audit_group.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option("--from", "start", help="First day (YYYY-MM-DD, UTC), included.")
@click.option("--to", "last_day", help="Last day (YYYY-MM-DD, UTC), included.")
@click.option("--action", help="An action (auth.login) or a prefix ending in a dot (gap.).")
@click.option("--actor", help="Part of the actor's e-mail (or cli:USER, answerdesk).")
@click.option("--target", help="Part of the target (user:..., gap:42, document:...).")
@with_appcontext
def export_command(
    fmt: str, start: str | None, last_day: str | None, action: str | None, actor: str | None, target: str | None
) -> None:
    """Print the matching entries, oldest first."""
    args = {"from": start, "to": last_day, "action": action, "actor": actor, "target": target}
    try:
        audit_filter = parse_filter(args)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    upgrade_database(current_app._get_current_object())  # type: ignore[attr-defined]
    record("audit.export", None, {"format": fmt, **audit_filter.to_args()})
    for line in export_lines(audit_filter, fmt):
        click.echo(line, nl=False)
