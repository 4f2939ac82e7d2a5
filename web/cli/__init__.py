"""The `answerdesk` command line: one click group; each area registers its own commands.

The areas below the web app (chatbot, ingest) and the web app's own are added here. An area above it (evals) is
not imported here: it registers its commands in the ``answerdesk.commands`` entry-point group (pyproject.toml),
which this module loads by name. See :func:`registered_commands` for installs whose metadata predates the group.
"""

from __future__ import annotations

import sys
from importlib import metadata

import click
from flask import Flask
from flask.cli import FlaskGroup

from chatbot.commands import ask_command, chat_command
from chatbot.errors import AnswerdeskError
from web.cli.access import sites_group, tokens_group, users_group
from web.cli.audit import audit_group
from web.cli.db import db_group
from web.cli.gaps import gaps_group
from web.cli.ingest import docs_group, ingest_command
from web.cli.privacy import privacy_group
from web.cli.serve import serve_command

COMMANDS_GROUP = "answerdesk.commands"
# The group's entries as pyproject.toml declares them. An editable install refreshes its entry points only when it
# is reinstalled (`make venv` does so when pyproject.toml changes), and running from a source tree has none: these
# fill in any name the installed metadata lacks. Entry points of the same name win.
BUILTIN_COMMANDS = {
    "eval": "evals.commands:eval_command",
    "calibrate": "evals.commands:calibrate_command",
}


def registered_commands() -> dict[str, click.Command]:
    """The commands of the ``answerdesk.commands`` entry-point group, plus the built-in entries it lacks, by name."""
    entries = {entry.name: entry for entry in metadata.entry_points(group=COMMANDS_GROUP)}
    for name, value in BUILTIN_COMMANDS.items():
        entries.setdefault(name, metadata.EntryPoint(name=name, value=value, group=COMMANDS_GROUP))
    commands: dict[str, click.Command] = {}
    for name, entry in entries.items():
        command = entry.load()
        if not isinstance(command, click.Command):
            raise TypeError(f"entry point {name} = {entry.value} in {COMMANDS_GROUP} is not a click command")
        commands[name] = command
    return commands


def _create_app() -> Flask:
    from web import create_app

    return create_app()


class _AnswerdeskGroup(FlaskGroup):
    """Flask's CLI group for its app context handling, without Flask's own options and plugin commands."""

    def _load_plugin_commands(self) -> None:
        pass

    # Flask's group also lists and looks up the app's own `app.cli` commands, which means creating the app (and a
    # database and a secret key in ./var) for `answerdesk --help` or a typo. answerdesk's commands are all
    # registered here; each one creates the app when it runs.
    def list_commands(self, ctx: click.Context) -> list[str]:
        return click.Group.list_commands(self, ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return click.Group.get_command(self, ctx, name)


cli = _AnswerdeskGroup(
    name="answerdesk",
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="answerdesk: a self-service support chatbot that cites its sources and says when it does not know.",
)
# --app, --env-file and --debug would let a user point the CLI at another application: not ours to offer.
cli.params = [p for p in cli.params if p.name not in {"app", "env_file", "debug"}]
cli.add_command(ingest_command)
cli.add_command(docs_group)
cli.add_command(ask_command)
cli.add_command(chat_command)
cli.add_command(serve_command)
cli.add_command(sites_group)
cli.add_command(users_group)
cli.add_command(tokens_group)
cli.add_command(gaps_group)
cli.add_command(privacy_group)
cli.add_command(audit_group)
cli.add_command(db_group)
for _name, _command in registered_commands().items():
    cli.add_command(_command, _name)


def main() -> None:
    """The ``answerdesk`` command. An error answerdesk raises on purpose (a setting it cannot use, a data set that is
    not there, an embedder that does not match the index) and a data dir it cannot open are one line and exit code
    1, as click's own errors are: the message says what to change, a traceback would only bury it."""
    try:
        cli.main(prog_name="answerdesk")
    except (AnswerdeskError, OSError) as exc:
        message = exc.message if isinstance(exc, AnswerdeskError) else str(exc)
        click.echo(f"Error: {message}", err=True)
        sys.exit(1)
