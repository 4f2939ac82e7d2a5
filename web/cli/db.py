"""`answerdesk db upgrade`: the schema migrations alone, for a deploy step that runs before the new code serves
(`answerdesk serve` and every other command upgrade the database themselves too)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import click
from alembic.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from web.db.engine import MIGRATIONS_DIR, upgrade_database
from web.db.models import db


@click.group("db")
def db_group() -> None:
    """The database: schema migrations."""


@db_group.command("upgrade")
@with_appcontext
def upgrade_command() -> None:
    """Upgrade the database schema to this version of answerdesk, and print the migrations applied."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    where = db.engine.url.render_as_string(hide_password=True)
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    try:
        before = _current_revisions()
        _check_known(script, before, where)
        upgrade_database(app)
        after = _current_revisions()
    except SQLAlchemyError as exc:
        # One line that says which database and why ("connection refused", "database is locked"), not a traceback.
        reason = exc.orig if isinstance(exc, DBAPIError) else exc
        raise click.ClickException(f"cannot upgrade the database {where}: {_first_line(reason)}") from exc
    applied = _applied(script, before, after)
    if not applied:
        click.echo(f"database {where} is up to date (revision {_shown(after)})")
        return
    click.echo(f"database {where}: upgraded from {_shown(before)} to {_shown(after)}")
    for revision in applied:
        click.echo(f"  applied {revision.revision}: {_first_line(revision.doc)}")


def _current_revisions() -> tuple[str, ...]:
    # alembic logs its dialect at INFO on every connection it configures: noise here (upgrade_database does so too).
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with db.engine.connect() as connection:
        return tuple(MigrationContext.configure(connection).get_current_heads())


def _check_known(script: ScriptDirectory, revisions: Sequence[str], where: str) -> None:
    """A revision this code does not know is a database that newer code has upgraded: migrating it (down) is not
    ours to guess. Checked before upgrading, so that the message is ours, not alembic's log line."""
    for revision in revisions:
        try:
            script.get_revision(revision)
        except CommandError:
            raise click.ClickException(
                f"the database {where} is at revision {revision}, which this version of answerdesk does not know "
                "(upgraded by a newer version?)"
            ) from None


def _applied(script: ScriptDirectory, before: Sequence[str], after: Sequence[str]) -> list[Script]:
    """The revisions between ``before`` and ``after``, oldest first."""
    if set(before) == set(after):
        return []
    steps = script.iterate_revisions(tuple(after), tuple(before) or "base")
    return [step for step in reversed(list(steps)) if isinstance(step, Script)]


def _shown(revisions: Sequence[str]) -> str:
    return ", ".join(revisions) if revisions else "an empty database"


def _first_line(value: object) -> str:
    return str(value).strip().splitlines()[0] if str(value).strip() else ""
