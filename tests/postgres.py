"""A throwaway PostgreSQL server on loopback, started by the tests themselves (the ``postgres_url`` fixture of
conftest.py): ``initdb`` in a temporary folder, ``pg_ctl start`` on a free port of 127.0.0.1, and at the end
``pg_ctl stop -m fast`` and the folder removed.

The server's binaries come from Debian's ``postgresql`` package (.ci/run installs it): ``pg_ctl`` on PATH, else the
newest ``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as root, so as root they run as the
``postgres`` user (the package creates it). Authentication is ``trust``: the superuser ``postgres`` connects without a
password, which is safe here because the server only listens on 127.0.0.1 and on a socket in a private folder.

``ANSWERDESK_TEST_POSTGRES_URL`` (an account that may create databases, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) uses that server instead and starts none.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

URL_VARIABLE = "ANSWERDESK_TEST_POSTGRES_URL"
BINARIES = ("initdb", "pg_ctl", "postgres")
DEBIAN_BIN_DIRS = "/usr/lib/postgresql/*/bin"
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30
# Durability is worthless for a server that is deleted afterwards; these make initdb's and the tests' commits fast.
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
}


def find_bin_dir() -> Path | None:
    """The folder that holds initdb, pg_ctl and postgres: pg_ctl's (symlinks resolved) if it is on PATH, else
    Debian's newest /usr/lib/postgresql/<version>/bin."""
    candidates = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates += [Path(on_path).parent, Path(on_path).resolve().parent]
    debian = Path("/").glob(DEBIAN_BIN_DIRS.lstrip("/"))
    candidates += sorted(debian, key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.name)])[::-1]
    for folder in candidates:
        if all(os.access(folder / name, os.X_OK) for name in BINARIES):
            return folder
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_user() -> dict[str, Any]:
    """subprocess arguments that run a PostgreSQL binary as the ``postgres`` user when we are root (PostgreSQL
    refuses root), as ourselves otherwise; skips when root has no ``postgres`` user to become."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("PostgreSQL refuses to run as root and there is no `postgres` user (Debian's package creates it)")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def postgres_server() -> Iterator[str]:
    """Yield the SQLAlchemy URL of a PostgreSQL superuser: ANSWERDESK_TEST_POSTGRES_URL's server, else a throwaway
    one started here and stopped and deleted afterwards (use with ``yield from`` in a session fixture)."""
    configured = os.environ.get(URL_VARIABLE, "")
    if configured:
        yield configured
        return
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip(
            f"needs PostgreSQL's {', '.join(BINARIES)} (Debian: apt-get install postgresql, which .ci/run does) "
            f"or {URL_VARIABLE}"
        )
    as_server = server_user()
    environ = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    environ["LC_ALL"] = "C"

    base = Path(tempfile.mkdtemp(prefix="answerdesk-pg-"))  # 0700; the server's user must own it
    if as_server:
        os.chown(base, as_server["user"], as_server["group"])
    data, log = base / "data", base / "server.log"

    def run(*command: str, timeout: float) -> None:
        result = subprocess.run(
            [str(bin_dir / command[0]), *command[1:]],
            cwd=base,  # the server's user may not be allowed into ours
            env=environ,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **as_server,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}{result.stderr}\n"
                f"server log:\n{log_tail(log)}"
            )

    try:
        run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync",
            timeout=START_TIMEOUT_S)  # fmt: skip
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(f"unix_socket_directories = '{base}'\n")
            conf.writelines(f"{name} = {value}\n" for name, value in SETTINGS.items())
        for attempt in range(3):  # the free port may be taken before the server binds it
            port = free_port()
            try:
                run("pg_ctl", "-D", str(data), "-l", str(log), "-o", f"-p {port}", "-t", str(START_TIMEOUT_S), "-w",
                    "start", timeout=START_TIMEOUT_S + 10)  # fmt: skip
            except RuntimeError:
                if attempt == 2 or "could not bind" not in log_tail(log):
                    raise
                continue
            break
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():  # also after a start that failed half-way
            try:
                run("pg_ctl", "-D", str(data), "-m", "fast", "-t", str(STOP_TIMEOUT_S), "-w", "stop",
                    timeout=STOP_TIMEOUT_S + 10)  # fmt: skip
            except (RuntimeError, subprocess.TimeoutExpired):
                kill_postmaster(data)
        shutil.rmtree(base, ignore_errors=True)


def kill_postmaster(data: Path) -> None:
    """SIGKILL the postmaster of ``data`` (the one this module started), by its pid file, if it still runs: the
    backends end when they see it gone."""
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        if b"postgres" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError, IndexError):
        pass


def fresh_database(postgres_url: str, name: str) -> Iterator[str]:
    """A new, empty database ``name`` on the throwaway server, as a URL; dropped afterwards, with any connection
    a test left open (use with ``yield from`` in a fixture)."""
    pytest.importorskip("psycopg")
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
