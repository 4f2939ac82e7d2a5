"""`answerdesk privacy ...`: retention purges (for cron) and one person's data: export or delete.

Each command upgrades the database first, as the other commands do; deletes and purges are audited
(web/audit/log.py), as is an export.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from web.chat.erasure import Deletion
from web.chat.retention import purge
from web.chat.subjects import Subject, delete_subject, export_subject, parse_subject
from web.db.engine import upgrade_database
from web.services import get_settings
from web.wording import counted


@click.group("privacy")
def privacy_group() -> None:
    """Retention and people's data: purge old chats, export or delete one visitor's or employee's data."""


def _subject(session_id: str | None, email: str | None) -> Subject:
    try:
        return parse_subject(session_id, email)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _upgrade() -> None:
    upgrade_database(current_app._get_current_object())  # type: ignore[attr-defined]


SESSION_HELP = "The widget session id of a visitor (kept in their browser's localStorage)."
EMAIL_HELP = "An e-mail address: an employee's account, or one a visitor gave in a hand-off or typed."


@privacy_group.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    help="Days of quiet after which a conversation goes (default: ANSWERDESK_RETENTION_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@with_appcontext
def purge_command(days: int | None, dry_run: bool, as_json: bool) -> None:
    """Delete conversations with no activity for the retention period, with their messages, feedback, hand-offs
    and gap evidence (gaps keep their counts and titles)."""
    _upgrade()
    days = days or get_settings(current_app._get_current_object()).retention_days  # type: ignore[attr-defined]
    if days <= 0:
        raise click.UsageError("retention is off: set ANSWERDESK_RETENTION_DAYS or pass --older-than DAYS")
    report = purge(days, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(report.to_dict()))
        return
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"conversations quiet since {report.cutoff:%Y-%m-%d %H:%M} UTC ({counted(days, 'day')}): {verb}")
    click.echo(_counts(report.deleted))


@privacy_group.command("delete")
@click.option("--session", "session_id", help=SESSION_HELP)
@click.option("--email", help=EMAIL_HELP)
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@with_appcontext
def delete_command(session_id: str | None, email: str | None, dry_run: bool, as_json: bool) -> None:
    """Delete every conversation of one person, with its messages, feedback, hand-offs and gap evidence, and print
    what was deleted, table by table. An employee's account itself stays."""
    subject = _subject(session_id, email)
    _upgrade()
    deleted = delete_subject(subject, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps({"dry_run": dry_run, **deleted.to_dict()}))
        return
    click.echo(f"{'would delete' if dry_run else 'deleted'} ({subject.target}):")
    click.echo(_counts(deleted))


@privacy_group.command("export")
@click.option("--session", "session_id", help=SESSION_HELP)
@click.option("--email", help=EMAIL_HELP)
@with_appcontext
def export_command(session_id: str | None, email: str | None) -> None:
    """Print everything stored about one person as JSON (their conversations; for an account also its profile,
    edit suggestions, comments and audit entries)."""
    subject = _subject(session_id, email)
    _upgrade()
    click.echo(json.dumps(export_subject(subject), ensure_ascii=False, indent=2))


def _counts(deleted: Deletion) -> str:
    return "\n".join(f"  {table}: {count}" for table, count in deleted.to_dict().items())
