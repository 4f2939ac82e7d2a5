"""Commands of the areas above the web app (evals) reach the `answerdesk` CLI through the ``answerdesk.commands``
entry-point group, not through an import in web/cli/__init__.py."""

from __future__ import annotations

import os
import subprocess
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


@pytest.mark.parametrize(
    ("environment", "args", "message"),
    [
        ({"ANSWERDESK_RATE_LIMIT": "lots"}, ["sites", "list"], "Error: ANSWERDESK_RATE_LIMIT='lots' is not valid"),
        ({"ANSWERDESK_EVAL_DATA": "{tmp}/none"}, ["eval", "emanual"], "Error: the 'emanual' data set needs"),
        ({"ANSWERDESK_DATA_DIR": "/proc/none"}, ["docs", "list"], "Error: "),
    ],
)
def test_a_setting_or_data_it_cannot_use_is_one_line_not_a_traceback(
    tmp_path: Path, environment: dict[str, str], args: list[str], message: str
) -> None:
    """Was: a 49-line traceback ending in the message."""
    env = {**os.environ, "ANSWERDESK_DATA_DIR": str(tmp_path / "data")}
    env.update({key: value.format(tmp=tmp_path) for key, value in environment.items()})
    result = subprocess.run(
        [str(Path(sys.executable).with_name("answerdesk")), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith(message) and "Traceback" not in result.stderr, result.stderr


def test_help_writes_nothing(tmp_path: Path) -> None:
    """Was: `answerdesk --help` created the app to list its commands, and with it ./var/answerdesk.db and a secret
    key in whatever folder it was typed in."""
    env = {key: value for key, value in os.environ.items() if key != "ANSWERDESK_DATA_DIR"}
    answerdesk = str(Path(sys.executable).with_name("answerdesk"))
    result = subprocess.run([answerdesk, "--help"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "ingest" in result.stdout, result.stderr
    assert list(tmp_path.iterdir()) == []
