"""One knowledge-base write at a time, across every process and thread that shares a data dir.

A write is a database version, Chroma vectors and the keyword index file, in that order of several steps. Two at
once (two editors saving, a folder ingest while an editor saves) interleaved: two new articles took the same id and
one request failed on the database's unique key after its vectors were stored; two edits of one article both passed
the "was it saved meanwhile?" check and the second silently dropped the first (found by a probe of the service with
concurrent requests, round 37). The lock is an exclusive ``flock`` on ``DATA_DIR/kb-write.lock``: gunicorn's
workers, the CLI and the threads of one worker all wait for it, and the kernel releases it if a process dies.

It is re-entrant within a thread: an editor's route holds it around its check and its save, and the pipeline's
own writes inside take it again without waiting for themselves.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path

_held = threading.local()  # per thread: {lock path: how many times it is held}


class WriteLock:
    """The knowledge-base write lock of one data dir; ``None``: no lock (a pipeline built for a test)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the ``with`` block (waiting for another writer to finish)."""
        if self.path is None:
            yield
            return
        counts: dict[Path, int] = _held.__dict__.setdefault("counts", {})
        if counts.get(self.path, 0):
            counts[self.path] += 1
            try:
                yield
            finally:
                counts[self.path] -= 1
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            counts[self.path] = 1
            try:
                yield
            finally:
                counts[self.path] = 0
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def data_dir_lock(data_dir: Path) -> WriteLock:
    return WriteLock(data_dir / "kb-write.lock")
