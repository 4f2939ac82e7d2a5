"""The `answerdesk` command line: one click group; each area registers its own commands."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

from chatbot.commands import ask_command, chat_command
from evals.commands import calibrate_command, eval_command
from web.commands import sites_group, tokens_group, users_group
from web.gap_commands import gaps_group
from web.ingest_commands import docs_group, ingest_command
from web.serve import serve_command


def _create_app() -> Flask:
    from web import create_app

    return create_app()


class _AnswerdeskGroup(FlaskGroup):
    """Flask's CLI group for its app context handling, without Flask's own options and plugin commands."""

    def _load_plugin_commands(self) -> None:
        pass


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
cli.add_command(eval_command)
cli.add_command(calibrate_command)
cli.add_command(serve_command)
cli.add_command(sites_group)
cli.add_command(users_group)
cli.add_command(tokens_group)
cli.add_command(gaps_group)


def main() -> None:
    cli.main(prog_name="answerdesk")
