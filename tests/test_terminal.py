"""The README's commands typed at a terminal, the way a person runs them.

Scripts, CI and the other tests have no terminal, and a terminal changes what these commands do: `answerdesk ingest`
draws a progress bar, `answerdesk users create` prompts for the password with echo off, `answerdesk chat` reads the
lines typed at its prompt, and Ctrl-C / Ctrl-D come from the terminal (the kernel's line discipline turns them into
SIGINT for the foreground process group and an end of file). So each command here runs on its own pseudo-terminal
(100 x 30), in a new session whose controlling terminal it is, as a shell starts a command; the test types into it
and reads what the person would see. Every command gets a data dir of its own under tmp_path, never the user's.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.helpcenter_kb import REPO_ROOT, SAMPLE_KB

pytestmark = pytest.mark.slow

ANSWERDESK = Path(sys.executable).with_name("answerdesk")
TIMEOUT = 300.0  # seconds for one step; loading and embedding on a busy 2-core machine can take a while
LEAVING = 60.0  # seconds for `answerdesk chat` to end once told to: a command that answers instead prompts again
COLUMNS, ROWS = 100, 30
PASSWORD = "correct horse battery staple"
EMAIL = "you@example.com"
TWO_FACTOR = "How do I enable two-factor authentication?"

# Runs in the new session (Popen's start_new_session) before the command: the pty on stdin becomes the session's
# controlling terminal, which is what makes Ctrl-C a SIGINT and lets getpass open /dev/tty. Done by exec'ing
# through a tiny Python rather than in a preexec_fn, which is unsafe when the test process has threads.
_TAKE_TERMINAL = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); os.execvp(sys.argv[1], sys.argv[1:])"
)


class Terminal:
    """One command on its own pseudo-terminal: type into it, wait for what it prints."""

    def __init__(self, argv: Sequence[str | Path], *, env: dict[str, str], cwd: Path) -> None:
        import fcntl
        import termios

        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _TAKE_TERMINAL, *map(str, argv)],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                cwd=cwd,
                start_new_session=True,
            )
        finally:
            # Only the command may hold the terminal open: the end of its output is then seen as an end of file.
            os.close(slave)
        self._fd = master
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.output = ""  # everything printed so far, as the terminal received it (\r\n line ends, \r redraws)
        self._position = 0  # where the next expect() starts looking
        self._ended = False

    def type(self, keys: str) -> None:
        os.write(self._fd, keys.encode())

    def expect(self, pattern: str, timeout: float = TIMEOUT) -> re.Match[str]:
        """The first match of ``pattern`` in what was printed after the previous match, waiting for it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.output, self._position)
            if match:
                self._position = match.end()
                return match
            if self._ended:
                raise AssertionError(f"the command ended without printing {pattern!r}:\n{self.screen()}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} within {timeout:.0f} s:\n{self.screen()}")
            self.read(min(left, 0.5))

    def read(self, timeout: float) -> None:
        """Take what the command printed within ``timeout`` seconds (a command blocks once the pty is full)."""
        # poll, not select: the whole suite keeps over a thousand files open by the time these tests run, and
        # select() refuses a descriptor numbered 1024 or more.
        poller = select.poll()
        poller.register(self._fd, select.POLLIN)
        if self._ended or not poller.poll(timeout * 1000):
            return
        try:
            data = os.read(self._fd, 65536)
        except OSError:  # EIO: nobody holds the terminal open any more
            data = b""
        if data:
            self.output += self._decoder.decode(data)
        else:
            self._ended = True

    def finish(self, timeout: float = TIMEOUT) -> int:
        """Read until the command and every process it started have let go of the terminal; its exit code."""
        deadline = time.monotonic() + timeout
        while not self._ended:
            left = deadline - time.monotonic()
            assert left > 0, f"still running after {timeout:.0f} s:\n{self.screen()}"
            self.read(min(left, 0.5))
        return self.process.wait(timeout=max(deadline - time.monotonic(), 1.0))

    def rest(self) -> str:
        """What was printed after the last match."""
        return self.output[self._position :]

    def screen(self) -> str:
        return self.output[-4000:].replace("\r\n", "\n")

    def close(self) -> None:
        # The whole group, not just the command: a server that `make run` started may outlive make.
        with_group(self.process.pid, signal.SIGKILL)
        self.process.wait()
        os.close(self._fd)


def with_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to the process group; False when no process of it is left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """Every terminal a test opens, closed (and its processes killed) whatever the test's outcome."""
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def person_env(data_dir: Path) -> dict[str, str]:
    """A person's environment: no ANSWERDESK_* setting of the calling shell, no make variables of an outer make
    (`make test` runs these tests; its jobserver must not reach the `make run` typed here), the terminal's own
    size rather than COLUMNS/LINES, and this test's data dir."""
    dropped = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKE_TERMOUT", "MAKE_TERMERR", "COLUMNS", "LINES"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("ANSWERDESK_")}
    env.update(
        ANSWERDESK_DATA_DIR=str(data_dir),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        TERM=env.get("TERM") or "xterm",
    )
    return env


def open_terminal(
    terminals: list[Terminal], argv: Sequence[str | Path], data_dir: Path, cwd: Path = REPO_ROOT
) -> Terminal:
    terminal = Terminal(argv, env=person_env(data_dir), cwd=cwd)
    terminals.append(terminal)
    return terminal


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the sample help centre, ingested once by a script (no terminal) for this module; it
    also holds the ONNX export of the model, which takes longer to make than the sample takes to embed."""
    assert ANSWERDESK.exists(), f"the answerdesk console script is not installed next to {sys.executable}"
    data_dir = tmp_path_factory.mktemp("ingested") / "var"
    result = subprocess.run(
        [str(ANSWERDESK), "ingest", str(SAMPLE_KB), "--json"],
        env=person_env(data_dir),
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] > 50
    return data_dir


def copy_data_dir(source: Path, target: Path, *, models_only: bool = False) -> Path:
    """A copy of ``source`` that a test may change; the model files (90 MB, only ever read or replaced whole)
    are hard links when the file system allows them."""

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    target.mkdir(parents=True)
    shutil.copytree(source / "models", target / "models", copy_function=link_or_copy)
    if not models_only:
        for item in source.iterdir():
            if item.name != "models":
                copy = shutil.copytree if item.is_dir() else shutil.copy2
                copy(item, target / item.name)
    return target


BAR_START = r"embedding {path}:\s+0%\|[^\r]*\| 0/(\d+) \["
SUMMARY = r"added (\d+), updated (\d+), unchanged (\d+), deleted (\d+), failed (\d+); (\d+) chunks? embedded"


def expect_bar_and_summary(terminal: Terminal, path: str) -> re.Match[str]:
    """The progress bar of `answerdesk ingest PATH` from 0 to its total, then the summary line; the summary."""
    total = terminal.expect(BAR_START.format(path=re.escape(path))).group(1)
    terminal.expect(rf"embedding {re.escape(path)}: 100%\|[^\r]*\| {total}/{total} \[")
    summary = terminal.expect(SUMMARY)
    assert summary.group(6) == total, terminal.screen()
    return summary


# -- make run ----------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def healthz(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return bool(response.status == 200 and json.loads(response.read()) == {"status": "ok"})
    except OSError:
        return False


def test_make_run_ingests_with_a_progress_bar_serves_and_stops_on_ctrl_c(
    terminals: list[Terminal], ingested: Path, tmp_path: Path
) -> None:
    if shutil.which("make") is None:
        pytest.skip("needs GNU make")
    stamp = REPO_ROOT / ".venv" / ".installed"
    if not stamp.exists() or stamp.stat().st_mtime < (REPO_ROOT / "pyproject.toml").stat().st_mtime:
        pytest.skip("`make run` would (re)install .venv first: run `make venv`, as `make test` does")
    # A fresh data dir, as on a fresh clone, except for the model's ONNX export (made by `ingested`, to save time).
    data_dir = copy_data_dir(ingested, tmp_path / "var", models_only=True)
    port = free_port()
    terminal = open_terminal(terminals, ["make", "run", f"PORT={port}"], data_dir)

    summary = expect_bar_and_summary(terminal, "examples/helpcenter")
    assert int(summary.group(1)) > 50 and summary.group(5) == "0", terminal.screen()
    terminal.expect(rf"answerdesk is serving on http://127\.0\.0\.1:{port}/")
    deadline = time.monotonic() + TIMEOUT
    while not healthz(port):
        assert terminal.process.poll() is None, f"make run stopped:\n{terminal.screen()}"
        assert time.monotonic() < deadline, f"/healthz never answered:\n{terminal.screen()}"
        terminal.read(0.5)

    terminal.type("\x03")  # Ctrl-C, as the serving line says
    terminal.finish(timeout=60)
    # make, the server and anything they started: the whole process group is gone, and so is the port.
    deadline = time.monotonic() + 30
    while with_group(terminal.process.pid, 0):
        assert time.monotonic() < deadline, "processes of `make run` survived Ctrl-C"
        time.sleep(0.2)
    assert not healthz(port)
    assert "Traceback" not in terminal.output, terminal.screen()


# -- answerdesk ingest -------------------------------------------------------------------------------------------
def live_versions(data_dir: Path, doc_ids: Sequence[str]) -> dict[str, tuple[int, int, bool]]:
    """Per document: (catalogue version, version live for retrieval, is that version whole in Chroma and does
    its text carry the marker of the edit)."""
    from chatbot.config import Settings
    from chatbot.embedders import MiniLMEmbedder
    from chatbot.keyword import KeywordIndex
    from chatbot.store import ChromaStore

    settings = Settings(data_dir=data_dir)
    keyword = KeywordIndex(settings.keyword_index_path)
    chunks = list(ChromaStore(settings, MiniLMEmbedder.name, MiniLMEmbedder.dimension).all_chunks())
    with sqlite3.connect(data_dir / "answerdesk.db") as db:
        catalogue = dict(db.execute("SELECT id, current_version FROM documents WHERE deleted_at IS NULL").fetchall())
    states: dict[str, tuple[int, int, bool]] = {}
    for doc_id in doc_ids:
        live = keyword.live_version(doc_id)
        assert live is not None, doc_id
        stored = {c.id: c.text for c in chunks if c.doc_id == doc_id and c.version == live}
        # The live version is whole in Chroma: exactly the chunks the keyword index (the commit point) lists.
        assert set(stored) == set(keyword.chunk_ids_of(doc_id)), doc_id
        states[doc_id] = (catalogue[doc_id], live, any(EDIT_MARKER in text for text in stored.values()))
    return states


EDIT_MARKER = "Invoices now show the VAT number of the customer"
# `answerdesk ingest` with commits of a few chunks (web.cli's main, the console script's entry point, with the
# pipeline's batch size lowered): the sample help centre is one batch at the real size, and a Ctrl-C can only land
# between commits when there are several.
_SMALL_BATCHES = "import ingest.pipeline; ingest.pipeline._BATCH_CHUNKS = 16; from web.cli import main; main()"


def test_ctrl_c_during_ingest_leaves_each_document_at_its_old_or_new_version(
    terminals: list[Terminal], ingested: Path, tmp_path: Path
) -> None:
    data_dir = copy_data_dir(ingested, tmp_path / "var")
    kb = tmp_path / "kb"
    shutil.copytree(SAMPLE_KB, kb)
    with sqlite3.connect(data_dir / "answerdesk.db") as db:
        markdown = dict(db.execute("SELECT id, source_path FROM documents WHERE source_path LIKE '%.md'").fetchall())
    edited = sorted(markdown)[:12]  # enough for several commits of 16 chunks, few enough to embed quickly
    for doc_id in edited:
        with (kb / markdown[doc_id]).open("a", encoding="utf-8") as file:
            file.write(f"\n\n{EDIT_MARKER}.\n")
    assert all(state == (1, 1, False) for state in live_versions(data_dir, edited).values())

    terminal = open_terminal(terminals, [sys.executable, "-c", _SMALL_BATCHES, "ingest", "kb"], data_dir, tmp_path)
    total = int(terminal.expect(BAR_START.format(path="kb")).group(1))
    while True:  # until the first batches are committed
        done = int(terminal.expect(r"\| (\d+)/\d+ \[").group(1))
        assert done < total, f"the ingest ended before it could be interrupted:\n{terminal.screen()}"
        if done > 0:
            break
    terminal.type("\x03")
    stopped = terminal.expect(rf"Aborted!|{SUMMARY}").group(0)
    assert stopped == "Aborted!", f"the ingest ended before Ctrl-C reached it:\n{terminal.screen()}"
    assert terminal.finish() == 1
    assert "Traceback" not in terminal.output, terminal.screen()

    states = live_versions(data_dir, edited)
    for doc_id, (catalogue, live, has_edit) in states.items():
        assert live in (1, 2) and has_edit == (live == 2), (doc_id, states[doc_id])
        # The catalogue follows the commit point: the same version, or the old one when Ctrl-C came between the
        # keyword index's save and the catalogue's commit (the next run records the new version again).
        assert catalogue in (live, live - 1) and catalogue >= 1, (doc_id, states[doc_id])
    assert {live for _, live, _ in states.values()} == {1, 2}, states

    # The next run, as typed (`answerdesk ingest kb`, real batch size), finishes the job: with the progress bar.
    terminal = open_terminal(terminals, [ANSWERDESK, "ingest", "kb"], data_dir, tmp_path)
    summary = expect_bar_and_summary(terminal, "kb")
    assert terminal.finish() == 0
    unfinished = sum(1 for catalogue, _, _ in states.values() if catalogue == 1)
    assert (summary.group(1), summary.group(2), summary.group(5)) == ("0", str(unfinished), "0"), terminal.screen()
    assert set(live_versions(data_dir, edited).values()) == {(2, 2, True)}


def test_ingest_json_in_a_terminal_prints_only_the_json(
    terminals: list[Terminal], ingested: Path, tmp_path: Path
) -> None:
    data_dir = copy_data_dir(ingested, tmp_path / "var")
    terminal = open_terminal(terminals, [ANSWERDESK, "ingest", "examples/helpcenter", "--json"], data_dir)
    assert terminal.finish() == 0
    lines = terminal.output.split("\r\n")
    assert lines[-1] == "" and len(lines) == 2 and "\r" not in lines[0], terminal.output  # no bar, no log line
    assert json.loads(lines[0])["unchanged"] > 50


# -- answerdesk chat ---------------------------------------------------------------------------------------------
@pytest.fixture
def chat_data_dir(ingested: Path, tmp_path: Path) -> Path:
    return copy_data_dir(ingested, tmp_path / "var")


def test_chat_answers_a_question_and_a_follow_up_then_quit_leaves(
    terminals: list[Terminal], chat_data_dir: Path
) -> None:
    terminal = open_terminal(terminals, [ANSWERDESK, "chat"], chat_data_dir)
    terminal.expect(r"you> ")
    terminal.type(TWO_FACTOR + "\r")
    first = terminal.expect(r"(?s)\r\n(.*?)\(confidence [0-9.]+[^)]*\)\r\nyou> ").group(1)
    assert "Settings > Security > Two-factor authentication" in first, terminal.screen()
    terminal.type("and on Android?\r")
    follow_up = terminal.expect(r"(?s)\r\n(.*?)\(confidence [0-9.]+[^)]*\)\r\nyou> ").group(1)
    # Read against the first question: still about two-factor authentication, not about the Android app alone.
    assert "two-factor" in follow_up.lower() or "2fa" in follow_up.lower(), terminal.screen()
    terminal.type("quit\r")
    assert terminal.finish(timeout=LEAVING) == 0
    assert terminal.rest() == "quit\r\n", terminal.screen()  # left at once: not sent as a question


@pytest.mark.parametrize(
    "keys",
    ["exit\r", " :Q \r", "\x04", "\x03"],
    ids=["exit", ":q", "ctrl-d", "ctrl-c"],
)
def test_chat_leaves_on(terminals: list[Terminal], chat_data_dir: Path, keys: str) -> None:
    terminal = open_terminal(terminals, [ANSWERDESK, "chat"], chat_data_dir)
    terminal.expect(r"you> ")
    if keys == "\x03":
        # Like a person, not a script: readline prints the prompt a moment before it waits for input, and a SIGINT
        # that lands in between is only noticed at the next key (CPython's readline checks signals when its
        # select() is interrupted). On a loaded machine that window is wide enough for an instant Ctrl-C.
        time.sleep(0.3)
    terminal.type(keys)
    assert terminal.finish(timeout=LEAVING) == 0
    left = terminal.rest()
    assert "confidence" not in left and "Traceback" not in left and "Aborted" not in left, terminal.screen()
    assert left.endswith("\r\n"), terminal.screen()  # the shell's prompt starts on a line of its own


# -- answerdesk users create -------------------------------------------------------------------------------------
def test_users_create_asks_twice_for_a_password_it_does_not_echo(terminals: list[Terminal], tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    terminal = open_terminal(terminals, [ANSWERDESK, "users", "create", EMAIL, "--role", "admin"], data_dir)
    terminal.expect(r"Password: ")
    terminal.type(PASSWORD + "\r")
    terminal.expect(r"Repeat for confirmation: ")
    terminal.type("a typing mistake\r")
    terminal.expect(r"Error: The two entered values do not match\.")
    terminal.expect(r"Password: ")
    terminal.type(PASSWORD + "\r")
    terminal.expect(r"Repeat for confirmation: ")
    terminal.type(PASSWORD + "\r")
    terminal.expect(rf"created {re.escape(EMAIL)} \(admin\)")
    assert terminal.finish() == 0
    assert PASSWORD not in terminal.output and "typing mistake" not in terminal.output, terminal.screen()

    from chatbot.config import Settings
    from web import create_app
    from web.access.auth import authenticate

    with create_app(Settings(data_dir=data_dir), TESTING=True).app_context():
        assert authenticate(EMAIL, PASSWORD) is not None
        assert authenticate(EMAIL, "a typing mistake") is None
