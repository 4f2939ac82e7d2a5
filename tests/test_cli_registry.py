"""Commands of the areas above the web app (evals) reach the `answerdesk` CLI through the ``answerdesk.commands``
entry-point group, not through an import in web/cli/__init__.py."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import click
import pytest

from web import cli as cli_module

ROOT = Path(__file__).resolve().parent.parent


@click.command("hello")
def hello_command() -> None:
    """A plugin command for the test."""
    click.echo("hello")


def _install_plugin(site: Path, entries: str) -> None:
    """A distribution on sys.path whose metadata declares ``entries`` in the answerdesk.commands group."""
    dist = site / "answerdesk_test_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: answerdesk-test-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[answerdesk.commands]\n{entries}\n")


def test_builtin_entries_repeat_the_entry_points_of_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"][cli_module.COMMANDS_GROUP] == cli_module.BUILTIN_COMMANDS


def test_eval_and_calibrate_are_registered() -> None:
    commands = cli_module.cli.list_commands(click.Context(cli_module.cli))
    assert {"eval", "calibrate"} <= set(commands)
    registered = cli_module.registered_commands()
    assert registered["eval"].callback is not None and registered["eval"].name == "eval"
    assert registered["calibrate"].name == "calibrate"


def test_entry_points_of_the_group_are_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, f"hello = {__name__}:hello_command")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    registered = cli_module.registered_commands()
    assert registered["hello"] is hello_command
    assert {"eval", "calibrate"} <= registered.keys()  # a stale install still has the built-in entries


def test_an_entry_point_wins_over_the_builtin_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A name only the fallback list and the plugin know (a fresh install also declares "eval" itself).
    monkeypatch.setattr(cli_module, "BUILTIN_COMMANDS", {"greet": "evals.commands:eval_command"})
    _install_plugin(tmp_path, f"greet = {__name__}:hello_command")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    assert cli_module.registered_commands()["greet"] is hello_command


def test_an_entry_point_that_is_not_a_command_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin(tmp_path, f"broken = {__name__}:ROOT")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    with pytest.raises(TypeError, match="not a click command"):
        cli_module.registered_commands()
